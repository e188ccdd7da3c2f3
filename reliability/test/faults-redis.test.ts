/**
 * Faults under load through Express: a durable standalone Redis SIGKILLed and restarted, a
 * Sentinel master killed, a Cluster master killed. Every server here is private (free ports,
 * temp directories); the shared Redis servers of the machine are never touched. The Sentinel and
 * Cluster topologies start in the background while the first scenario runs.
 */
import {
  type LocalRedisCluster,
  type LocalRedisSentinel,
  privateRedisUnavailable,
  startLocalRedisCluster,
  startLocalRedisSentinel,
  startPrivateRedis,
} from '@sessionkit/testing';
import { beforeAll, describe, expect, test } from 'vitest';
import { faultViolations, summarizeFault } from '../src/fault-checks';
import { runFaultScenario } from '../src/fault-scenario';
import { clusterFailoverTarget, restartTarget, sentinelFailoverTarget } from '../src/fault-targets';
import { saveResult } from '../src/results';
import { cleanup, SECRET, titled } from './helpers';

const unavailable = privateRedisUnavailable();

/**
 * Starts a topology now and registers its cleanup; the promise is awaited by the test that needs
 * it, so the slow startups (mostly waiting for the nodes to agree) overlap the earlier scenarios.
 */
function starting<T extends { stop(): Promise<void> }>(start: () => Promise<T>): Promise<T> {
  const pending = start();
  pending.catch(() => undefined);
  cleanup(async () => (await pending).stop());
  return pending;
}

describe.skipIf(unavailable !== null)(titled('faults under load: Redis', unavailable), () => {
  let sentinel: Promise<LocalRedisSentinel>;
  let cluster: Promise<LocalRedisCluster>;
  beforeAll(() => {
    sentinel = starting(() => startLocalRedisSentinel({ downAfterMs: 1000, failoverTimeoutMs: 3000 }));
    cluster = starting(() => startLocalRedisCluster({ nodeTimeoutMs: 1000 }));
  });

  test('standalone Redis SIGKILLed mid-run and restarted on its append-only file', async () => {
    const standalone = await startPrivateRedis();
    cleanup(() => standalone.dispose());
    const report = await runFaultScenario(
      restartTarget(standalone, (app) => ({ kind: 'redis', url: standalone.url, prefix: `rel:${app}:` })),
      { secrets: [SECRET] },
    );
    saveResult('faults-redis-standalone', report);
    console.log(summarizeFault(report));
    expect(faultViolations(report)).toEqual([]);
    expect(report.policies.map((p) => p.verifiedUsers)).toEqual([12, 12]);
  }, 120_000);

  test('Sentinel: the master SIGKILLed mid-run, a replica promoted', async () => {
    const report = await runFaultScenario(
      sentinelFailoverTarget(await sentinel, (app) => `rel:${app}:`),
      {
        secrets: [SECRET],
      },
    );
    saveResult('faults-redis-sentinel', report);
    console.log(summarizeFault(report));
    expect(faultViolations(report)).toEqual([]);
    expect(report.policies.map((p) => p.verifiedUsers)).toEqual([12, 12]);
  }, 120_000);

  test('Cluster: one master SIGKILLed mid-run, its replica takes over', async () => {
    const report = await runFaultScenario(
      clusterFailoverTarget(await cluster, (app) => `rel:${app}:`),
      {
        secrets: [SECRET],
      },
    );
    saveResult('faults-redis-cluster', report);
    console.log(summarizeFault(report));
    expect(faultViolations(report)).toEqual([]);
    expect(report.policies.map((p) => p.verifiedUsers)).toEqual([12, 12]);
    // Only the dead master's slots were affected; the other sessions kept being served.
    for (const p of report.policies) expect(p.affectedUsers).toBeLessThan(12);
  }, 120_000);
});
