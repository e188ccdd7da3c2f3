/**
 * Long fault runs: three faults in a row per backend, with more users and longer phases than the
 * normal suite (5 s warm-up, 3 s down, 8 s of traffic after each recovery). Between faults a
 * killed Redis node is restarted and rejoins as a replica, so every fault has a failover target.
 */
import {
  privateMariadbUnavailable,
  privatePostgresUnavailable,
  privateRedisUnavailable,
  skipTitle,
  startLocalRedisCluster,
  startLocalRedisSentinel,
  startPrivateMariadb,
  startPrivatePostgres,
  startPrivateRedis,
} from '@sessionkit/testing';
import { afterAll, describe, expect, test } from 'vitest';
import { faultViolations, summarizeFault } from '../src/fault-checks';
import { type FaultScenarioOptions, runFaultScenario } from '../src/fault-scenario';
import {
  clusterFailoverTarget,
  type FaultTarget,
  restartTarget,
  sentinelFailoverTarget,
} from '../src/fault-targets';
import { saveResult } from '../src/results';

const SECRET = 'reliability-suite-secret-0123456789abcdef';
const LONG: FaultScenarioOptions = {
  secrets: [SECRET],
  usersPerApp: 24,
  warmupMs: 5_000,
  downMs: 3_000,
  afterMs: 8_000,
  cycles: 3,
};

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

async function check(name: string, target: FaultTarget) {
  const report = await runFaultScenario(target, LONG);
  saveResult(`long-faults-${name}`, report);
  console.log(summarizeFault(report));
  expect(faultViolations(report)).toEqual([]);
  expect(report.outageMs).toHaveLength(3);
}

const noRedis = privateRedisUnavailable();
const noPostgres = privatePostgresUnavailable();
const noMariadb = privateMariadbUnavailable();
const title = skipTitle;

describe('long fault runs: three faults each under load', () => {
  test.skipIf(noRedis !== null)(
    title('standalone Redis: SIGKILL and restart, three times', noRedis),
    async () => {
      const redis = await startPrivateRedis();
      cleanups.push(() => redis.dispose());
      await check(
        'redis-standalone',
        restartTarget(redis, (app) => ({ kind: 'redis', url: redis.url, prefix: `rel:${app}:` })),
      );
    },
  );

  test.skipIf(noRedis !== null)(
    title('Sentinel: three master kills, each followed by a failover', noRedis),
    async () => {
      const topology = await startLocalRedisSentinel({ downAfterMs: 1000, failoverTimeoutMs: 3000 });
      cleanups.push(() => topology.stop());
      await check(
        'redis-sentinel',
        sentinelFailoverTarget(topology, (app) => `rel:${app}:`),
      );
    },
  );

  test.skipIf(noRedis !== null)(
    title('Cluster: three master kills, each followed by a failover', noRedis),
    async () => {
      const topology = await startLocalRedisCluster({ nodeTimeoutMs: 1000 });
      cleanups.push(() => topology.stop());
      await check(
        'redis-cluster',
        clusterFailoverTarget(topology, (app) => `rel:${app}:`),
      );
    },
  );

  test.skipIf(noPostgres !== null)(
    title('PostgreSQL: crash and restart, three times', noPostgres),
    async () => {
      const db = await startPrivatePostgres();
      cleanups.push(() => db.dispose());
      await check(
        'postgres',
        restartTarget(db, (app) => ({ kind: 'postgres', url: db.url, tableName: `rel_${app}` })),
      );
    },
  );

  test.skipIf(noMariadb !== null)(title('MariaDB: SIGKILL and restart, three times', noMariadb), async () => {
    const db = await startPrivateMariadb();
    cleanups.push(() => db.dispose());
    await check(
      'mariadb',
      restartTarget(db, (app) => ({ kind: 'mysql', url: db.url, tableName: `rel_${app}` })),
    );
  });
});
