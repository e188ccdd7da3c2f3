/**
 * Shared plumbing of the Redis test files: clients for the three topologies from their
 * SESSIONKIT_* URLs, and the raw reader that checks what really reached Redis with its own
 * commands (it deliberately re-implements the key layout instead of importing it).
 */
import type { StoredRecord } from '@sessionkit/core';
import type {
  ConformanceTarget,
  Corruption,
  RawReader,
  RawRecord,
  RawWriter,
} from '@sessionkit/store-test-suite';
import {
  type Backend,
  type Provisioned,
  parseRedisNodesUrl,
  parseRedisSentinelUrl,
  uniquePrefix,
  useBackend,
} from '@sessionkit/testing';
import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { afterAll } from 'vitest';
import { createRedisStore, type RedisStoreOptions } from '../src/index';
import { connectNodeRedis, type NodeRedisHandle } from './node-redis-client';

/** The ioredis options the README recommends for bounded failures. */
export const FAIL_FAST: RedisOptions = {
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  retryStrategy: (times) => Math.min(times * 100, 1_000),
};

export type Client = Redis | Cluster;

/** A client for a provisioned URL of any Redis topology, resolved once it is ready. */
export async function connect(backend: Backend, url: string, extra: RedisOptions = {}): Promise<Client> {
  let client: Client;
  if (backend === 'redis-cluster') {
    const { nodes, password, username } = parseRedisNodesUrl(url);
    const options: ClusterOptions = { redisOptions: { ...FAIL_FAST, ...extra, password, username } };
    client = new Cluster(nodes, options);
  } else if (backend === 'redis-sentinel') {
    const { sentinels, name, password, username, db } = parseRedisSentinelUrl(url);
    client = new Redis({ ...FAIL_FAST, ...extra, sentinels, name, password, username, db });
  } else {
    client = new Redis(url, { ...FAIL_FAST, ...extra });
  }
  await ready(client);
  return client;
}

/** Waits for the client's "ready" event (a Cluster knows its masters only from then on). */
export function ready(client: Client): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis client not ready after 20 s (${client.status})`)),
      20_000,
    );
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Every master of a client: the client itself, or each Cluster master. */
export function masters(client: Client): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Every key under the prefix, on every master (SCAN with the prefix matched literally). */
export async function scanPrefix(client: Client, prefix: string): Promise<string[]> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  const found = new Set<string>();
  for (const node of masters(client)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      for (const key of keys) found.add(key);
      cursor = next;
    } while (cursor !== '0');
  }
  return [...found];
}

/** Deletes every key under the prefix, one key per call (Cluster slots differ). */
export async function dropPrefix(client: Client, prefix: string): Promise<void> {
  const keys = await scanPrefix(client, prefix);
  await Promise.all(keys.map((key) => client.unlink(key)));
}

/**
 * The back door of the conformance suite. `list()` returns every key under the prefix except
 * the per-owner index sets: those are secondary structures that outlive single records by design
 * (one per owner, not per record) and have their own tests in redis-store.test.ts.
 */
export function rawReader(client: Client, prefix: string): RawReader {
  return {
    async read(key): Promise<RawRecord | null> {
      const hash = await client.hgetallBuffer(`${prefix}{${key}}`);
      if (!hash.p || !hash.v || !hash.e) return null;
      return {
        payload: new Uint8Array(hash.p),
        version: Number(hash.v.toString()),
        expiresAt: Number(hash.e.toString()),
        ownerId: hash.o ? hash.o.toString('utf8') : null,
      };
    },
    async list() {
      const keys = await scanPrefix(client, prefix);
      return keys.filter((key) => !key.startsWith(`${prefix}owner:{`)).sort();
    },
  };
}

/**
 * The write side of the back door: breaks a session hash in place with plain Redis commands, as
 * a script or another app sharing the keyspace could. A hash holds only bytes, so a payload of
 * another type cannot exist here.
 */
export function rawWriter(client: Client, prefix: string): RawWriter {
  const fields: Partial<Record<Corruption, [string, string]>> = {
    'version-not-integer': ['v', 'abc'],
    'version-negative': ['v', '-3'],
    'expiry-not-integer': ['e', 'soon'],
    'expiry-negative': ['e', '-5'],
  };
  return {
    corruptions: [...(Object.keys(fields) as Corruption[]), 'payload-missing', 'not-a-record'],
    async corrupt(key, corruption) {
      const sessionKey = `${prefix}{${key}}`;
      const field = fields[corruption];
      if (field) await client.hset(sessionKey, ...field);
      else if (corruption === 'payload-missing') await client.hdel(sessionKey, 'p');
      // WRONGTYPE for every hash command; SET also drops the TTL, so it would never expire.
      else if (corruption === 'not-a-record') await client.set(sessionKey, 'not a session');
      else throw new Error(`rawWriter: Redis cannot hold ${corruption}`);
    },
  };
}

/** What a Redis test file works with: the provisioned backend plus a lazily created client. */
export interface RedisFixture {
  provisioned: Provisioned;
  /** The file's shared client (quit after the file's last test). */
  client(): Promise<Client>;
  /** A fresh store on a random prefix, with its raw reader; teardown deletes the prefix. */
  target(options?: RedisStoreOptions): Promise<ConformanceTarget>;
}

/**
 * Provisions a Redis topology for this test file (top-level await). With `family: 'node-redis'`
 * the stores of `target()` run on a node-redis 5 client; the back door stays on ioredis.
 */
export async function useRedis(
  backend: Backend,
  { family = 'ioredis' }: { family?: 'ioredis' | 'node-redis' } = {},
): Promise<RedisFixture> {
  const provisioned = await useBackend(backend);
  let shared: Promise<Client> | undefined;
  let nodeRedis: Promise<NodeRedisHandle> | undefined;
  const client = () => {
    if (!provisioned.available) throw new Error(provisioned.reason);
    shared ??= connect(backend, provisioned.url);
    return shared;
  };
  const storeClient = async () => {
    if (family === 'ioredis') return client();
    if (!provisioned.available) throw new Error(provisioned.reason);
    nodeRedis ??= connectNodeRedis(backend, provisioned.url);
    return (await nodeRedis).client;
  };
  afterAll(async () => {
    if (shared) (await shared).disconnect();
    if (nodeRedis) await (await nodeRedis).close();
  });
  return {
    provisioned,
    client,
    async target(options = {}) {
      const redis = await client();
      const prefix = options.prefix ?? `${uniquePrefix('redis')}:`;
      return {
        store: createRedisStore(await storeClient(), { ...options, prefix }),
        raw: rawReader(redis, prefix),
        rawWriter: rawWriter(redis, prefix),
        // Owner index entries of conflicting writers stay behind by design; drop everything.
        teardown: () => dropPrefix(redis, prefix),
      };
    },
  };
}

/** A live record (10 minutes) with a unique payload. */
export function record(overrides: Partial<StoredRecord> = {}): StoredRecord {
  return {
    payload: new TextEncoder().encode(`payload ${Math.random()}`),
    version: 1,
    expiresAt: Date.now() + 600_000,
    ownerId: null,
    ...overrides,
  };
}

/** Settles a call and reports how long it took and how it ended; never throws. */
export async function timed(
  call: () => Promise<unknown>,
): Promise<{ ms: number; error: unknown; value: unknown }> {
  const started = Date.now();
  try {
    const value = await call();
    return { ms: Date.now() - started, error: null, value };
  } catch (error) {
    return { ms: Date.now() - started, error, value: undefined };
  }
}
