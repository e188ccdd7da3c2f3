/**
 * Hostile keys and owner ids straight into each real store: stored and read back exactly or
 * refused without a trace, no aliasing of near variants, nothing outside the store touched.
 * A quick dose per store here; 5,000 cases per store in the long suite.
 */
import { privateRedisUnavailable, startPrivateRedis, suiteTitle, useBackend } from '@sessionkit/testing';
import { describe, expect, test } from 'vitest';
import {
  hostileKeysConfined,
  loneSurrogateViolations,
  type StoreSubject,
} from '../src/properties-store-keys';
import { fileSubject, mysqlSubject, postgresSubject, redisSubject } from '../src/store-subjects';
import { cleanup, titled } from './helpers';

const RUNS = 200;
const postgres = await useBackend('postgres');
const mysql = await useBackend('mysql');
const noRedis = privateRedisUnavailable();

async function check(subject: StoreSubject) {
  cleanup(() => subject.close());
  // Deterministic first, so a failure names the exact problem rather than a shrunk example.
  expect(await loneSurrogateViolations(subject)).toEqual([]);
  const counts = await hostileKeysConfined(RUNS, subject);
  console.log(`${subject.name}: ${counts.stored} hostile keys stored exactly, ${counts.refused} refused`);
  expect(counts.stored + counts.refused).toBeGreaterThan(RUNS * 0.9);
}

describe(`hostile keys straight into the stores (${RUNS} cases each; 5,000 in the long suite)`, () => {
  test('file store', async () => {
    await check(fileSubject());
  }, 120_000);

  test.skipIf(noRedis !== null)(
    titled('redis store (private server)', noRedis),
    async () => {
      const server = await startPrivateRedis();
      cleanup(() => server.dispose());
      await check(await redisSubject(server.url));
    },
    120_000,
  );

  test.skipIf(!postgres.available)(
    suiteTitle('postgres store', postgres),
    async () => {
      if (postgres.available) await check(await postgresSubject(postgres.url));
    },
    120_000,
  );

  test.skipIf(!mysql.available)(
    suiteTitle('mysql store', mysql),
    async () => {
      if (mysql.available) await check(await mysqlSubject(mysql.url));
    },
    120_000,
  );
});
