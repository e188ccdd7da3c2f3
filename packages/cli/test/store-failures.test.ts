import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Provisioned, suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/index';

const SECRET = 'SeCret-issue14';

/** Runs the CLI in-process with collected output. */
async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr, all: stdout + stderr };
}

/** A port on 127.0.0.1 that nothing listens on: bound by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('issue 14.5: nothing the CLI prints contains the password', () => {
  test.each([
    `postgres//user:${SECRET}@127.0.0.1/test`,
    `postgres:/user:${SECRET}@127.0.0.1/test`,
    `redis://:${SECRET}@x@127.0.0.1:6379`,
    `redis://:x/${SECRET}@127.0.0.1:6379`,
    `redis://:${encodeURIComponent(`${SECRET}@/?`)}@127.0.0.1:99999`,
    `postgres://u@127.0.0.1/test?password=${SECRET}`,
    `mysql://u:${SECRET}@127.0.0.1:3306/test?tabel=x`,
  ])('count -s %s', async (url) => {
    const result = await run('count', '-s', url);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^sessionkit: Cannot use the session store URL/);
    expect(result.all).not.toContain(SECRET);
    expect(result.all).not.toContain(encodeURIComponent(SECRET));
  });
});

describe('issue 14.6: unknown URL parameters are usage errors', () => {
  test.each([
    ['redis://127.0.0.1:6379?prefx=zz', /the parameter "prefx" is not known; redis URLs accept prefix, tls/],
    [
      'postgres://127.0.0.1/test?tabel=x',
      /the parameter "tabel" is not known; postgres URLs accept table, ssl/,
    ],
    ['file:///tmp?dept=2', /the parameter "dept" is not known; file URLs accept depth/],
    ['mongodb://127.0.0.1/app?tabel=x', /option tabel is not supported\. mongodb URLs accept collection/],
  ])('revoke -s %s', async (url, message) => {
    const result = await run('revoke', '--owner', 'alice', '-s', url);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});

describe('issue 14.7: read-only commands create nothing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sessionkit-cli-missing-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  test.each([['count'], ['inspect', 'AAAAAAAAAAAAAAAAAAAAAA'], ['prune'], ['revoke', '-o', 'a']])(
    '%s on a missing directory fails, says how to create it, and creates nothing',
    async (...args) => {
      const missing = join(dir, 'no', 'such');
      const result = await run(...args, '--store', `file://${missing}`);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(`The session directory ${missing} does not exist; nothing was created`);
      expect(result.stderr).toContain(`mkdir -p '${missing}'`);
      expect(existsSync(join(dir, 'no'))).toBe(false);
    },
  );

  test('file://relative/x is refused with the absolute form to use', async () => {
    const result = await run('count', '--store', 'file://relative/x');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"relative" is read as a host name');
    expect(result.stderr).toContain('file:///absolute/path/to/sessions');
    expect(existsSync('relative')).toBe(false);
  });
});

describe('issue 14.8: failures name the host and the cause', () => {
  test('an unreachable Redis: host, port and ECONNREFUSED, not the retry limit', async () => {
    const port = await closedPort();
    const result = await run('count', '--store', `redis://:${SECRET}@127.0.0.1:${port}/0`);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `count on redis standalone 127.0.0.1:${port} db 0 failed: cannot reach Redis`,
    );
    expect(result.stderr).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('max retries');
    expect(result.all).not.toContain(SECRET);
  });

  test('an unreachable PostgreSQL and MySQL: host, port and ECONNREFUSED', async () => {
    for (const scheme of ['postgres', 'mysql']) {
      const port = await closedPort();
      const result = await run('count', '--store', `${scheme}://u:${SECRET}@127.0.0.1:${port}/test`);
      expect(result.code, scheme).toBe(1);
      expect(result.stderr, scheme).toContain(`count on ${scheme} 127.0.0.1:${port}/test failed:`);
      expect(result.stderr, scheme).toContain(`ECONNREFUSED 127.0.0.1:${port}`);
      expect(result.all, scheme).not.toContain(SECRET);
    }
  });
});

/** A missing table: which one, and the exact command that creates it (for the server in use). */
function missingTableTests(
  backend: Provisioned,
  dialect: 'postgres' | 'mysql',
  client: (host: string, port: string, database: string) => string,
) {
  describe.skipIf(!backend.available)(
    suiteTitle(`issue 14.7/14.8: missing ${dialect} table`, backend),
    () => {
      test('count and inspect fail with the table and the schema command', async () => {
        const table = uniquePrefix('missing');
        const url = backend.available ? `${backend.url}?table=${table}` : '';
        const { hostname, port, pathname } = new URL(url);
        const database = decodeURIComponent(pathname.slice(1));
        for (const args of [['count'], ['inspect', '--key', 'k']]) {
          const result = await run(...args, '--store', url);
          expect(result.code, args[0]).toBe(1);
          expect(result.stderr).toContain(
            `the table ${table} does not exist in database ${database} (nothing was created)`,
          );
          expect(result.stderr).toContain(`sessionkit schema ${dialect} --table ${table} | `);
          expect(result.stderr).toContain(client(hostname, port, database));
        }
      });
    },
  );
}

missingTableTests(
  await useBackend('postgres'),
  'postgres',
  (host, port) => `| psql -h ${host} -p ${port || 5432} `,
);
missingTableTests(
  await useBackend('mysql'),
  'mysql',
  (host, port) => `| mysql -h ${host} -P ${port || 3306} `,
);
