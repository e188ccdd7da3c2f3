/**
 * An outage and its recovery, against a redis-server this file starts on a private port (never
 * the shared 6379): bounded rejections while it is down, the same store working once it is back.
 */
import { isSessionError } from '@sessionkit/core';
import {
  type LocalRedisServer,
  localRedisUnavailable,
  skipTitle,
  startLocalRedisServer,
  uniquePrefix,
  waitFor,
} from '@sessionkit/testing';
import Redis from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisStore, type RedisStore } from '../src/index';
import { FAIL_FAST, ready, record, timed } from './helpers';

const unavailable = localRedisUnavailable();
const title = (name: string) => skipTitle(name, unavailable);

const cleanup: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

describe.skipIf(unavailable !== null)(title('redis store when the server goes away'), () => {
  let server: LocalRedisServer;
  let client: Redis;
  let store: RedisStore;

  it('rejects every call with SessionStoreError within a bounded time while Redis is down', async () => {
    server = await startLocalRedisServer();
    cleanup.push(() => server.stop());
    client = new Redis(server.port, '127.0.0.1', FAIL_FAST);
    // An outage makes ioredis emit 'error' events; the app is expected to listen to them.
    client.on('error', () => undefined);
    cleanup.push(async () => client.disconnect());
    await ready(client);
    store = createRedisStore(client, { prefix: `${uniquePrefix('outage')}:` });
    await store.set('before', record({ ownerId: 'alice' }));

    await server.stop();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['get', () => store.get('before')],
      ['set', () => store.set('during', record())],
      ['touch', () => store.touch('before', Date.now() + 60_000)],
      ['destroy', () => store.destroy('before')],
      ['listByOwner', () => store.listByOwner('alice')],
      ['destroyByOwner', () => store.destroyByOwner('alice')],
      ['count', () => store.count()],
      ['clear', () => store.clear()],
    ];
    for (const [name, call] of calls) {
      const outcome = await timed(call);
      expect(isSessionError(outcome.error), `${name}: ${String(outcome.error)}`).toBe(true);
      expect((outcome.error as Error).name, name).toBe('SessionStoreError');
      expect((outcome.error as Error).cause, `${name}: driver error kept as cause`).toBeInstanceOf(Error);
      // commandTimeout 2 s is the bound; leave room for a slow CI machine, but not a hang.
      expect(outcome.ms, `${name} settled in ${outcome.ms} ms`).toBeLessThan(5_000);
    }
  });

  it('works again once Redis is back, with the same store and client', async () => {
    await server.start();
    // No persistence on the test server: the old record is gone, but the store must serve.
    await waitFor(
      'the store to answer again',
      async () => (await timed(() => store.get('before'))).error === null,
      {
        timeoutMs: 15_000,
        intervalMs: 100,
      },
    );
    await store.set('after', record({ ownerId: 'bob' }));
    expect((await store.get('after'))?.ownerId).toBe('bob');
    expect((await store.listByOwner('bob')).map((s) => s.key)).toEqual(['after']);
  });

  it('falls back to EVAL when the server lost its script cache (restart, SCRIPT FLUSH)', async () => {
    await store.set('scripted', record({ ownerId: 'carol' }));
    await client.script('FLUSH');
    expect(await client.script('EXISTS', '0'.repeat(40))).toEqual([0]);
    await store.set('scripted', record({ version: 2, ownerId: 'carol' }), { expectedVersion: 1 });
    await client.script('FLUSH');
    expect(await store.touch('scripted', Date.now() + 120_000)).toBe(true);
    await client.script('FLUSH');
    expect(await store.destroyByOwner('carol')).toBe(1);
    await client.script('FLUSH');
    expect(await store.destroy('after')).toBe(true);
  });
});
