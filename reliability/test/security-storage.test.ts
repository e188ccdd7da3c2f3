/**
 * Security of what is stored and how stores are configured: raw store contents never hold the
 * cookie's session ID, nor (with encryption on) the session's plaintext; configured table names,
 * prefixes and cookie attributes that try to inject are refused at construction, before any
 * connection is made; values that look like SQL stay values.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createMemoryStore,
  createSessionManager,
  isSessionError,
  SessionConfigError,
  type SessionStore,
} from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { createMysqlStore } from '@sessionkit/mysql';
import { createPostgresStore } from '@sessionkit/postgres';
import { createRedisStore } from '@sessionkit/redis';
import { Client, type Provisioned, serve, suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import fc from 'fast-check';
import Redis from 'ioredis';
import mysqlCallback from 'mysql2';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { leaks, rawFiles, rawRedis, rawRows } from '../src/raw-contents';
import { idOfCookie, securityApp } from '../src/security-app';
import { cleanup, SECRET } from './helpers';

const redis = await useBackend('redis');
const postgres = await useBackend('postgres');
const mysqlDb = await useBackend('mysql');

const KEY = 'encryption-key-of-the-storage-tests-0123456789abcdef';
const MARKER = 'PLAINTEXT-MARKER-card-4111111111111111';

interface RawBackend {
  store: SessionStore;
  raw(): Promise<Buffer>;
}

const backends: Array<{ name: string; provisioned: Provisioned | null; open(): Promise<RawBackend> }> = [
  {
    name: 'file',
    provisioned: null,
    async open() {
      const directory = mkdtempSync(join(tmpdir(), 'sk-rel-raw-'));
      cleanup(async () => rmSync(directory, { recursive: true, force: true }));
      const store = createFileStore({ directory, pruneInterval: 0 });
      cleanup(() => store.close());
      return { store, raw: async () => rawFiles(directory) };
    },
  },
  {
    name: 'redis',
    provisioned: redis,
    async open() {
      const client = new Redis((redis as Extract<Provisioned, { available: true }>).url, {
        maxRetriesPerRequest: 1,
      });
      const prefix = `${uniquePrefix('raw')}:`;
      const store = createRedisStore(client, { prefix });
      cleanup(async () => {
        await store.clear();
        client.disconnect();
      });
      return { store, raw: () => rawRedis(client, prefix) };
    },
  },
  {
    name: 'postgres',
    provisioned: postgres,
    async open() {
      const pool = new pg.Pool({
        connectionString: (postgres as Extract<Provisioned, { available: true }>).url,
        max: 2,
      });
      const tableName = uniquePrefix('raw');
      const store = createPostgresStore(pool, { tableName, pruneInterval: 0 });
      await store.createSchema();
      cleanup(async () => {
        await pool.query(`DROP TABLE "${tableName}"`);
        await pool.end();
      });
      return { store, raw: async () => rawRows((await pool.query(`SELECT * FROM "${tableName}"`)).rows) };
    },
  },
  {
    name: 'mysql',
    provisioned: mysqlDb,
    async open() {
      const pool = mysql.createPool({
        uri: (mysqlDb as Extract<Provisioned, { available: true }>).url,
        connectionLimit: 2,
      });
      const tableName = uniquePrefix('raw');
      const store = createMysqlStore(pool, { tableName, pruneInterval: 0 });
      await store.createSchema();
      cleanup(async () => {
        await pool.query(`DROP TABLE \`${tableName}\``);
        await pool.end();
      });
      return {
        store,
        raw: async () =>
          rawRows((await pool.query(`SELECT * FROM \`${tableName}\``))[0] as Array<Record<string, unknown>>),
      };
    },
  },
];

describe('raw store contents', () => {
  for (const backend of backends) {
    const skip = backend.provisioned !== null && !backend.provisioned.available;
    const title = backend.provisioned
      ? suiteTitle(`${backend.name} store`, backend.provisioned)
      : 'file store';
    test.skipIf(skip)(
      `${title}: no session ID anywhere; with encryption on, no plaintext either`,
      async () => {
        for (const encrypted of [true, false]) {
          const { store, raw } = await backend.open();
          const c = new Client(
            await serve(
              securityApp({
                store,
                secrets: [SECRET],
                compression: false,
                ...(encrypted ? { encryption: { keys: [{ id: 'k1', key: KEY }] } } : {}),
              }),
            ),
          );
          await c.fetch('/login?user=alice', { method: 'POST' });
          await c.fetch(`/set?key=note&value=${MARKER}`, { method: 'POST' });
          expect(await (await c.fetch('/whoami')).json()).toMatchObject({ user: 'alice', note: MARKER });
          const cookie = decodeURIComponent(c.jar.get('sid') as string);
          const found = leaks(await raw(), {
            'session ID': idOfCookie(cookie),
            'signed cookie': cookie,
            marker: MARKER,
          });
          if (encrypted) expect(found).toEqual([]);
          // Control: unencrypted, the scan does see the plaintext (so it could have seen a leak), never the ID.
          else expect(found).toEqual(['marker (utf8)']);
        }
      },
    );
  }
});

describe('names that try to inject are refused at construction, before anything connects', () => {
  const injections = [
    'sessions; DROP TABLE users; --',
    'sessions"; DROP TABLE users; --',
    'sessions`; DROP TABLE users; --',
    "sessions' OR '1'='1",
    'sessions--',
    'sessions/*x*/',
    'a.b.c',
    'public."sessions"',
    'sessions\u0000',
    'sessions\n',
    ' sessions',
    'sess ions',
    '',
    '1sessions',
    'x'.repeat(64),
    'sessionș',
  ];
  const identifier = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
  const valid = (name: string) => {
    const parts = name.split('.');
    return parts.length <= 2 && parts.every((part) => identifier.test(part));
  };
  const names = fc.oneof(
    fc.constantFrom(...injections),
    fc.string({ maxLength: 70 }),
    fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,70}(\.[A-Za-z_][A-Za-z0-9_]{0,70})?$/),
  );

  test('PostgreSQL: table and column names (2,000 cases); no connection is ever opened', () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    fc.assert(
      fc.property(names, fc.constantFrom('tableName', 'column'), (name, where) => {
        const create = () =>
          createPostgresStore(
            pool,
            where === 'tableName' ? { tableName: name } : { columns: { key: name.split('.')[0] as string } },
          );
        const accepted = where === 'tableName' ? valid(name) : identifier.test(name.split('.')[0] as string);
        if (accepted) void create().close();
        else expect(create).toThrow(SessionConfigError);
      }),
      { numRuns: 2_000 },
    );
    expect(pool.totalCount).toBe(0);
  });

  test('MySQL/MariaDB: table and column names (2,000 cases); no connection is ever opened', () => {
    const pool = mysqlCallback.createPool({ uri: 'mysql://nobody@127.0.0.1:1/none' });
    let connections = 0;
    pool.on('connection', () => connections++);
    fc.assert(
      fc.property(names, (name) => {
        const create = () => createMysqlStore(pool, { tableName: name });
        if (valid(name)) void create().close();
        else expect(create).toThrow(SessionConfigError);
      }),
      { numRuns: 2_000 },
    );
    expect(connections).toBe(0);
    pool.end();
  });

  test('Redis: a prefix with braces is refused; glob characters in a prefix stay literal', async () => {
    const client = new Redis('redis://127.0.0.1:1', { lazyConnect: true });
    for (const prefix of ['{', 'a}', 'x{y}:', '']) {
      expect(() => createRedisStore(client, { prefix }), prefix).toThrow(SessionConfigError);
    }
    client.disconnect();
  });

  test.skipIf(!redis.available)(
    suiteTitle('Redis: clear() and count() of a glob-like prefix touch only their own keys', redis),
    async () => {
      if (!redis.available) return;
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      cleanup(async () => client.disconnect());
      const base = uniquePrefix('glob');
      const record = { payload: Uint8Array.from([1]), version: 1, expiresAt: Date.now() + 60_000 };
      const bystanders = ['x:', 'ab:', 'z\\:', ']:'].map((suffix) =>
        createRedisStore(client, { prefix: `${base}${suffix}` }),
      );
      for (const bystander of bystanders) await bystander.set('k', record);
      for (const suffix of ['*', '?', '[a-z]', '\\', '*:']) {
        const globby = createRedisStore(client, { prefix: `${base}${suffix}` });
        await globby.set('own', record);
        expect(await globby.count(), suffix).toBe(1);
        await globby.clear();
        expect(await globby.count(), suffix).toBe(0);
        for (const bystander of bystanders)
          expect(await bystander.get('k'), `${suffix} vs ${bystander.prefix}`).not.toBeNull();
      }
      for (const bystander of bystanders) await bystander.clear();
    },
  );

  test('cookie name, path and domain that would inject attributes are refused', () => {
    for (const cookie of [
      { name: 'sid; Domain=evil.example' },
      { name: 'sid=x' },
      { name: 's id' },
      { name: '' },
      { path: '/; Domain=evil.example' },
      { path: 'relative' },
      { path: '/a b' },
      { domain: 'example.com; Secure=false' },
      { domain: 'exa mple.com' },
    ]) {
      expect(
        () => createSessionManager({ store: createMemoryStore(), secrets: [SECRET], cookie }),
        JSON.stringify(cookie),
      ).toThrow(SessionConfigError);
    }
  });

  test.skipIf(!postgres.available)(
    suiteTitle('PostgreSQL: a namespace full of SQL is a value, not code', postgres),
    async () => {
      if (!postgres.available) return;
      const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
      const tableName = uniquePrefix('ns');
      cleanup(async () => {
        await pool.query(`DROP TABLE IF EXISTS "${tableName}"`);
        await pool.query(`DROP TABLE IF EXISTS "${tableName}_canary"`);
        await pool.end();
      });
      await pool.query(`CREATE TABLE "${tableName}_canary" (v text)`);
      await pool.query(`INSERT INTO "${tableName}_canary" VALUES ('alive')`);
      const record = {
        payload: Uint8Array.from([1]),
        version: 1,
        expiresAt: Date.now() + 60_000,
        ownerId: "o'; --",
      };
      const hostile = createPostgresStore(pool, {
        tableName,
        namespace: `x'; DROP TABLE "${tableName}_canary"; --`,
      });
      await hostile.createSchema();
      const neighbour = createPostgresStore(pool, { tableName, namespace: 'neighbour' });
      await neighbour.set('k', record);
      await hostile.set('k2', record);
      expect(await hostile.count()).toBe(1);
      expect((await hostile.listByOwner("o'; --")).map((e) => e.key)).toEqual(['k2']);
      await hostile.clear();
      expect(await hostile.count()).toBe(0);
      expect(await neighbour.get('k')).not.toBeNull();
      expect((await pool.query(`SELECT v FROM "${tableName}_canary"`)).rows).toEqual([{ v: 'alive' }]);
    },
  );
});

test('a refused construction is a SessionConfigError with a message that says how to fix it', () => {
  const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
  try {
    createPostgresStore(pool, { tableName: 'sessions; DROP TABLE users' });
    expect.unreachable();
  } catch (error) {
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/identifier/);
  }
});
