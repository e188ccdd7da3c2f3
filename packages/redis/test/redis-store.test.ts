import { isSessionError, type StoredRecord } from '@sessionkit/core';
import { suiteTitle, uniquePrefix } from '@sessionkit/testing';
import Redis, { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisStore, DEFAULT_PREFIX, type RedisClientLike } from '../src/index';
import { type Client, dropPrefix, masters, scanPrefix, useRedis } from './helpers';

const standalone = await useRedis('redis');
const cluster = await useRedis('redis-cluster');

function record(overrides: Partial<StoredRecord> = {}): StoredRecord {
  return {
    payload: new TextEncoder().encode(`payload ${Math.random()}`),
    version: 1,
    expiresAt: Date.now() + 60_000,
    ownerId: null,
    ...overrides,
  };
}

/** A store on a fresh prefix of the file's client, cleaned up by the caller's `finally`. */
async function fresh(fixture: typeof standalone, scanCount?: number) {
  const client = await fixture.client();
  const prefix = `${uniquePrefix('redis')}:`;
  const store = createRedisStore(client, { prefix, ...(scanCount ? { scanCount } : {}) });
  return { client, prefix, store, cleanup: () => dropPrefix(client, prefix) };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert(false, 'expected a rejection'),
    (error: unknown) => error,
  );
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const pexpiretime = async (client: Client, key: string) => Number(await client.call('PEXPIRETIME', key));

/** The client, recording the name of every command method called on it: what reaches the wire. */
function counting(client: Client, sent: string[]): Client {
  return new Proxy(client, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        if (/^(eval|evalsha|hmget|zadd|zrem|zscore|zremrangebyscore|zrange|del|unlink)/i.test(name))
          sent.push(name);
        return value.apply(target, args);
      };
    },
  });
}

describe('createRedisStore options', () => {
  // A real ioredis client that never connects: validation happens before any command.
  const idle = new Redis({ lazyConnect: true });

  it.each([
    ['an empty prefix', { prefix: '' }, /non-empty string/],
    ['a prefix with a brace', { prefix: 'app{x}:' }, /must not contain "\{" or "\}"/],
    ['an overlong prefix', { prefix: 'p'.repeat(257) }, /at most 256/],
    ['scanCount 0', { scanCount: 0 }, /scanCount.*1 to 1000000/],
    ['a fractional scanCount', { scanCount: 2.5 }, /scanCount/],
  ])('rejects %s with a SessionConfigError that says how to fix it', (_label, options, message) => {
    let caught: unknown;
    try {
      createRedisStore(idle, options);
    } catch (error) {
      caught = error;
    }
    expect(isSessionError(caught, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('refuses an ioredis keyPrefix, which SCAN patterns would not see, and names the fix', () => {
    const prefixed = new Redis({ lazyConnect: true, keyPrefix: 'app:' });
    expect(() => createRedisStore(prefixed)).toThrow(/pass \{ prefix: 'app:' \} to createRedisStore/);
    const prefixedCluster = new Cluster([{ host: '127.0.0.1', port: 1 }], {
      lazyConnect: true,
      redisOptions: { keyPrefix: 'c:' },
    });
    expect(() => createRedisStore(prefixedCluster)).toThrow(/keyPrefix "c:"/);
  });

  it('refuses something that is not a Redis client', () => {
    expect(() => createRedisStore({} as RedisClientLike)).toThrow(/pass an ioredis client/);
    expect(() => createRedisStore(null as unknown as RedisClientLike)).toThrow(/pass an ioredis client/);
  });

  it('defaults the prefix and declares every capability but prune', () => {
    const store = createRedisStore(idle);
    expect(store.prefix).toBe(DEFAULT_PREFIX);
    expect(DEFAULT_PREFIX).toBe('sess:');
    expect(store.capabilities).toEqual({
      destroyByOwner: true,
      listByOwner: true,
      count: true,
      clear: true,
      prune: false,
      nativeExpiry: true,
      replaceOnInsert: true,
      verify: true,
      ownerDetails: true,
      tally: true,
      assignsVersions: false,
    });
  });

  it('on a Cluster, declares no replacing insert and refuses one before sending anything', async () => {
    const idleCluster = new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true });
    const store = createRedisStore(idleCluster);
    expect(store.capabilities.replaceOnInsert).toBe(false);
    const error = await rejection(store.set('new', record(), { replaces: 'old' }));
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    expect((error as Error).message).toContain('capabilities.replaceOnInsert is false');
    expect(idleCluster.status).toBe('wait');
  });

  it('rejects invalid records with a SessionStoreError before sending anything', async () => {
    const store = createRedisStore(idle);
    for (const bad of [
      record({ expiresAt: 1.5 }),
      record({ expiresAt: Number.NaN }),
      record({ version: Number.NaN }),
    ]) {
      const error = await rejection(store.set('k', bad));
      expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    }
    expect(
      isSessionError(await rejection(store.touch('k', Number.POSITIVE_INFINITY)), 'SESSION_STORE_ERROR'),
    ).toBe(true);
    expect(idle.status).toBe('wait');
  });
});

describe.skipIf(!standalone.provisioned.available)(
  suiteTitle('redis store on a server', standalone.provisioned),
  () => {
    it('lays out one hash per session and one sorted set per owner, both with absolute expiry', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        const written = record({ ownerId: 'alice', version: 3, expiresAt: Date.now() + 60_321 });
        await store.set('k1', written);
        expect((await scanPrefix(client, prefix)).sort()).toEqual([
          `${prefix}owner:{alice}`,
          `${prefix}{k1}`,
        ]);
        const hash = await client.hgetallBuffer(`${prefix}{k1}`);
        expect(Object.keys(hash).sort()).toEqual(['e', 'o', 'p', 'v']);
        expect(hash.e?.toString()).toBe(String(written.expiresAt));
        expect(await pexpiretime(client, `${prefix}{k1}`)).toBe(written.expiresAt);
        expect(Number(await client.zscore(`${prefix}owner:{alice}`, 'k1'))).toBe(written.expiresAt);
        expect(await pexpiretime(client, `${prefix}owner:{alice}`)).toBe(written.expiresAt);

        // touch moves both expiries; the index key follows its highest score.
        const later = Date.now() + 600_000;
        expect(await store.touch('k1', later)).toBe(true);
        expect(await pexpiretime(client, `${prefix}{k1}`)).toBe(later);
        expect(await pexpiretime(client, `${prefix}owner:{alice}`)).toBe(later);

        // A session without owner has no `o` field and no index.
        await store.set('k2', record());
        expect(Object.keys(await client.hgetallBuffer(`${prefix}{k2}`)).sort()).toEqual(['e', 'p', 'v']);
      } finally {
        await cleanup();
      }
    });

    it('writes an owned session and its index entry in one command; a conflict leaves the index alone', async () => {
      const { client, prefix, cleanup } = await fresh(standalone);
      try {
        const sent: string[] = [];
        const store = createRedisStore(counting(client, sent), { prefix });
        const expiresAt = Date.now() + 60_000;
        await store.set('k', record({ ownerId: 'bob', expiresAt }));
        await store.set('k', record({ ownerId: 'bob', version: 2, expiresAt: expiresAt + 5 }), {
          expectedVersion: 1,
        });
        expect(sent).toEqual(['evalsha', 'evalsha']);
        expect(Number(await client.zscore(`${prefix}owner:{bob}`, 'k'))).toBe(expiresAt + 5);

        await expect(
          store.set('k', record({ ownerId: 'carol', version: 9 }), { expectedVersion: 8 }),
        ).rejects.toMatchObject({ code: 'SESSION_CONFLICT' });
        expect(await client.exists(`${prefix}owner:{carol}`)).toBe(0);
      } finally {
        await cleanup();
      }
    });

    it('a login replaces the old session in one command, its index entry included when the owner stays', async () => {
      const { client, prefix, cleanup } = await fresh(standalone);
      try {
        const sent: string[] = [];
        const store = createRedisStore(counting(client, sent), { prefix });
        const ownerKey = (owner: string) => `${prefix}owner:{${owner}}`;
        // Anonymous → signed in, then a re-login of the same user: one script each.
        await store.set('anon', record());
        await store.set('first', record({ ownerId: 'alice' }));
        // Loads the script into the server (EVALSHA answers NOSCRIPT the first time, then EVAL).
        await store.set('warm', record({ ownerId: 'alice' }), { replaces: 'none' });
        await store.destroy('warm');
        sent.length = 0;
        await store.set('login', record({ ownerId: 'alice' }), { replaces: 'anon' });
        await store.set('again', record({ ownerId: 'alice' }), { replaces: 'first' });
        expect(sent).toEqual(['evalsha', 'evalsha']);
        expect((await client.zrange(ownerKey('alice'), 0, -1)).sort()).toEqual(['again', 'login']);
        expect((await scanPrefix(client, prefix)).sort()).toEqual([
          `${prefix}owner:{alice}`,
          `${prefix}{again}`,
          `${prefix}{login}`,
        ]);

        // Another user's session: the old owner's index is not the script's to touch, so its
        // entry is removed by one more command.
        sent.length = 0;
        await store.set('bob', record({ ownerId: 'bob' }), { replaces: 'login' });
        expect(sent).toEqual(['evalsha', 'zrem']);
        expect(await client.zrange(ownerKey('alice'), 0, -1)).toEqual(['again']);

        // A conflict deletes nothing and indexes nothing.
        await expect(
          store.set('bob', record({ ownerId: 'carol' }), { replaces: 'again' }),
        ).rejects.toMatchObject({ code: 'SESSION_CONFLICT' });
        expect(await client.exists(`${prefix}{again}`, ownerKey('carol'))).toBe(1);
        expect(await client.zrange(ownerKey('alice'), 0, -1)).toEqual(['again']);
      } finally {
        await cleanup();
      }
    });

    it('returns payloads as plain Uint8Array copies', async () => {
      const { store, cleanup } = await fresh(standalone);
      try {
        await store.set('k', record());
        const read = await store.get('k');
        expect(Object.getPrototypeOf(read?.payload)).toBe(Uint8Array.prototype);
      } finally {
        await cleanup();
      }
    });

    it('keeps index scores at or above the session expiry, even when a write conflicts', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        const far = Date.now() + 300_000;
        await store.set('k', record({ ownerId: 'alice', expiresAt: far }));
        // A stale writer asks for a shorter expiry and loses: the score must not drop below `far`.
        await expect(
          store.set('k', record({ ownerId: 'alice', version: 9, expiresAt: Date.now() + 1_000 }), {
            expectedVersion: 8,
          }),
        ).rejects.toMatchObject({
          code: 'SESSION_CONFLICT',
        });
        expect(Number(await client.zscore(`${prefix}owner:{alice}`, 'k'))).toBe(far);
        // Shortening through touch keeps the higher score too (upper bound, never lowered).
        expect(await store.touch('k', Date.now() + 10_000)).toBe(true);
        expect(Number(await client.zscore(`${prefix}owner:{alice}`, 'k'))).toBe(far);
        expect((await store.listByOwner('alice')).map((s) => s.key)).toEqual(['k']);
      } finally {
        await cleanup();
      }
    });

    it('skips stale index entries of a session that moved to another owner, without touching it', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        await store.set('k', record({ ownerId: 'alice' }));
        await store.set('k', record({ ownerId: 'bob', version: 2 }), { expectedVersion: 1 });
        // alice's index still names k (removing it could race a move back); readers verify.
        expect(await client.zrange(`${prefix}owner:{alice}`, 0, -1)).toEqual(['k']);
        expect(await store.listByOwner('alice')).toEqual([]);
        expect(await store.destroyByOwner('alice')).toBe(0);
        expect((await store.get('k'))?.ownerId).toBe('bob');
        expect((await store.listByOwner('bob')).map((s) => s.key)).toEqual(['k']);
      } finally {
        await cleanup();
      }
    });

    it('destroyByOwner leaves the index entry of an insert in flight, so its session stays findable', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        // set() writes the index before the session: this is the state between the two writes.
        const expiresAt = Date.now() + 60_000;
        await client.zadd(`${prefix}owner:{alice}`, expiresAt, 'in-flight');
        await store.set('old', record({ ownerId: 'alice' }));
        expect(await store.destroyByOwner('alice')).toBe(1);
        expect(await client.zrange(`${prefix}owner:{alice}`, 0, -1)).toEqual(['in-flight']);
        // The insert completes: the revoke did not make it unreachable.
        await store.set('in-flight', record({ ownerId: 'alice', expiresAt }));
        expect((await store.listByOwner('alice')).map((s) => s.key)).toEqual(['in-flight']);
        expect(await store.destroyByOwner('alice')).toBe(1);
      } finally {
        await cleanup();
      }
    });

    it('drops index entries once their score has passed, and the index key with its last entry', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        const soon = Date.now() + 150;
        await store.set('short', record({ ownerId: 'alice', expiresAt: soon }));
        expect(await client.exists(`${prefix}owner:{alice}`)).toBe(1);
        const deadline = Date.now() + 5_000;
        while ((await client.exists(`${prefix}owner:{alice}`)) === 1 && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 25));
        }
        expect(
          await client.exists(`${prefix}owner:{alice}`),
          'the index key expired with its last entry',
        ).toBe(0);
        expect(await scanPrefix(client, prefix)).toEqual([]);

        // Entries whose score passed are trimmed on read and on the next write.
        const stale = Date.now() + 100;
        await store.set('a', record({ ownerId: 'bob', expiresAt: stale }));
        await store.set('b', record({ ownerId: 'bob' }));
        while (Date.now() <= stale + 5) await new Promise((r) => setTimeout(r, 20));
        expect((await store.listByOwner('bob')).map((s) => s.key)).toEqual(['b']);
        expect(await client.zrange(`${prefix}owner:{bob}`, 0, -1)).toEqual(['b']);
      } finally {
        await cleanup();
      }
    });

    it('destroy removes the index entry, and the index key with it', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        await store.set('k', record({ ownerId: 'alice' }));
        expect(await store.destroy('k')).toBe(true);
        expect(await scanPrefix(client, prefix)).toEqual([]);
      } finally {
        await cleanup();
      }
    });

    it('count and clear walk the whole keyspace in SCAN pages and stay within the prefix', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone, 7);
      const neighbour = await fresh(standalone);
      try {
        await Promise.all(
          Array.from({ length: 250 }, (_, i) => store.set(`k${i}`, record({ ownerId: `owner${i % 10}` }))),
        );
        await neighbour.store.set('k0', record());
        expect(await store.count()).toBe(250);
        expect(await scanPrefix(client, prefix)).toHaveLength(260);
        await store.clear();
        expect(await scanPrefix(client, prefix)).toEqual([]);
        expect(await store.count()).toBe(0);
        expect(await neighbour.store.count()).toBe(1);
        await store.clear();
      } finally {
        await cleanup();
        await neighbour.cleanup();
      }
    });

    it('matches glob metacharacters in the prefix literally', async () => {
      const client = await standalone.client();
      const base = uniquePrefix('glob');
      const star = createRedisStore(client, { prefix: `${base}*:` });
      const plain = createRedisStore(client, { prefix: `${base}x:` });
      const bracket = createRedisStore(client, { prefix: `${base}[x]:` });
      try {
        await star.set('k', record());
        await plain.set('k', record());
        await bracket.set('k', record());
        expect(await star.count()).toBe(1);
        expect(await bracket.count()).toBe(1);
        await star.clear();
        await bracket.clear();
        expect(await plain.count()).toBe(1);
      } finally {
        await dropPrefix(client, base);
      }
    });

    it('wraps server errors in SessionStoreError with the driver error as cause', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        // An owner index of the wrong type: unlike a session key, nothing core can remove.
        await client.set(`${prefix}owner:{o}`, 'not a sorted set');
        for (const call of [store.listByOwner('o'), store.destroyByOwner('o')]) {
          const error = await rejection(call);
          expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
          expect(((error as Error).cause as Error).message).toMatch(/WRONGTYPE/);
        }
      } finally {
        await cleanup();
      }
    });

    it('a session key of another type is a corrupt record, never a lockout (issue 14, item 4)', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        await client.set(`${prefix}{k}`, 'not a hash');
        const error = await rejection(store.get('k'));
        expect(error).toMatchObject({ code: 'SESSION_RECORD_CORRUPT', key: 'k' });
        expect(((error as Error).cause as Error).message).toMatch(/WRONGTYPE/);
        expect(await store.touch('k', Date.now() + 1_000)).toBe(false);
        // An insert replaces it, a compare-and-set conflicts, destroy removes it.
        await expect(store.set('k', record({ version: 2 }), { expectedVersion: 1 })).rejects.toMatchObject({
          code: 'SESSION_CONFLICT',
        });
        const fresh = record();
        await store.set('k', fresh);
        expect((await store.get('k'))?.version).toBe(1);
        await client.set(`${prefix}{k}`, 'not a hash');
        expect(await store.destroy('k')).toBe(false);
        expect(await client.exists(`${prefix}{k}`)).toBe(0);
      } finally {
        await cleanup();
      }
    });

    it('an insert replaces a hash with a garbage field; a compare-and-set on it conflicts', async () => {
      const { client, prefix, store, cleanup } = await fresh(standalone);
      try {
        await store.set('k', record());
        await client.hset(`${prefix}{k}`, 'v', 'abc');
        await expect(store.set('k', record({ version: 2 }), { expectedVersion: 1 })).rejects.toMatchObject({
          code: 'SESSION_CONFLICT',
        });
        await client.hset(`${prefix}{k}`, 'e', 'soon');
        await store.set('k', record());
        expect((await store.get('k'))?.version).toBe(1);
      } finally {
        await cleanup();
      }
    });

    it('close() resolves, twice, and never quits the app client', async () => {
      const { client, store, cleanup } = await fresh(standalone);
      try {
        await store.close();
        await store.close();
        expect(client.status).toBe('ready');
        expect(await client.ping()).toBe('PONG');
      } finally {
        await cleanup();
      }
    });
  },
);

describe.skipIf(!cluster.provisioned.available)(
  suiteTitle('redis store on a Cluster', cluster.provisioned),
  () => {
    it('hashes every session by its storage key alone (hash tag)', async () => {
      const client = (await cluster.client()) as Cluster;
      for (const key of ['abc', 'x:y', '{odd}', 'ключ']) {
        const slot = await client.cluster('KEYSLOT', `sess:{${key}}`);
        const tagged = await client.cluster('KEYSLOT', `other-prefix:{${key}}:more`);
        expect(slot).toBe(tagged);
      }
    });

    it('count and clear cover the keys of every master', async () => {
      const { client, prefix, store, cleanup } = await fresh(cluster, 5);
      try {
        await Promise.all(
          Array.from({ length: 90 }, (_, i) => store.set(`k${i}`, record({ ownerId: `o${i % 3}` }))),
        );
        const perMaster = await Promise.all(
          masters(client).map(
            async (node) => (await node.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000))[1].length,
          ),
        );
        expect(perMaster.filter((n) => n > 0).length, 'keys spread over several masters').toBeGreaterThan(1);
        expect(await store.count()).toBe(90);
        expect((await store.listByOwner('o1')).length).toBe(30);
        expect(await store.destroyByOwner('o2')).toBe(30);
        expect(await store.count()).toBe(60);
        await store.clear();
        expect(await scanPrefix(client, prefix)).toEqual([]);
      } finally {
        await cleanup();
      }
    });
  },
);
