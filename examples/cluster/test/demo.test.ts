import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import pg from 'pg';
import { describe, expect, onTestFinished, test } from 'vitest';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const fromSource = new URL('../../../scripts/from-source.mjs', import.meta.url).href;

/** Runs the demo as `npm run demo` does: from the TypeScript sources, no build needed. */
async function runDemo(requests: number, env: Record<string, string> = {}) {
  const { stdout } = await run(
    process.execPath,
    ['--import', fromSource, demo, '--requests', String(requests)],
    { timeout: 60_000, env: { ...process.env, ...env } },
  );
  const lines = stdout.split('\n').filter((line) => line.includes('served by'));
  const served = lines.map((line) => /served by (node-\w)/.exec(line)?.[1]);
  const counts = lines.map((line) => Number(/counter = (\d+)/.exec(line)?.[1]));
  return { stdout, served, counts };
}

function expectShared({ stdout, served, counts }: Awaited<ReturnType<typeof runDemo>>, requests: number) {
  expect(new Set(served)).toEqual(new Set(['node-a', 'node-b', 'node-c']));
  // Round-robin: no node serves two requests in a row, so every step crossed processes.
  for (let i = 1; i < served.length; i++) expect(served[i]).not.toBe(served[i - 1]);
  expect(counts).toEqual(Array.from({ length: requests }, (_, i) => i + 1));
  expect(stdout).toContain(`OK: ${requests} requests, 3 nodes, one session, no lost count.`);
}

test('three nodes behind the round-robin proxy share one session through the file store', async () => {
  expectShared(await runDemo(9), 9);
});

const redis = await useBackend('redis');
describe.skipIf(!redis.available)(
  suiteTitle('the same demo switched to Redis by SESSIONKIT_STORE', redis),
  () => {
    test('counter keeps counting across nodes', async () => {
      if (!redis.available) return;
      expectShared(await runDemo(6, { SESSIONKIT_STORE: redis.url }), 6);
    });
  },
);

const postgres = await useBackend('postgres');
describe.skipIf(!postgres.available)(
  suiteTitle('the same demo switched to PostgreSQL by SESSIONKIT_STORE', postgres),
  () => {
    test('counter keeps counting across nodes', async () => {
      if (!postgres.available) return;
      // A table that does not exist yet: the demo creates it (as it does for `?table=sessions`).
      const table = uniquePrefix('cluster_demo');
      const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
      onTestFinished(async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      });
      const url = new URL(postgres.url);
      url.searchParams.set('table', table);
      expectShared(await runDemo(6, { SESSIONKIT_STORE: url.href }), 6);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${table}"`);
      expect(rows[0].n, 'the one session is a row of the table').toBe(1);
    });
  },
);

test('a store that fails makes the demo print the error message, not only its code', async () => {
  // Port 1 on 127.0.0.1: nothing listens there, so the connection is refused at once.
  const failed = await runDemo(3, { SESSIONKIT_STORE: 'postgres://postgres@127.0.0.1:1/test' }).catch(
    (error: { stderr?: string; code?: number }) => error,
  );
  expect((failed as { code?: number }).code).toBe(1);
  expect((failed as { stderr?: string }).stderr).toMatch(
    /demo failed: SESSION_STORE_ERROR: createSchema on postgres 127\.0\.0\.1:1\/test failed: connect ECONNREFUSED/,
  );
});
