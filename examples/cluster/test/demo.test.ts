import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { schemaSql } from '@sessionkit/postgres';
import { suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import pg from 'pg';
import { describe, expect, onTestFinished, test } from 'vitest';

const run = promisify(execFile);
const demo = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const built = ['core', 'file', 'redis', 'postgres', 'sql'].every((name) =>
  existsSync(fileURLToPath(new URL(`../../../packages/${name}/dist/index.js`, import.meta.url))),
);

/** Runs the demo as a user would (the published builds; `npm test` builds them first). */
async function runDemo(requests: number, env: Record<string, string> = {}) {
  expect(built, 'packages are not built: run `npm test` (it builds) or `pnpm build` first').toBe(true);
  const { stdout } = await run(process.execPath, [demo, '--requests', String(requests)], {
    timeout: 60_000,
    env: { ...process.env, ...env },
  });
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
      // The URL opener does not create tables (a migration's job): make a throwaway one.
      const table = uniquePrefix('cluster_demo');
      const pool = new pg.Pool({ connectionString: postgres.url, max: 1 });
      onTestFinished(async () => {
        await pool.query(`DROP TABLE IF EXISTS "${table}"`);
        await pool.end();
      });
      await pool.query(schemaSql({ tableName: table }));
      const url = new URL(postgres.url);
      url.searchParams.set('table', table);
      expectShared(await runDemo(6, { SESSIONKIT_STORE: url.href }), 6);
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${table}"`);
      expect(rows[0].n, 'the one session is a row of the table').toBe(1);
    });
  },
);
