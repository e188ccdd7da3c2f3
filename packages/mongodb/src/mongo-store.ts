import {
  checkSetArguments,
  NO_CAPABILITIES,
  SessionConflictError,
  type StoreCapabilities,
  type StoreWith,
  storeError,
} from '@sessionkit/core';
import type { MongoCollectionLike, MongoDbLike } from './collection';
import { createIndexKeeper, type IndexKeeper } from './indexes';
import { type MongoStoreOptions, resolveCollection } from './options';
import { STORE, toOwnedSession, toStoredRecord } from './records';
import {
  clearFilter,
  compareAndSetStatement,
  countFilter,
  destroyFilter,
  destroyOwnedFilter,
  getStatement,
  insertStatement,
  listByOwnerStatement,
  ownerFilters,
  pruneFilter,
  tallyStatements,
  touchStatement,
} from './statements';
import { verifyMongoStore } from './verify';

/** A {@link SessionStore} on a MongoDB collection, with every optional capability. */
export interface MongoStore
  extends StoreWith<
    'destroyByOwner' | 'listByOwner' | 'destroyOwned' | 'count' | 'tally' | 'clear' | 'prune'
  > {
  /**
   * Creates the indexes of {@link SESSION_INDEXES} (a TTL index on `expiresAt` with a grace
   * period, a sparse index on `ownerId`) and waits for them. The store also tries this once, in the
   * background, on its first operation; call it yourself to see failures (it needs the
   * `createIndex` privilege) or from a migration. Idempotent. A TTL index from an older version
   * (`expireAfterSeconds: 0`) is moved to the grace period with `collMod` when the store was given
   * a `Db`. Rejects with a SessionStoreError when an index on the same field exists with other
   * options, saying how to fix it.
   */
  ensureIndexes(): Promise<void>;
}

const CAPABILITIES = Object.freeze({
  ...NO_CAPABILITIES,
  destroyByOwner: true,
  listByOwner: true,
  ownerDetails: true,
  count: true,
  tally: true,
  clear: true,
  prune: true,
  // Through the TTL index; reads never rely on it. Replaced by the index keeper's finding.
  nativeExpiry: true,
  // Collection.bulkWrite sends an insert and a delete as two commands, one round trip each, and
  // MongoClient.bulkWrite (one command) needs MongoDB 8 and the client, which the store is not
  // given: a login inserts, then destroys the old document separately, as before.
  replaceOnInsert: false,
  verify: true,
});

/** E11000: an insert (here, an upsert) hit an existing `_id`. */
const DUPLICATE_KEY = 11000;

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/**
 * The store's capabilities: `nativeExpiry` is read from the index keeper, so it turns false once
 * the store found no TTL index it could rely on (code that copies the object keeps what it saw).
 */
function capabilitiesOf(indexes: IndexKeeper): StoreCapabilities {
  return Object.freeze(
    Object.defineProperty({ ...CAPABILITIES }, 'nativeExpiry', {
      enumerable: true,
      get: () => indexes.nativeExpiry,
    }),
  ) as StoreCapabilities;
}

/**
 * Runs one driver call; a driver or server failure becomes a SessionStoreError with the original
 * as `cause`, while the store's own SessionErrors (conflicts, rejected keys) pass through.
 */
async function attempt<T>(operation: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (error) {
    throw storeError(STORE, operation, error);
  }
}

/**
 * Creates a session store on a MongoDB collection. The store uses the client the app owns and
 * never connects, closes or configures it: connection options, read and write concerns stay the
 * app's. One document per session; see the README for its shape and the indexes.
 *
 * @param collectionOrDb A driver `Collection`, or a `Db` (then `collectionName` picks the collection).
 * @throws SessionConfigError when given something that is not a Collection or Db, or invalid options.
 *
 * @example
 * import { MongoClient } from 'mongodb';
 * import { createMongoStore } from '@sessionkit/mongodb';
 *
 * const client = new MongoClient(process.env.MONGODB_URL!);
 * const store = createMongoStore(client.db('app'), { collectionName: 'sessions' });
 * await store.ensureIndexes(); // optional (the store tries on first use); idempotent
 */
export function createMongoStore(
  collectionOrDb: MongoCollectionLike | MongoDbLike,
  options?: MongoStoreOptions,
): MongoStore {
  const { collection, db } = resolveCollection(collectionOrDb, options);
  const indexes = createIndexKeeper(collection, db);
  const capabilities = capabilitiesOf(indexes);
  // The first operation that succeeds starts the index check (a no-op after that): after, not
  // beside it, because the driver closes a client whose first connection failed, and a second
  // command in flight would turn the operation's own error into "Topology is closed".
  const run = async <T>(operation: string, body: () => Promise<T>): Promise<T> => {
    const result = await attempt(operation, body);
    indexes.onFirstUse();
    return result;
  };

  return {
    capabilities,

    get: (key) =>
      run('get', async () => {
        const now = Date.now();
        const { filter, options: findOptions } = getStatement(key);
        const doc = await collection.findOne(filter, findOptions);
        if (doc === null) return null;
        const record = toStoredRecord(key, doc);
        return record.expiresAt > now ? record : null;
      }),

    set: (key, record, setOptions) =>
      run('set', async () => {
        // Refuses `replaces` (see CAPABILITIES) rather than ignoring it and keeping the old session.
        const { expectedVersion } = checkSetArguments(STORE, key, record, setOptions, capabilities);
        const now = Date.now();
        if (expectedVersion === undefined) {
          const insert = insertStatement(key, record, now);
          try {
            await collection.replaceOne(insert.filter, insert.replacement, insert.options);
          } catch (error) {
            // The upsert collided with a live document: another request owns this key.
            if (codeOf(error) === DUPLICATE_KEY) {
              throw new SessionConflictError('A live session already exists under this key', {
                cause: error,
              });
            }
            throw error;
          }
          return;
        }
        const { filter, update } = compareAndSetStatement(key, record, expectedVersion, now);
        const result = await collection.updateOne(filter, update);
        // Nothing matched: another version, an expired record, or no record at all.
        if (result.matchedCount === 0) throw new SessionConflictError();
      }),

    touch: (key, expiresAt) =>
      run('touch', async () => {
        const { filter, update } = touchStatement(key, expiresAt, Date.now());
        // matchedCount, not modifiedCount: touching to the same expiry still found a live record.
        return (await collection.updateOne(filter, update)).matchedCount > 0;
      }),

    destroy: (key) =>
      run('destroy', async () => (await collection.deleteOne(destroyFilter(key))).deletedCount > 0),

    destroyByOwner: (ownerId) =>
      run('destroyByOwner', async () => {
        const filters = ownerFilters(ownerId, Date.now());
        const destroyed = (await collection.deleteMany(filters.live)).deletedCount;
        await collection.deleteMany(filters.rest);
        return destroyed;
      }),

    destroyOwned: (ownerId, key) =>
      run('destroyOwned', async () => {
        const now = Date.now();
        // Key and owner in one filter: a document that moved to another owner is never matched.
        if ((await collection.deleteOne(destroyOwnedFilter(ownerId, key, now, true))).deletedCount > 0)
          return true;
        await collection.deleteOne(destroyOwnedFilter(ownerId, key, now, false));
        return false;
      }),

    listByOwner: (ownerId) =>
      run('listByOwner', async () => {
        const { filter, options: findOptions } = listByOwnerStatement(ownerId, Date.now());
        return (await collection.find(filter, findOptions).toArray()).map(toOwnedSession);
      }),

    count: () => run('count', () => collection.countDocuments(countFilter(Date.now()))),

    tally: () =>
      run('tally', async () => {
        const statements = tallyStatements(Date.now());
        const [live, expired, owned] = await Promise.all([
          collection.countDocuments(statements.live),
          collection.countDocuments(statements.expired),
          collection.find(statements.owned.filter, statements.owned.options).toArray(),
        ]);
        const owners = new Set(owned.map((document) => document.ownerId));
        return { live, expired, owned: owned.length, owners: owners.size };
      }),

    clear: () =>
      run('clear', async () => {
        await collection.deleteMany(clearFilter());
      }),

    prune: () =>
      run('prune', async () => (await collection.deleteMany(pruneFilter(Date.now()))).deletedCount),

    ensureIndexes: () => indexes.ensure(),

    verify(verifyOptions) {
      return verifyMongoStore(collection, this, verifyOptions);
    },
  };
}
