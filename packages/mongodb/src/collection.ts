/**
 * The part of the MongoDB driver the store uses, as structural types: `mongodb` is a peer
 * dependency the app owns, so the store never imports it at run time and works with the app's
 * copy of the driver (a `Collection` or `Db` of mongodb 6 or later satisfies these types).
 */

/** A BSON document as the store builds or reads it. */
export type MongoDocument = Record<string, unknown>;

/** The result of `updateOne` / `replaceOne`, as far as the store reads it. */
export interface MongoUpdateResult {
  matchedCount: number;
}

/** The result of `deleteOne` / `deleteMany`, as far as the store reads it. */
export interface MongoDeleteResult {
  deletedCount: number;
}

/** One index as `createIndexes` takes it. */
export interface MongoIndexSpec {
  key: Record<string, 1>;
  expireAfterSeconds?: number;
  sparse?: boolean;
}

/** The methods of a driver `Collection` the store calls. */
export interface MongoCollectionLike {
  readonly collectionName?: string;
  findOne(filter: MongoDocument, options?: MongoDocument): Promise<MongoDocument | null>;
  find(filter: MongoDocument, options?: MongoDocument): { toArray(): Promise<MongoDocument[]> };
  replaceOne(
    filter: MongoDocument,
    replacement: MongoDocument,
    options?: { upsert?: boolean },
  ): Promise<MongoUpdateResult>;
  updateOne(filter: MongoDocument, update: MongoDocument): Promise<MongoUpdateResult>;
  deleteOne(filter: MongoDocument): Promise<MongoDeleteResult>;
  deleteMany(filter: MongoDocument): Promise<MongoDeleteResult>;
  countDocuments(filter: MongoDocument): Promise<number>;
  createIndexes(indexes: MongoIndexSpec[]): Promise<string[]>;
  listIndexes(): { toArray(): Promise<MongoDocument[]> };
}

/** A driver `Db`: the store takes its collection by name. */
export interface MongoDbLike {
  readonly databaseName?: string;
  collection(name: string): MongoCollectionLike;
  /** Runs a database command; used for `collMod` (moving an old TTL index to the grace period). */
  command?(command: MongoDocument): Promise<MongoDocument>;
}

/** Tells a `Db` from a `Collection` by shape (a `Db` has `collection()` and no `findOne()`). */
export function isDbLike(value: unknown): value is MongoDbLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { collection?: unknown }).collection === 'function' &&
    typeof (value as { findOne?: unknown }).findOne !== 'function'
  );
}

const COLLECTION_METHODS = [
  'findOne',
  'find',
  'replaceOne',
  'updateOne',
  'deleteOne',
  'deleteMany',
  'countDocuments',
  'createIndexes',
  'listIndexes',
] as const;

/** The methods of {@link MongoCollectionLike} that `value` lacks (all of them when not an object). */
export function missingCollectionMethods(value: unknown): string[] {
  if (typeof value !== 'object' || value === null) return [...COLLECTION_METHODS];
  return COLLECTION_METHODS.filter(
    (method) => typeof (value as Record<string, unknown>)[method] !== 'function',
  );
}
