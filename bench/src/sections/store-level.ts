import { createEnvelope, createMemoryStore, type SessionStore } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { createMysqlStore } from '@sessionkit/mysql';
import { createPostgresStore } from '@sessionkit/postgres';
import { createRedisStore } from '@sessionkit/redis';
import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { Services } from '../http/server-handle';
import { seedData } from '../http/variants';
import { type LoadWindow, load1 } from '../lib/machine';
import type { Profile } from '../profile';

export type StoreOp = 'get' | 'set' | 'touch';
const OPS: StoreOp[] = ['get', 'set', 'touch'];

export interface StoreLevelSample {
  opsPerSec: number;
  /** This process's CPU per operation (the client side: store code plus driver), µs. */
  cpuPerOp: number;
  load: LoadWindow;
}

export interface StoreLevelRow {
  backend: string;
  op: StoreOp;
  store: StoreLevelSample[];
  /** The raw driver replaying the same commands, when there is one. */
  raw: StoreLevelSample[];
}

/** One recorded driver call. */
type Call = { method: string; args: unknown[] };

/** A backend: the store under test, the same store on a recording client, and a replayer. */
interface Backend {
  name: string;
  store: SessionStore;
  recordingStore?: SessionStore;
  /** Calls the recording client saw since the last take. */
  takeCalls?: () => Call[];
  replay?: (call: Call) => Promise<unknown>;
  close(): Promise<void>;
}

// Sentinels of the template operations: their positions in the recorded arguments are where a
// replay substitutes the real key and versions.
const TEMPLATE_KEY = 'TEMPLATEKEY0000000000000000000000000000000';
const TEMPLATE_VERSION = 900_000_001;
// A new expiry on every replay too: rewriting a row with the value it already holds is cheaper
// (InnoDB skips unchanged rows), which would flatter the ceiling.
const TEMPLATE_EXPIRES = 4_102_444_800_123;

interface Substitution {
  key: string;
  version: number;
  expiresAt: number;
}

function substitute(value: unknown, to: Substitution): unknown {
  if (typeof value === 'string') {
    if (value === String(TEMPLATE_VERSION)) return String(to.version);
    if (value === String(TEMPLATE_VERSION + 1)) return String(to.version + 1);
    if (value === String(TEMPLATE_EXPIRES)) return String(to.expiresAt);
    return value.includes(TEMPLATE_KEY) ? value.replaceAll(TEMPLATE_KEY, to.key) : value;
  }
  if (value === TEMPLATE_VERSION) return to.version;
  if (value === TEMPLATE_VERSION + 1) return to.version + 1;
  if (value === TEMPLATE_EXPIRES) return to.expiresAt;
  if (Array.isArray(value)) return value.map((item) => substitute(item, to));
  return value;
}

/**
 * Wraps a driver object so every method call is logged before it is forwarded. The callback pool
 * a mysql2/promise pool holds (`pool`), which the MySQL store drives, is wrapped too.
 */
function recording<T extends object>(target: T, log: Call[]): T {
  return new Proxy(target, {
    get(obj, property, receiver) {
      const value = Reflect.get(obj, property, receiver);
      if (property === 'pool' && typeof value === 'object' && value !== null) return recording(value, log);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        log.push({ method: property, args });
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

async function redisBackend(url: string, autoPipelining: boolean): Promise<Backend> {
  const client = new Redis(url, { enableAutoPipelining: autoPipelining, maxRetriesPerRequest: 1 });
  const log: Call[] = [];
  const prefix = `sl${autoPipelining ? 'p' : 'n'}:`;
  const methods = client as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  return {
    name: `Redis (ioredis, auto-pipelining ${autoPipelining ? 'on' : 'off'})`,
    store: createRedisStore(client, { prefix }),
    recordingStore: createRedisStore(recording(client, log), { prefix }),
    takeCalls: () => log.splice(0),
    replay: (call) =>
      (methods[call.method] as (...args: unknown[]) => Promise<unknown>).apply(client, call.args),
    close: async () => void client.disconnect(),
  };
}

async function postgresBackend(url: string): Promise<Backend> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const log: Call[] = [];
  const options = { tableName: 'sl_sessions', pruneInterval: 0 };
  const store = createPostgresStore(pool, options);
  await store.createSchema();
  return {
    name: 'PostgreSQL (pg Pool, 10 connections)',
    store,
    recordingStore: createPostgresStore(recording(pool, log), options),
    takeCalls: () => log.splice(0),
    replay: (call) => pool.query(call.args[0] as string, call.args[1] as unknown[]),
    close: () => pool.end(),
  };
}

async function mariadbBackend(url: string): Promise<Backend> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 10 });
  const log: Call[] = [];
  const options = { tableName: 'sl_sessions', pruneInterval: 0 };
  const store = createMysqlStore(pool, options);
  await store.createSchema();
  return {
    name: 'MariaDB (mysql2 pool, 10 connections)',
    store,
    recordingStore: createMysqlStore(recording(pool, log), options),
    takeCalls: () => log.splice(0),
    // As the store sends it: through the callback pool, without the promise wrapper's stack capture.
    replay: (call) =>
      new Promise((resolve, reject) => {
        pool.pool.execute(call.args[0] as string, call.args[1] as never, (error: unknown, result: unknown) =>
          error ? reject(error) : resolve(result),
        );
      }),
    close: () => pool.end(),
  };
}

/**
 * Store get / set (compare-and-set) / touch throughput, each against the raw driver sending the
 * very commands the store sent (recorded once through a logging proxy, then replayed with only the
 * key and versions swapped): the ceiling a store on that client could reach. `concurrency`
 * operations are kept in flight; store and raw alternate round by round.
 */
export async function runStoreLevel(
  services: Services,
  profile: Profile,
  log: (line: string) => void,
): Promise<StoreLevelRow[]> {
  const { windowMs, rounds, concurrency } = profile.storeLevel;
  const payload = await createEnvelope().seal({ c: Date.now(), d: seedData(1), f: {} }, 'store-level');
  const expiresAt = () => Date.now() + 3_600_000;
  const backends: Array<() => Promise<Backend>> = [];
  if (services.redisUrl) {
    const url = services.redisUrl;
    backends.push(
      () => redisBackend(url, false),
      () => redisBackend(url, true),
    );
  }
  if (!profile.quick) {
    if (services.postgresUrl) backends.push(() => postgresBackend(services.postgresUrl as string));
    if (services.mysqlUrl) backends.push(() => mariadbBackend(services.mysqlUrl as string));
    backends.push(async () => {
      const store = createMemoryStore({ maxSessions: 0 });
      return { name: 'memory', store, close: () => store.close() };
    });
    if (services.fileDir) {
      const directory = `${services.fileDir}/store-level`;
      backends.push(async () => {
        const store = createFileStore({ directory, pruneInterval: 0 });
        return { name: 'file (local disk)', store, close: () => store.close() };
      });
    }
  }

  const rows: StoreLevelRow[] = [];
  for (const open of backends) {
    const backend = await open();
    try {
      const keys = Array.from({ length: concurrency * 8 }, (_, i) => `slkey${String(i).padStart(38, '0')}`);
      const versions = new Map<string, number>();
      for (const key of keys) {
        await backend.store.destroy(key);
        await backend.store.set(key, { payload, version: 1, expiresAt: expiresAt(), ownerId: null });
        versions.set(key, 1);
      }
      const templates = await recordTemplates(backend, payload);
      for (const op of OPS) {
        const storeOp = async (key: string) => {
          const version = versions.get(key) as number;
          if (op === 'get') await backend.store.get(key);
          else if (op === 'touch') await backend.store.touch(key, expiresAt());
          else {
            await backend.store.set(
              key,
              { payload, version: version + 1, expiresAt: expiresAt(), ownerId: null },
              { expectedVersion: version },
            );
            versions.set(key, version + 1);
          }
        };
        const template = templates?.[op];
        const rawOp =
          template && backend.replay
            ? async (key: string) => {
                const version = versions.get(key) as number;
                const to = { key, version, expiresAt: expiresAt() };
                for (const call of template) {
                  await backend.replay?.({
                    method: call.method,
                    args: call.args.map((a) => substitute(a, to)),
                  });
                }
                if (op === 'set') versions.set(key, version + 1);
              }
            : undefined;
        const row: StoreLevelRow = { backend: backend.name, op, store: [], raw: [] };
        // Warm-up, unrecorded: JIT, connection pools and server caches reach their steady state.
        await window(keys, concurrency, windowMs / 2, storeOp);
        if (rawOp) await window(keys, concurrency, windowMs / 2, rawOp);
        for (let round = 0; round < rounds; round++) {
          const order: Array<'store' | 'raw'> = round % 2 === 0 ? ['store', 'raw'] : ['raw', 'store'];
          for (const side of order) {
            if (side === 'raw' && !rawOp) continue;
            const run = side === 'store' ? storeOp : (rawOp as (key: string) => Promise<void>);
            row[side].push(await window(keys, concurrency, windowMs, run));
          }
        }
        // A replayed compare-and-set that silently matched nothing would flatter the ceiling.
        if (op === 'set') await checkVersions(backend.store, keys, versions);
        rows.push(row);
        log(
          `  ${backend.name} ${op}: store ${Math.round(median(row.store.map((s) => s.opsPerSec)))} ops/s ` +
            `(${median(row.store.map((s) => s.cpuPerOp)).toFixed(1)} µs CPU/op)` +
            (row.raw.length
              ? `, raw ${Math.round(median(row.raw.map((s) => s.opsPerSec)))} ops/s ` +
                `(${median(row.raw.map((s) => s.cpuPerOp)).toFixed(1)} µs CPU/op)`
              : ''),
        );
      }
    } finally {
      await backend.close();
    }
  }
  return rows;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? Number.NaN;
}

async function recordTemplates(
  backend: Backend,
  payload: Uint8Array,
  expiresAt = TEMPLATE_EXPIRES,
): Promise<Record<StoreOp, Call[]> | undefined> {
  const store = backend.recordingStore;
  const take = backend.takeCalls;
  if (!store || !take) return undefined;
  await store.destroy(TEMPLATE_KEY);
  await store.set(TEMPLATE_KEY, { payload, version: TEMPLATE_VERSION, expiresAt, ownerId: null });
  // Once unrecorded, so Redis has every script cached and the recording holds only EVALSHA.
  await store.get(TEMPLATE_KEY);
  await store.touch(TEMPLATE_KEY, expiresAt);
  take();
  await store.get(TEMPLATE_KEY);
  const get = take();
  await store.set(
    TEMPLATE_KEY,
    { payload, version: TEMPLATE_VERSION + 1, expiresAt, ownerId: null },
    { expectedVersion: TEMPLATE_VERSION },
  );
  const set = take();
  await store.touch(TEMPLATE_KEY, expiresAt);
  const touch = take();
  await store.destroy(TEMPLATE_KEY);
  take();
  return { get, set, touch };
}

async function checkVersions(
  store: SessionStore,
  keys: string[],
  versions: Map<string, number>,
): Promise<void> {
  for (const key of keys) {
    const record = await store.get(key);
    if (record?.version !== versions.get(key)) {
      throw new Error(`store-level: ${key} is at version ${record?.version}, expected ${versions.get(key)}`);
    }
  }
}

/** Keeps `concurrency` operations in flight for `ms`; each worker cycles over its own keys. */
async function window(
  keys: string[],
  concurrency: number,
  ms: number,
  op: (key: string) => Promise<void>,
): Promise<StoreLevelSample> {
  const loadStart = load1();
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  const deadline = started + ms;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      // Each worker owns the keys ≡ worker (mod concurrency): no two compare-and-sets collide.
      for (let i = worker; performance.now() < deadline; i += concurrency) {
        await op(keys[i % keys.length] as string);
        done++;
      }
    }),
  );
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  return {
    opsPerSec: (done / elapsed) * 1000,
    cpuPerOp: (cpu.user + cpu.system) / Math.max(1, done),
    load: { start: loadStart, end: load1() },
  };
}
