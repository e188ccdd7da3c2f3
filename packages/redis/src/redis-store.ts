import {
  NO_CAPABILITIES,
  type OwnedSession,
  readStoredRecord,
  SessionConflictError,
  type SetOptions,
  type StoreCapabilities,
  type StoreWith,
} from '@sessionkit/core';
import { attempt, checkSet, invalid, validateScanCount } from './checks';
import type { RedisClientLike, RedisCommands } from './client';
import { openConnection } from './connection';
import { hashFields, readHash } from './hash-fields';
import { DEFAULT_PREFIX, isExact, keyLayout, validatePrefix } from './key-layout';
import { DESTROY_IF_OWNED_SCRIPT, DESTROY_SCRIPT, runScript, TOUCH_SCRIPT } from './scripts';
import { indexSession, writeSession } from './session-write';
import { verifyRedisStore } from './verify';

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key the store writes, to share one database between apps or stores.
   * Must not contain `{` or `}` (the store adds a Cluster hash tag after it). Use this instead
   * of ioredis' `keyPrefix`, which the store refuses: SCAN patterns would not see it.
   * @default 'sess:'
   */
  prefix?: string;
  /** The COUNT hint of the SCAN calls behind `count()` and `clear()`. @default 1000 */
  scanCount?: number;
}

/** A sessionkit store on Redis; every optional operation except `prune` is available. */
export interface RedisStore
  extends StoreWith<
    'destroyByOwner' | 'listByOwner' | 'destroyOwned' | 'count' | 'tally' | 'clear' | 'close' | 'verify'
  > {
  /** The validated key prefix. */
  readonly prefix: string;
  /** Resolves at once: the store opens nothing of its own, and never quits the app's client. */
  close(): Promise<void>;
}

const CAPABILITIES: StoreCapabilities = Object.freeze({
  ...NO_CAPABILITIES,
  destroyByOwner: true,
  listByOwner: true,
  count: true,
  clear: true,
  // Redis expires keys by itself (PEXPIREAT on every write and touch); nothing to prune.
  nativeExpiry: true,
  replaceOnInsert: true,
  verify: true,
  ownerDetails: true,
  tally: true,
});

/**
 * A Cluster keeps the new session, the replaced one and the owner index in different slots, which
 * no single script may touch: a login there inserts, then destroys the old session separately.
 */
const CLUSTER_CAPABILITIES: StoreCapabilities = Object.freeze({ ...CAPABILITIES, replaceOnInsert: false });

/** Index entries and sessions handled per round trip batch in the owner operations. */
const BATCH = 256;
/** touch() retries when the session's owner changes between its read and its script. */
const TOUCH_ATTEMPTS = 5;

/**
 * Creates a session store on an ioredis client the app owns: a standalone `Redis`, a
 * Sentinel-backed `Redis` (`new Redis({ sentinels, name })`) or a `Cluster`. Configure the client
 * to fail fast when Redis is down (see the README); the store adds no timers of its own.
 *
 * @example
 * import Redis from 'ioredis';
 * import { createRedisStore } from '@sessionkit/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
 * const store = createRedisStore(redis, { prefix: 'myapp:sess:' });
 */
export function createRedisStore(appClient: RedisClientLike, options: RedisStoreOptions = {}): RedisStore {
  const connection = openConnection(appClient);
  const client = connection.commands;
  const prefix = validatePrefix(options.prefix ?? DEFAULT_PREFIX);
  const scanCount = validateScanCount(options.scanCount ?? 1000);
  const keys = keyLayout(prefix);
  const capabilities = connection.isCluster ? CLUSTER_CAPABILITIES : CAPABILITIES;

  return {
    capabilities,
    prefix,

    get: (storageKey) =>
      attempt('get', async () => {
        // A key Redis cannot hold exactly was never stored (set refuses it): nothing to find.
        if (!isExact(storageKey)) return null;
        const fields = await readHash(client, keys.session(storageKey), storageKey);
        if (fields === null) return null;
        const [payload, version, expiresAt, ownerId, details] = fields;
        // Every field is checked by core's validator: a hash written by anything but this store
        // (`HSET key v abc`) is corrupt, never a live session whose writes all fail.
        const record = readStoredRecord(storageKey, {
          payload,
          version: version?.toString(),
          expiresAt: expiresAt?.toString(),
          ownerId: ownerId?.toString('utf8'),
          details: details?.toString('utf8'),
        });
        // Redis removes the key itself, but a read in the same millisecond, or a Redis clock that
        // lags the app's, could still see it.
        return record.expiresAt > Date.now() ? record : null;
      }),

    set: (storageKey, record, setOptions?: SetOptions) =>
      attempt('set', async () => {
        const { ownerId, replaces, details } = checkSet(storageKey, record, setOptions, capabilities);
        if (!isExact(storageKey) || (ownerId !== null && !isExact(ownerId))) {
          throw invalid('the key or owner id is not well-formed Unicode (it has a lone surrogate)');
        }
        // A key Redis cannot hold exactly was never stored: there is nothing to replace.
        const replaced = replaces !== undefined && isExact(replaces) ? replaces : undefined;
        const now = Date.now();
        const payload = Buffer.from(
          record.payload.buffer,
          record.payload.byteOffset,
          record.payload.byteLength,
        );
        const args = [
          payload,
          record.version,
          record.expiresAt,
          ownerId === null ? '0' : details === null ? '1' : '2',
          ownerId ?? '',
          setOptions?.expectedVersion ?? '',
          now,
        ];
        const written = await writeSession(connection, keys, {
          storageKey,
          ownerId,
          replaces: replaced,
          expiresAt: record.expiresAt,
          now,
          args,
          details,
        });
        if (!written) {
          throw new SessionConflictError(
            setOptions?.expectedVersion === undefined
              ? 'A live session already exists under this key'
              : `The session is gone or no longer at version ${setOptions.expectedVersion}`,
          );
        }
        // The previous owner's index (after an owner change) keeps an entry that readers skip,
        // because the session's `o` field no longer matches, and that expires with its score.
      }),

    touch: (storageKey, expiresAt) =>
      attempt('touch', async () => {
        if (!isExact(storageKey)) return false;
        if (!Number.isSafeInteger(expiresAt))
          throw invalid(`expiresAt must be an integer epoch ms (got ${expiresAt})`);
        const sessionKey = keys.session(storageKey);
        for (let round = 0; round < TOUCH_ATTEMPTS; round++) {
          const now = Date.now();
          // A key of another type holds no live session: false, like a missing one.
          const [current, owner] = await hashFields(client, sessionKey, 'e', 'o');
          if (!current || !(Number(current.toString()) > now)) return false;
          const ownerId = owner ? owner.toString('utf8') : null;
          // Same ordering as set(): raise the index score before the session outlives it. The
          // script then only extends the session if its owner is still the one just indexed.
          if (ownerId !== null) await indexSession(client, keys, ownerId, storageKey, expiresAt, now);
          const moved = await runScript(
            client,
            TOUCH_SCRIPT,
            [sessionKey],
            [expiresAt, ownerId === null ? '0' : '1', ownerId ?? '', now],
          );
          if (moved === 1) return true;
          if (moved === 0) return false;
        }
        throw new Error(`the session's owner changed ${TOUCH_ATTEMPTS} times while touching it`);
      }),

    destroy: (storageKey) =>
      attempt('destroy', async () => {
        if (!isExact(storageKey)) return false;
        const result = (await runScript(
          client,
          DESTROY_SCRIPT,
          [keys.session(storageKey)],
          [Date.now()],
        )) as unknown[];
        if (result.length === 0) return false;
        const [live, ownerId] = result;
        // Keeps the index tidy on logout. Safe after the delete: a compare-and-set racing this
        // destroy finds no session and conflicts, so it cannot need the entry removed here.
        if (typeof ownerId === 'string') await client.zrem(keys.owner(ownerId), storageKey);
        return live === 1;
      }),

    destroyByOwner: (ownerId) =>
      attempt('destroyByOwner', async () => {
        if (!isExact(ownerId)) return 0;
        const ownerKey = keys.owner(ownerId);
        const members = await client.zrange(ownerKey, 0, -1);
        const now = Date.now();
        let destroyed = 0;
        for (let i = 0; i < members.length; i += BATCH) {
          const batch = members.slice(i, i + BATCH);
          // Each session is deleted only if it still belongs to this owner: an entry may be stale.
          const results = await Promise.all(
            batch.map((member) =>
              runScript(client, DESTROY_IF_OWNED_SCRIPT, [keys.session(member)], [ownerId, now]),
            ),
          );
          destroyed += results.filter((result) => result === 1).length;
          // Only the entries of sessions deleted here are removed. An entry without a session may
          // belong to an insert in flight (index first, session second), whose session must stay
          // findable; it is filtered on read and dropped once its score has passed.
          const deleted = batch.filter((_, j) => results[j] !== -1);
          if (deleted.length > 0) await client.zrem(ownerKey, ...deleted);
        }
        await client.zremrangebyscore(ownerKey, '-inf', now);
        return destroyed;
      }),

    listByOwner: (ownerId) =>
      attempt('listByOwner', async () => {
        if (!isExact(ownerId)) return [];
        const ownerKey = keys.owner(ownerId);
        const now = Date.now();
        // Scores are upper bounds of the sessions' expiry, so a passed score is a dead session.
        await client.zremrangebyscore(ownerKey, '-inf', now);
        const members = await client.zrange(ownerKey, 0, -1);
        const listed: OwnedSession[] = [];
        for (let i = 0; i < members.length; i += BATCH) {
          const batch = members.slice(i, i + BATCH);
          const rows = await Promise.all(
            // A key of another type is no session of this owner (and no reason to fail the list).
            batch.map((member) => hashFields(client, keys.session(member), 'e', 'o', 'm', 'a')),
          );
          rows.forEach(([expiresAt, owner, details, activeAt], j) => {
            // Verified against the session itself: the entry may be stale (destroyed, expired,
            // moved to another owner, or a failed write).
            if (!expiresAt || !owner || owner.toString('utf8') !== ownerId) return;
            const expiry = Number(expiresAt.toString());
            if (expiry <= now) return;
            listed.push({
              key: batch[j] as string,
              expiresAt: expiry,
              details: details ? details.toString('utf8') : null,
              lastActiveAt: activeAt ? Number(activeAt.toString()) : null,
            });
          });
        }
        return listed;
      }),

    destroyOwned: (ownerId, storageKey) =>
      attempt('destroyOwned', async () => {
        if (!isExact(ownerId) || !isExact(storageKey)) return false;
        // One script reads the owner and deletes: a session that moved to another owner stays.
        const result = await runScript(
          client,
          DESTROY_IF_OWNED_SCRIPT,
          [keys.session(storageKey)],
          [ownerId, Date.now()],
        );
        if (result !== -1) await client.zrem(keys.owner(ownerId), storageKey);
        return result === 1;
      }),

    tally: () =>
      attempt('tally', async () => {
        // A walk of every session key (SCAN, then the owner field of each): an operator's
        // command, never a request's. Expired keys are gone already: Redis expires them itself.
        let live = 0;
        let owned = 0;
        const owners = new Set<string>();
        const now = Date.now();
        for (const node of await connection.masters()) {
          const seen = new Set<string>();
          await scanAll(node, keys.sessionPattern, scanCount, async (batch) => {
            const fresh = batch.filter((key) => !seen.has(key));
            for (const key of fresh) seen.add(key);
            const rows = await Promise.all(fresh.map((key) => hashFields(node, key, 'e', 'o')));
            for (const [expiresAt, owner] of rows) {
              if (!expiresAt || !(Number(expiresAt.toString()) > now)) continue;
              live++;
              if (owner) {
                owned++;
                owners.add(owner.toString('utf8'));
              }
            }
          });
        }
        return { live, expired: null, owned, owners: owners.size };
      }),

    count: () =>
      attempt('count', async () => {
        let total = 0;
        for (const node of await connection.masters()) {
          // SCAN may return a key twice (while the keyspace is rehashed), hence the set. It skips
          // keys whose TTL has passed, and every session key expires at its expiresAt.
          const seen = new Set<string>();
          await scanAll(node, keys.sessionPattern, scanCount, (batch) => {
            for (const key of batch) seen.add(key);
          });
          total += seen.size;
        }
        return total;
      }),

    clear: () =>
      attempt('clear', async () => {
        // SCAN, never KEYS: KEYS blocks the server for the whole keyspace walk. Deleting what a
        // walk returned is idempotent, so a clear() that failed half-way is simply run again.
        const cluster = connection.isCluster;
        for (const node of await connection.masters()) {
          await scanAll(node, keys.allPattern, scanCount, async (batch) => {
            if (batch.length === 0) return;
            // A Cluster rejects multi-key commands across slots, even on a single node.
            if (cluster) await Promise.all(batch.map((key) => node.unlink(key)));
            else await node.unlink(...batch);
          });
        }
      }),

    close: async () => undefined,

    verify(verifyOptions) {
      return verifyRedisStore(connection, this, prefix, verifyOptions);
    },
  };
}

async function scanAll(
  node: RedisCommands,
  pattern: string,
  count: number,
  onBatch: (keys: string[]) => void | Promise<void>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', count);
    await onBatch(batch);
    cursor = next;
  } while (cursor !== '0');
}
