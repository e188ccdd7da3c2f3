import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSessionManager, createStoreFromConfig } from '@sessionkit/core';
import { createPostgresStore } from '@sessionkit/postgres';
import { type Provisioned, suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/index';

const SECRET = 'cli-store-commands-secret-0123456789abc';
const ENCRYPTION = { id: 'k1', key: 'cli-encryption-key-0123456789-abcdefgh' };

/** Runs the CLI in-process with collected output. */
async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Writes sessions through a real SessionManager on the store at `url`: what an app would do. */
async function seed(url: string, encrypted = false) {
  const store = await createStoreFromConfig(url);
  const manager = createSessionManager({
    store,
    secrets: [SECRET],
    // The store is closed right after seeding: a startup verification would still be running.
    verifyOnStart: 'off',
    ...(encrypted ? { encryption: { keys: [ENCRYPTION] } } : {}),
  });
  const ids: string[] = [];
  for (const owner of ['alice', 'alice', 'bob']) {
    const session = await manager.load(null);
    session.set('cart', ['apple', 'pear']);
    session.set('since', new Date('2026-01-02T03:04:05Z'));
    session.setOwner(owner);
    await manager.commit(session);
    ids.push(session.id);
  }
  await store.close();
  return ids;
}

/** A user's devices and the store's counts, as an operator sees them, in text and in JSON. */
function deviceTests(label: string, url: () => string) {
  test(`${label}: list --owner, stats and --json`, async () => {
    const store = await createStoreFromConfig(url());
    // The store is closed at the end of the test: a startup verification would still be running.
    const manager = createSessionManager({ store, secrets: [SECRET], verifyOnStart: 'off' });
    const details = store.capabilities.ownerDetails;
    for (const [owner, userAgent] of [
      ['alice', 'Firefox'],
      ['alice', 'Safari'],
      ['bob', 'Chrome'],
    ] as const) {
      const session = await manager.load(null);
      session.set('cart', []);
      session.setOwner(owner, details ? { userAgent, ip: '203.0.113.9' } : undefined);
      await manager.commit(session);
    }
    await store.close();

    const listed = await run('list', '--owner', 'alice', '--json', '--store', url());
    expect(listed.code, listed.stderr).toBe(0);
    const { owner, sessions } = JSON.parse(listed.stdout);
    expect(owner).toBe('alice');
    expect(sessions).toHaveLength(2);
    for (const entry of sessions) expect(typeof entry.expiresAt).toBe('number');
    if (details) {
      expect(sessions.map((entry: { meta: { userAgent: string } }) => entry.meta.userAgent).sort()).toEqual([
        'Firefox',
        'Safari',
      ]);
      for (const entry of sessions) {
        expect(typeof entry.createdAt).toBe('number');
        expect(typeof entry.lastActiveAt).toBe('number');
      }
    }
    const text = await run('list', '--owner', 'alice', '--store', url());
    expect(text.stdout).toMatch(/^2 live session\(s\) of "alice":\n/);
    expect((await run('list', '--owner', 'nobody', '--store', url())).stdout).toBe(
      'no live session of "nobody"\n',
    );

    expect(JSON.parse((await run('count', '--json', '--store', url())).stdout)).toEqual({ live: 3 });
    const stats = await run('stats', '--json', '--store', url());
    if (store.capabilities.tally) {
      expect(stats.code, stats.stderr).toBe(0);
      expect(JSON.parse(stats.stdout)).toMatchObject({ live: 3, owned: 3, owners: 2 });
      expect((await run('stats', '--store', url())).stdout).toMatch(/^live {6}3\n/);
    } else {
      expect(stats.code).toBe(1);
      expect(JSON.parse(stats.stderr).error.message).toMatch(/does not support tally\(\)/);
    }

    const bad = await run('list', '--json', '--store', url());
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr)).toEqual({ error: { message: 'list needs --owner ID.', usage: true } });
    // Leaves the store empty for the workflow below, which counts from zero.
    for (const name of ['alice', 'bob']) await run('revoke', '--owner', name, '--store', url());
  });
}

/** The same operator workflow against any store URL. */
function operatorTests(label: string, url: () => string) {
  deviceTests(label, url);
  test(`${label}: count, inspect (plain and redacted), revoke, count again`, async () => {
    const [aliceId, , bobId] = await seed(url());
    expect(await run('count', '--store', url())).toEqual({ code: 0, stdout: '3\n', stderr: '' });

    const inspected = await run('inspect', aliceId as string, '--store', url());
    expect(inspected.code).toBe(0);
    const shown = JSON.parse(inspected.stdout);
    expect(shown).toMatchObject({
      version: 1,
      ownerId: 'alice',
      data: { cart: ['apple', 'pear'], since: '2026-01-02T03:04:05.000Z' },
      flash: {},
    });
    const redacted = await run('inspect', aliceId as string, '--redact', '--store', url());
    expect(redacted.stdout).not.toContain('apple');
    expect(redacted.stdout).not.toContain('alice');
    expect(JSON.parse(redacted.stdout).data).toEqual({ cart: ['<string>', '<string>'], since: '<Date>' });
    // The storage key from the output works with --key too.
    expect((await run('inspect', '--key', shown.key, '--store', url())).code).toBe(0);

    expect(await run('revoke', '--owner', 'alice', '--store', url())).toMatchObject({
      code: 0,
      stdout: 'revoked 2 session(s) of "alice"\n',
    });
    expect((await run('count', '--store', url())).stdout).toBe('1\n');
    expect((await run('inspect', aliceId as string, '--store', url())).code).toBe(1);
    expect((await run('inspect', bobId as string, '--store', url())).code).toBe(0);
  });
}

describe('store commands on the file store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sessionkit-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  operatorTests('file', () => `file://${dir}/plain`);

  test('prune deletes expired sessions on stores without native expiry', async () => {
    const url = `file://${dir}/prune`;
    const store = await createStoreFromConfig(url);
    await store.set('old', { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 50 });
    await store.set('new', { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 });
    await store.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await run('prune', '--store', url)).toMatchObject({
      code: 0,
      stdout: 'pruned 1 expired session(s)\n',
    });
    expect((await run('count', '--store', url)).stdout).toBe('1\n');
  });

  test('an ID or storage key starting with "-" is an argument, not an option', async () => {
    // One ID in 64 starts with "-" (base64url); CI once drew one and inspect exited 2.
    const url = `file://${dir}/dashed`;
    const store = await createStoreFromConfig(url);
    const manager = createSessionManager({ store, secrets: [SECRET], verifyOnStart: 'off' });
    let id = '';
    for (let i = 0; i < 5_000 && !id.startsWith('-'); i++) {
      const session = await manager.load(null);
      session.set('n', i);
      session.setOwner(i % 2 === 0 ? '-even' : 'odd');
      await manager.commit(session);
      id = session.id;
    }
    await store.close();
    expect(id.startsWith('-')).toBe(true);
    const byId = await run('inspect', id, '--store', url);
    expect(byId).toMatchObject({ code: 0, stderr: '' });
    const { key } = JSON.parse(byId.stdout) as { key: string };
    for (const args of [
      ['inspect', '--store', url, id],
      ['inspect', '--store', url, '--', id],
      ['inspect', '--key', key, '--store', url],
      ['inspect', '-k', key, '--store', url],
      ['inspect', `--key=${key}`, '--store', url],
    ]) {
      expect(await run(...args), args.join(' ')).toMatchObject({ code: 0, stdout: byId.stdout });
    }
    // An option's value may start with "-" too.
    expect((await run('revoke', '--owner', '-even', '--store', url)).code).toBe(0);
    expect((await run('revoke', '-o', '-even', '--store', url)).stdout).toBe(
      'revoked 0 session(s) of "-even"\n',
    );
    // A misspelt option is still an error, not an ID.
    expect((await run('inspect', id, '--redcat', '--store', url)).code).toBe(2);
  });

  test('inspect of an encrypted store needs the key, and works with it', async () => {
    const url = `file://${dir}/encrypted`;
    const [id] = await seed(url, true);
    const without = await run('inspect', id as string, '--store', url);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('--encryption-key');
    const withKey = await run(
      'inspect',
      id as string,
      '-e',
      `${ENCRYPTION.id}=${ENCRYPTION.key}`,
      '--store',
      url,
    );
    expect(JSON.parse(withKey.stdout).data.cart).toEqual(['apple', 'pear']);
  });

  test('SESSIONKIT_STORE is the default store', async () => {
    const previous = process.env.SESSIONKIT_STORE;
    // The CLI creates no directory (issue 14.7): the app would have created it.
    await mkdir(join(dir, 'env'));
    process.env.SESSIONKIT_STORE = `file://${dir}/env`;
    try {
      expect(await run('count')).toEqual({ code: 0, stdout: '0\n', stderr: '' });
    } finally {
      if (previous === undefined) delete process.env.SESSIONKIT_STORE;
      else process.env.SESSIONKIT_STORE = previous;
    }
  });
});

describe('store command errors', () => {
  test.each([
    [['count'], /no store: pass --store URL or set SESSIONKIT_STORE/, 2],
    [['count', '--store', 'ftp://x/y'], /is not a session store/, 2],
    [['count', '--store', 'redis://:hunter2@h:99999'], /port 99999 is out of range/, 2],
    [['revoke', '--store', 'memory:'], /revoke needs --owner ID/, 2],
    [['inspect', '--store', 'memory:'], /needs either a session ID or --key/, 2],
    [['count', '--bogus'], /Unknown option '--bogus'/, 2],
  ])('%j', async (args, message, code) => {
    const previous = process.env.SESSIONKIT_STORE;
    delete process.env.SESSIONKIT_STORE;
    try {
      const result = await run(...args);
      expect(result.code).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('hunter2');
    } finally {
      if (previous !== undefined) process.env.SESSIONKIT_STORE = previous;
    }
  });

  test('--help of every store command', async () => {
    for (const command of ['count', 'prune', 'revoke', 'inspect']) {
      const result = await run(command, '--help');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Usage: sessionkit ${command}`);
      expect(result.stdout).toContain('--store URL');
    }
  });

  test('prune on a store with native expiry says so and succeeds', async () => {
    expect(await run('prune', '--store', 'memory:')).toMatchObject({ code: 0 });
  });
});

const redis: Provisioned = await useBackend('redis');
describe.skipIf(!redis.available)(suiteTitle('store commands on Redis', redis), () => {
  const prefix = uniquePrefix('cli');
  afterAll(async () => {
    if (!redis.available) return;
    const store = await createStoreFromConfig(`${redis.url}?prefix=${prefix}:`);
    await store.clear!();
    await store.close();
  });
  operatorTests('redis', () => (redis.available ? `${redis.url}?prefix=${prefix}:` : ''));
});

const postgres: Provisioned = await useBackend('postgres');
describe.skipIf(!postgres.available)(suiteTitle('store commands on PostgreSQL', postgres), () => {
  const table = uniquePrefix('cli');
  let pool: pg.Pool;
  beforeAll(async () => {
    if (!postgres.available) return;
    pool = new pg.Pool({ connectionString: postgres.url });
    await createPostgresStore(pool, { tableName: table, pruneInterval: 0 }).createSchema();
  });
  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`);
    await pool?.end();
  });
  operatorTests('postgres', () => (postgres.available ? `${postgres.url}?table=${table}` : ''));
});
