import { SessionConfigError } from '@sessionkit/core';
import { isDbLike, type MongoCollectionLike, type MongoDbLike, missingCollectionMethods } from './collection';

/** Options of {@link createMongoStore}. */
export interface MongoStoreOptions {
  /**
   * Name of the collection, used only when a `Db` is passed. When you pass a `Collection`, it is
   * the collection. Give each app (or each store of one app) its own collection: `clear()`
   * empties the whole collection.
   * @default 'sessions'
   */
  collectionName?: string;
}

const KNOWN_OPTIONS = new Set<string>(['collectionName']);

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}

function fail(message: string): never {
  throw new SessionConfigError(`createMongoStore: ${message}`);
}

function checkCollectionName(name: unknown): string {
  if (typeof name !== 'string' || name === '') {
    fail(`\`collectionName\` must be a non-empty string (got ${show(name)}).`);
  }
  // MongoDB refuses these names on the first write; saying so at construction is friendlier.
  if (name.includes('$') || name.includes('\0') || name.startsWith('system.')) {
    fail(
      `\`collectionName\` ${JSON.stringify(name)} is not a valid MongoDB collection name: ` +
        "it must not contain '$' or NUL, nor start with 'system.'.",
    );
  }
  return name;
}

/** The collection, and the `Db` when the store was given one (for `collMod`). */
export interface ResolvedCollection {
  collection: MongoCollectionLike;
  db?: MongoDbLike;
}

/** Picks the collection from a `Collection` or a `Db` and validates the options. */
export function resolveCollection(
  collectionOrDb: MongoCollectionLike | MongoDbLike,
  options: MongoStoreOptions = {},
): ResolvedCollection {
  if (typeof options !== 'object' || options === null) {
    fail("options must be an object, e.g. createMongoStore(db, { collectionName: 'sessions' }).");
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) {
      fail(
        `unknown option \`${name}\`. The MongoDB store keeps each store in its own collection: ` +
          "pass a Collection, or a Db with { collectionName: 'sessions' }.",
      );
    }
  }
  if (isDbLike(collectionOrDb)) {
    const name = checkCollectionName(options.collectionName ?? 'sessions');
    const collection = collectionOrDb.collection(name);
    const missing = missingCollectionMethods(collection);
    if (missing.length > 0) fail(`db.collection(${JSON.stringify(name)}) has no ${missing.join(', ')}().`);
    return { collection, db: collectionOrDb };
  }
  if (typeof (collectionOrDb as { db?: unknown } | null)?.db === 'function') {
    fail("this looks like a MongoClient; pass client.db('app') or client.db('app').collection('sessions').");
  }
  const missing = missingCollectionMethods(collectionOrDb);
  if (missing.length > 0) {
    fail(
      'pass a MongoDB Collection or Db from a client your app owns, e.g. ' +
        "createMongoStore(client.db('app').collection('sessions')) " +
        `(the value given has no ${missing.join(', ')}()).`,
    );
  }
  if (options.collectionName !== undefined) {
    fail(
      '`collectionName` applies only when a Db is passed; this is already a Collection. ' +
        "Remove the option, or pass the Db: createMongoStore(db, { collectionName: 'sessions' }).",
    );
  }
  return { collection: collectionOrDb };
}
