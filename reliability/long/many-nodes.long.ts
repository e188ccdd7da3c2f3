/**
 * Many nodes at full size for every shared store: three app processes behind the round-robin
 * proxy, 10,000 requests over 200 sessions, one node SIGKILLed half-way. (The normal suite runs
 * the full size on Redis and 3,000 requests on the slower stores.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import type { AppStoreConfig } from '../src/app-config';
import { manyNodesViolations, runManyNodes, summarizeManyNodes } from '../src/many-nodes';
import { saveResult } from '../src/results';

const SECRET = 'reliability-suite-secret-0123456789abcdef';
const redis = await useBackend('redis');
const postgres = await useBackend('postgres');
const mysqlDb = await useBackend('mysql');

async function check(name: string, store: AppStoreConfig) {
  const report = await runManyNodes({ store, secrets: [SECRET], requests: 10_000, sessions: 200 });
  saveResult(`long-many-nodes-${name}`, report);
  console.log(summarizeManyNodes(report));
  expect(manyNodesViolations(report)).toEqual([]);
  expect(report.requests).toBe(10_000);
}

describe('many nodes, full size: 3 processes, 10,000 requests over 200 sessions, one node killed', () => {
  test('file store', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sk-rel-files-'));
    try {
      await check('file', { kind: 'file', directory, lockStaleAfter: 1_000 });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test.skipIf(!redis.available)(suiteTitle('redis store', redis), async () => {
    if (redis.available)
      await check('redis', { kind: 'redis', url: redis.url, prefix: `${uniquePrefix('rel_nodes')}:` });
  });

  test.skipIf(!postgres.available)(suiteTitle('postgres store', postgres), async () => {
    if (!postgres.available) return;
    const tableName = uniquePrefix('rel_nodes');
    try {
      await check('postgres', { kind: 'postgres', url: postgres.url, tableName });
    } finally {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      await client.query(`DROP TABLE IF EXISTS "${tableName}"`);
      await client.end();
    }
  });

  test.skipIf(!mysqlDb.available)(suiteTitle('mysql store (MariaDB)', mysqlDb), async () => {
    if (!mysqlDb.available) return;
    const tableName = uniquePrefix('rel_nodes');
    try {
      await check('mysql', { kind: 'mysql', url: mysqlDb.url, tableName });
    } finally {
      const connection = await mysql.createConnection(mysqlDb.url);
      await connection.query(`DROP TABLE IF EXISTS \`${tableName}\``);
      await connection.end();
    }
  });
});
