/**
 * The store's indexes: created by `ensureIndexes()`, and on the store's first use, best effort and
 * once, so a store opened from configuration (`createStoreFromConfig`, the CLI) or by an app that
 * never calls `ensureIndexes()` still gets its TTL index. `capabilities.nativeExpiry` follows what
 * was found: false, with one warning, when the collection has no TTL index on `expiresAt` and the
 * store could not create it (then expired documents stay until `prune()` runs).
 */
import { SessionStoreError, storeError } from '@sessionkit/core';
import type { MongoCollectionLike, MongoDbLike, MongoDocument } from './collection';
import { STORE } from './records';
import { SESSION_INDEXES, TTL_GRACE_SECONDS } from './statements';

/** What the collection's index list says about the TTL index on `expiresAt`. */
export type TtlState =
  | { kind: 'ready' }
  /** A TTL index with another `expireAfterSeconds` (0 before the grace period existed). */
  | { kind: 'stale'; name: string; expireAfterSeconds: number }
  /** An index on `{ expiresAt: 1 }` without TTL. */
  | { kind: 'not-ttl'; name: string }
  | { kind: 'missing' };

/** First-use checks that found nothing out (no server yet) before the store stops trying. */
const MAX_ATTEMPTS = 3;
/** An index with the same key exists with other options (85) or another spec under the name (86). */
const INDEX_CONFLICTS = new Set([85, 86]);

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Reads the TTL state from `listIndexes` output (pure, so every branch has a unit test). */
export function ttlState(indexes: readonly MongoDocument[]): TtlState {
  const onExpiry = indexes.find((index) => {
    const key = index.key as Record<string, unknown> | undefined;
    return key !== undefined && Object.keys(key).length === 1 && key.expiresAt === 1;
  });
  if (onExpiry === undefined) return { kind: 'missing' };
  const name = String(onExpiry.name);
  const seconds = onExpiry.expireAfterSeconds;
  if (typeof seconds !== 'number') return { kind: 'not-ttl', name };
  if (seconds !== TTL_GRACE_SECONDS) return { kind: 'stale', name, expireAfterSeconds: seconds };
  return { kind: 'ready' };
}

/** The shell command that moves an existing TTL index to the grace period, for messages. */
export function collModCommand(collectionName: string): string {
  return (
    `db.runCommand({ collMod: ${JSON.stringify(collectionName)}, index: { keyPattern: { expiresAt: 1 }, ` +
    `expireAfterSeconds: ${TTL_GRACE_SECONDS} } })`
  );
}

/** What to do about a TTL state, in one sentence, for the warning and the errors. */
export function ttlAdvice(state: TtlState, collectionName: string): string | null {
  switch (state.kind) {
    case 'ready':
      return null;
    case 'stale':
      return state.expireAfterSeconds < TTL_GRACE_SECONDS
        ? `the TTL index ${state.name} deletes sessions ${state.expireAfterSeconds} s after they expire on the ` +
            `server's clock, so a server clock ahead of the app's deletes live sessions; give it the grace ` +
            `period: ${collModCommand(collectionName)}`
        : `the TTL index ${state.name} deletes sessions ${state.expireAfterSeconds} s after they expire, not ` +
            `${TTL_GRACE_SECONDS} s: expired sessions take that much longer to go; ${collModCommand(collectionName)}`;
    case 'not-ttl':
      return (
        `the index ${state.name} on expiresAt is not a TTL index, so MongoDB never deletes expired ` +
        `sessions (they stay until prune() runs); drop it (db.collection.dropIndex(name)) and call ensureIndexes(), or create the ` +
        'indexes of SESSION_INDEXES yourself'
      );
    case 'missing':
      return (
        'there is no TTL index on expiresAt and the store could not create it, so MongoDB never ' +
        'deletes expired sessions (they stay until prune() runs); call ensureIndexes() with a user ' +
        'that has the createIndex privilege, or create the indexes of SESSION_INDEXES in a migration'
      );
  }
}

/** Creates and checks the indexes of one store. */
export interface IndexKeeper {
  /** False once the store found that MongoDB does not expire its documents (see the file comment). */
  readonly nativeExpiry: boolean;
  /** `ensureIndexes()`: creates the indexes, moves an old TTL index to the grace period. */
  ensure(): Promise<void>;
  /** Starts the first-use check in the background, once; never rejects. */
  onFirstUse(): void;
}

/**
 * The index keeper of a store on `collection`. With the `db` (the store was given a `Db`), an old
 * TTL index is moved to the grace period with `collMod`; with only a `Collection`, the error says
 * which command to run. `warn` is called at most once per store.
 */
export function createIndexKeeper(
  collection: MongoCollectionLike,
  db: MongoDbLike | undefined,
  warn: (message: string) => void = (message) =>
    process.emitWarning(message, { code: 'SESSIONKIT_MONGODB_INDEXES' }),
): IndexKeeper {
  const name = collection.collectionName ?? 'sessions';
  let nativeExpiry = true;
  let started = false;
  let warned = false;
  let attempts = 0;

  const create = () =>
    collection.createIndexes(SESSION_INDEXES.map((spec) => ({ ...spec, key: { ...spec.key } })));
  const state = async () => ttlState(await collection.listIndexes().toArray());

  const ensure = async (): Promise<void> => {
    try {
      await create();
      nativeExpiry = true;
      return;
    } catch (error) {
      if (!INDEX_CONFLICTS.has(codeOf(error) as number)) throw storeError(STORE, 'ensureIndexes', error);
      const found = await state().catch(() => ({ kind: 'missing' }) as const);
      if (found.kind === 'stale' && db?.command !== undefined) {
        // createIndexes cannot change expireAfterSeconds of an existing index; collMod can, in place.
        await db
          .command({
            collMod: name,
            index: { keyPattern: { expiresAt: 1 }, expireAfterSeconds: TTL_GRACE_SECONDS },
          })
          .catch((cause: unknown) => {
            throw storeError(STORE, 'ensureIndexes (collMod)', cause);
          });
        await create().catch((cause: unknown) => {
          throw storeError(STORE, 'ensureIndexes', cause);
        });
        nativeExpiry = true;
        return;
      }
      const advice = found.kind === 'missing' || found.kind === 'ready' ? null : ttlAdvice(found, name);
      throw new SessionStoreError(
        `${STORE}: ensureIndexes() found an index on expiresAt or ownerId with other options ` +
          `(${messageOf(error)}). ${advice === null ? 'Drop that index (db.collection.dropIndex(name)) and call ensureIndexes() again, or create the indexes of SESSION_INDEXES yourself.' : `Fix: ${advice}.`}`,
        { cause: error },
      );
    }
  };

  const firstUse = async (): Promise<void> => {
    attempts += 1;
    try {
      await ensure();
      return;
    } catch {
      // No privilege, a conflicting index, or no server: look at what is there instead.
    }
    let found: TtlState;
    try {
      found = await state();
    } catch {
      // Nothing is known (an unreachable server, a closed client): a later operation tries again.
      if (attempts < MAX_ATTEMPTS) started = false;
      return;
    }
    // A stale TTL index still expires documents; a missing or non-TTL one does not.
    nativeExpiry = found.kind === 'ready' || found.kind === 'stale';
    const advice = ttlAdvice(found, name);
    if (advice !== null && !warned) {
      warned = true;
      warn(`sessionkit ${STORE} on collection ${name}: ${advice}.`);
    }
  };

  return {
    get nativeExpiry() {
      return nativeExpiry;
    },
    ensure,
    onFirstUse() {
      if (started) return;
      started = true;
      void firstUse();
    },
  };
}
