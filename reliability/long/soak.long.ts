/**
 * Soak: a bounded run per store (memory, file, Redis) with the heap measured after GC at the
 * start and at the end; growth must stay under 10%. SK_SOAK_MS overrides the 10 minutes (for a
 * quick try of the harness; the figures in RELIABILITY.md come from the full length).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import Redis from 'ioredis';
import { describe, expect, test } from 'vitest';
import type { AppStoreConfig } from '../src/app-config';
import { saveResult } from '../src/results';
import { runSoak, summarizeSoak } from '../src/soak';

const SECRET = 'reliability-suite-secret-0123456789abcdef';
const DURATION_MS = Number(process.env.SK_SOAK_MS ?? 600_000);
const redis = await useBackend('redis');

async function soak(name: string, store: AppStoreConfig) {
  const report = await runSoak({ store, secrets: [SECRET], durationMs: DURATION_MS });
  saveResult(`soak-${name}`, report);
  console.log(summarizeSoak(report));
  expect(report.exit).toBeNull();
  expect(report.outcomes.acked + report.outcomes.read).toBe(report.requests);
  expect(report.lostWrites).toBe(0);
  expect(report.phantomWrites).toBe(0);
  expect(report.heapGrowth).toBeLessThan(0.1);
}

describe(`soak: ${Math.round(DURATION_MS / 1000)} s per store, heap growth under 10%`, () => {
  test('memory store', async () => {
    await soak('memory', { kind: 'memory' });
  });

  test('file store', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'sk-rel-soak-'));
    try {
      await soak('file', { kind: 'file', directory });
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  test.skipIf(!redis.available)(suiteTitle('redis store', redis), async () => {
    if (!redis.available) return;
    const prefix = `${uniquePrefix('soak')}:`;
    try {
      await soak('redis', { kind: 'redis', url: redis.url, prefix });
    } finally {
      const client = new Redis(redis.url);
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await client.del(...keys);
      } while (cursor !== '0');
      client.disconnect();
    }
  });
});
