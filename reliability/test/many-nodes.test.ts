/**
 * Many nodes: three app processes share one store behind a round-robin proxy on 127.0.0.1, one
 * node SIGKILLed half-way. Redis runs the full size here (10,000 requests over 200
 * sessions); the file and PostgreSQL stores run 1,600 requests over 200 sessions to keep the
 * normal suite fast, and the full size in the long suite (long/many-nodes.long.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import type { AppStoreConfig } from '../src/app-config';
import { manyNodesViolations, runManyNodes, summarizeManyNodes } from '../src/many-nodes';
import { saveResult } from '../src/results';
import { cleanup, SECRET } from './helpers';

const redis = await useBackend('redis');
const postgres = await useBackend('postgres');

async function check(name: string, store: AppStoreConfig, requests: number) {
  const report = await runManyNodes({ store, secrets: [SECRET], requests, sessions: 200 });
  saveResult(`many-nodes-${name}`, report);
  console.log(summarizeManyNodes(report));
  expect(manyNodesViolations(report)).toEqual([]);
  expect(report.requests).toBe(requests);
}

describe('many nodes: 3 processes, one store, a round-robin proxy, 200 sessions, one node killed', () => {
  test.skipIf(!redis.available)(
    suiteTitle('redis store: 10,000 requests', redis),
    async () => {
      if (!redis.available) return;
      await check(
        'redis',
        { kind: 'redis', url: redis.url, prefix: `${uniquePrefix('rel_nodes')}:` },
        10_000,
      );
    },
    240_000,
  );

  test('file store (one shared directory): 1,600 requests', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sk-rel-files-'));
    cleanup(async () => rmSync(directory, { recursive: true, force: true }));
    // A node killed while holding a session lock leaves it behind: 1 s lets the others break it soon.
    await check('file', { kind: 'file', directory, lockStaleAfter: 1_000 }, 1_600);
  }, 240_000);

  test.skipIf(!postgres.available)(
    suiteTitle('postgres store: 1,600 requests', postgres),
    async () => {
      if (!postgres.available) return;
      const tableName = uniquePrefix('rel_nodes');
      cleanup(async () => {
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        await client.query(`DROP TABLE IF EXISTS "${tableName}"`);
        await client.end();
      });
      await check('postgres', { kind: 'postgres', url: postgres.url, tableName }, 1_600);
    },
    240_000,
  );
});
