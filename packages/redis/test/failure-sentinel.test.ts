/**
 * A Sentinel failover under traffic, on a throwaway Sentinel group on private ports (never the
 * shared topology): the store follows the promoted replica without being recreated.
 */
import { isSessionError } from '@sessionkit/core';
import {
  type LocalRedisSentinel,
  localRedisUnavailable,
  skipTitle,
  startLocalRedisSentinel,
  uniquePrefix,
  waitFor,
} from '@sessionkit/testing';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { connect, FAIL_FAST, record, timed } from './helpers';

const unavailable = localRedisUnavailable();
const title = (name: string) => skipTitle(name, unavailable);

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

describe.skipIf(unavailable !== null)(title('redis store during a Sentinel failover'), () => {
  it('follows the new master after the old one is killed under traffic', async () => {
    const topology: LocalRedisSentinel = await startLocalRedisSentinel();
    cleanup.push(() => topology.stop());
    const client = (await connect('redis-sentinel', topology.url)) as Redis;
    client.on('error', () => undefined);
    cleanup.push(async () => client.disconnect());
    const store = createRedisStore(client, { prefix: `${uniquePrefix('sentinel')}:` });

    // Traffic: one write and one read after another until told to stop, recording outcomes.
    let running = true;
    let sequence = 0;
    const outcomes: Array<{ at: number; key: string; error: unknown }> = [];
    const traffic = (async () => {
      while (running) {
        const key = `t${sequence++}`;
        const outcome = await timed(async () => {
          await store.set(key, record());
          if ((await store.get(key)) === null) throw new Error(`${key} not readable after its write`);
        });
        outcomes.push({ at: Date.now(), key, error: outcome.error });
        await new Promise((r) => setTimeout(r, 10));
      }
    })();

    try {
      await waitFor('traffic to flow', () => outcomes.filter((o) => o.error === null).length >= 5);
      const killedAt = Date.now();
      await topology.kill(topology.masterPort);

      const sentinel = new Redis(topology.sentinelPorts[0] as number, '127.0.0.1', FAIL_FAST);
      cleanup.push(async () => sentinel.disconnect());
      let newMaster = topology.masterPort;
      await waitFor(
        'the sentinels to promote a replica',
        async () => {
          const address = (await sentinel.call(
            'SENTINEL',
            'get-master-addr-by-name',
            topology.name,
          )) as string[];
          newMaster = Number(address[1]);
          return newMaster !== topology.masterPort;
        },
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(topology.replicaPorts).toContain(newMaster);
      await waitFor(
        'writes through the store to succeed after the failover',
        () => outcomes.some((o) => o.at > killedAt && o.error === null && o.at > Date.now() - 500),
        { timeoutMs: 30_000, intervalMs: 100 },
      );

      // The record written last really lives on the promoted replica.
      const direct = new Redis(newMaster, '127.0.0.1', FAIL_FAST);
      cleanup.push(async () => direct.disconnect());
      const last = [...outcomes].reverse().find((o) => o.error === null);
      expect(last).toBeDefined();
      expect(await direct.exists(`${store.prefix}{${last?.key}}`)).toBe(1);
      expect((await direct.call('ROLE')) as unknown[]).toContain('master');
    } finally {
      running = false;
      await traffic;
    }
    // Calls that failed during the switch failed the documented way, never with a foreign error.
    for (const outcome of outcomes) {
      if (outcome.error !== null) expect(isSessionError(outcome.error), String(outcome.error)).toBe(true);
    }
  }, 90_000);
});
