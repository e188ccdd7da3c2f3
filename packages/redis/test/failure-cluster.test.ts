/**
 * A Cluster master killed, on a throwaway 6-node Cluster on private ports (never the shared
 * topology): other slots keep serving, then the promoted replica serves the dead master's slots.
 */
import {
  type LocalRedisCluster,
  localRedisUnavailable,
  skipTitle,
  startLocalRedisCluster,
  uniquePrefix,
  waitFor,
} from '@sessionkit/testing';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore } from '../src/index';
import { connect, record, timed } from './helpers';

const unavailable = localRedisUnavailable();
const title = (name: string) => skipTitle(name, unavailable);

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

describe.skipIf(unavailable !== null)(title('redis store when a Cluster master is killed'), () => {
  it('keeps serving the other slots, then the promoted replica serves the dead master slots', async () => {
    const topology: LocalRedisCluster = await startLocalRedisCluster({ nodeTimeoutMs: 1000 });
    cleanup.push(() => topology.stop());
    const client = (await connect('redis-cluster', topology.url)) as Cluster;
    client.on('error', () => undefined);
    cleanup.push(async () => client.disconnect());
    const store = createRedisStore(client, { prefix: `${uniquePrefix('cluster')}:` });

    const keys = Array.from({ length: 60 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((key) => store.set(key, record({ ownerId: 'alice' }))));

    // Pick a victim master and split the keys by where they live.
    const victimNode = client.nodes('master')[0] as Redis;
    const victimPort = victimNode.options.port as number;
    // A node answers MOVED for a key of another node's slots.
    const servedByVictim = async (key: string) =>
      victimNode.exists(`${store.prefix}{${key}}`).then(
        () => true,
        (error: Error) => {
          if (error.message.startsWith('MOVED')) return false;
          throw error;
        },
      );
    const onVictim = new Set<string>();
    for (const key of keys) if (await servedByVictim(key)) onVictim.add(key);
    const elsewhere = keys.filter((key) => !onVictim.has(key));
    expect(onVictim.size, 'some keys on the victim').toBeGreaterThan(0);
    expect(elsewhere.length, 'some keys elsewhere').toBeGreaterThan(0);
    // A key never written, in a slot the victim does not serve: a write to it must succeed while
    // the failover is still going on. A fixed name could fail the test whenever its slot was the
    // victim's, which depends on which master ioredis lists first.
    let fresh = 'fresh-0';
    for (let i = 1; await servedByVictim(fresh); i++) fresh = `fresh-${i}`;
    // Make sure the victim's replica has every write before the victim dies.
    expect(Number(await victimNode.call('WAIT', 1, 5_000))).toBeGreaterThanOrEqual(1);

    await topology.kill(victimPort);

    // Other slots keep working throughout the failover, each call within a bounded time.
    const failoverDeadline = Date.now() + 3_000;
    while (Date.now() < failoverDeadline) {
      for (const key of elsewhere.slice(0, 5)) {
        const outcome = await timed(() => store.get(key));
        expect(outcome.error, `get(${key}) on a live master`).toBeNull();
        expect(outcome.value).not.toBeNull();
        expect(outcome.ms).toBeLessThan(2_500);
      }
    }
    const created = await timed(() => store.set(fresh, record()));
    expect(created.error, `set(${fresh}) on a live master`).toBeNull();

    // The promoted replica serves the dead master's slots, with the data it replicated.
    const sample = [...onVictim][0] as string;
    await waitFor(
      'the dead master slots to be served again',
      async () => {
        const outcome = await timed(() => store.get(sample));
        return outcome.error === null && outcome.value !== null;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    for (const key of onVictim) expect((await store.get(key))?.ownerId, key).toBe('alice');
    await store.set(sample, record({ version: 2, ownerId: 'alice' }), { expectedVersion: 1 });
    expect((await store.listByOwner('alice')).length).toBe(keys.length);
    expect(await store.count()).toBe(keys.length + 1);
  }, 90_000);
});
