/** Argument checks and error wrapping of the Redis store: every failure says what to fix. */
import {
  checkSetArguments,
  SessionConfigError,
  SessionStoreError,
  type SetOptions,
  type StoreCapabilities,
  type StoredRecord,
  storeError,
} from '@sessionkit/core';
import type { IoredisClientLike } from './client';

/** The label of every message of this store. */
const STORE = 'Redis session store';

/** Runs one store operation; anything but a SessionError becomes a SessionStoreError with cause. */
export function attempt<T>(operation: string, run: () => Promise<T>): Promise<T> {
  // Not async: the call's own promise, with one handler for failures, is all a call needs.
  let pending: Promise<T>;
  try {
    pending = run();
  } catch (error) {
    return Promise.reject(failure(operation, error));
  }
  return pending.catch((error: unknown) => Promise.reject(failure(operation, error)));
}

function failure(operation: string, error: unknown): unknown {
  // ioredis' `commandTimeout` rejects with exactly this message.
  const timedOut = error instanceof Error && error.message === 'Command timed out';
  return storeError(STORE, operation, error, timedOut ? { code: 'SESSION_STORE_TIMEOUT' } : {});
}

/** Redis' answer to a hash command on a key of another type (a string, a list…). */
export function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}

export function invalid(message: string): SessionStoreError {
  return new SessionStoreError(`${STORE}: invalid argument: ${message}`);
}

/**
 * Core's checks of the `set` arguments, plus Redis' own: PEXPIREAT takes integer milliseconds,
 * so a fractional or infinite expiry cannot be stored. Returns the owner normalised and the key
 * the insert replaces, if any.
 */
export function checkSet(
  key: string,
  record: StoredRecord,
  options: SetOptions | undefined,
  capabilities: StoreCapabilities,
): { ownerId: string | null; replaces: string | undefined; details: string | null } {
  const { ownerId, replaces, details } = checkSetArguments(STORE, key, record, options, capabilities);
  if (!Number.isSafeInteger(record.expiresAt)) {
    throw invalid(`record.expiresAt must be an integer epoch ms (got ${record.expiresAt})`);
  }
  return { ownerId, replaces, details };
}

export function validateIoredisClient(client: IoredisClientLike): void {
  const methods = [
    'hmgetBuffer',
    'evalsha',
    'eval',
    'zrange',
    'zrem',
    'zremrangebyscore',
    'scan',
    'unlink',
  ] as const;
  if (typeof client !== 'object' || client === null || methods.some((m) => typeof client[m] !== 'function')) {
    throw new SessionConfigError(
      'createRedisStore: pass an ioredis client (createRedisStore(new Redis(url)), ' +
        'createRedisStore(new Redis.Cluster(nodes))) or a node-redis 5 client ' +
        '(createRedisStore(await createClient({ url }).connect())).',
    );
  }
  if (client.isCluster && typeof client.nodes !== 'function') {
    throw new SessionConfigError(
      'createRedisStore: a Cluster client must provide nodes("master") (ioredis Cluster does).',
    );
  }
  const keyPrefix = client.options?.keyPrefix || client.options?.redisOptions?.keyPrefix;
  if (keyPrefix) {
    throw new SessionConfigError(
      `createRedisStore: the ioredis client has keyPrefix "${keyPrefix}", which SCAN patterns do not get, ` +
        'so count() and clear() would miss every key. Remove keyPrefix from the client and pass ' +
        `{ prefix: '${keyPrefix}' } to createRedisStore instead.`,
    );
  }
}

export function validateScanCount(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 1_000_000) {
    throw new SessionConfigError(
      `createRedisStore: \`scanCount\` must be an integer from 1 to 1000000 (got ${String(value)}); ` +
        'the default 1000 suits most databases.',
    );
  }
  return value;
}
