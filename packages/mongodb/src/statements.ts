/**
 * Every filter and update the store sends, built by pure functions so their exact shape has unit
 * tests without a server. Each write is a single-document operation, which MongoDB applies
 * atomically: the filter is evaluated and the change applied as one step, so a condition in the
 * filter (a version, an expiry) cannot be invalidated by a concurrent writer in between.
 *
 * The time `now` is the app's clock, passed in: expiry is decided by core on the same clock, and
 * the TTL monitor (server clock) only removes documents long after they stopped being served.
 */
import type { StoredRecord } from '@sessionkit/core';
import type { MongoDocument, MongoIndexSpec } from './collection';
import { checkKey, checkOwnerId, checkRecord, checkVersion, toDate } from './records';

/**
 * Seconds the TTL monitor waits past `expiresAt` before deleting a document. The monitor runs on
 * the server's clock and the store's filters on the app's: with `expireAfterSeconds: 0`, a server
 * clock a little ahead deletes a session the app still serves, possibly right before the touch
 * that would have extended it. Reads filter on `expiresAt` (the app's clock), so the grace period
 * never serves an expired session; it only leaves expired documents on disk a little longer.
 */
export const TTL_GRACE_SECONDS = 300;

/**
 * The indexes `ensureIndexes()` creates (and the store creates on first use, best effort), for
 * apps that manage indexes in their own migrations. `_id` (the storage key) is unique by nature
 * and needs nothing.
 *
 * - `expiresAt_1`: a TTL index with `expireAfterSeconds` {@link TTL_GRACE_SECONDS}, so MongoDB
 *   deletes a document five minutes after its `expiresAt` has passed (the TTL monitor runs about
 *   once a minute; reads filter expired documents themselves). It also serves `count()` and `prune()`.
 * - `ownerId_1`: sparse, so sessions without an owner (the field is left out) take no space in
 *   it; serves `listByOwner()` and `destroyByOwner()`.
 */
export const SESSION_INDEXES: readonly Readonly<MongoIndexSpec>[] = Object.freeze([
  Object.freeze({ key: Object.freeze({ expiresAt: 1 as const }), expireAfterSeconds: TTL_GRACE_SECONDS }),
  Object.freeze({ key: Object.freeze({ ownerId: 1 as const }), sparse: true }),
]);

/** A filter and an update document for `updateOne`. */
export interface UpdateStatement {
  filter: MongoDocument;
  update: MongoDocument;
}

/** A filter, a replacement document and options for `replaceOne`. */
export interface ReplaceStatement {
  filter: MongoDocument;
  replacement: MongoDocument;
  options: { upsert: true };
}

/** A find filter with its options. */
export interface FindStatement {
  filter: MongoDocument;
  options: MongoDocument;
}

const live = (now: number) => ({ $gt: toDate(now, 'now') });
const expired = (now: number) => ({ $lte: toDate(now, 'now') });

/** `findOne`: the live document of the key (the TTL monitor is lazy, so the filter checks expiry). */
export function getStatement(key: string): FindStatement {
  return {
    // Expired or not: the store checks the document with core's validator first, so a corrupt
    // expiry (a negative date, a string) is reported rather than passing unseen as "expired".
    filter: { _id: checkKey(key) },
    options: { projection: { payload: 1, version: 1, expiresAt: 1, ownerId: 1, details: 1 } },
  };
}

/**
 * `replaceOne` with upsert, for an insert. The filter matches only an expired document under the
 * key, which is replaced in place. When there is none, the upsert inserts a new document; if a
 * live one exists, the filter did not match it, so that insert collides with it on the unique
 * `_id` and the server answers with a duplicate-key error (E11000), which the store reports as a
 * conflict. Concurrent inserts therefore resolve through the `_id` index: exactly one wins,
 * whether the key was free or held an expired session.
 *
 * `ownerId` is left out rather than stored as null, so the sparse owner index skips the document.
 */
export function insertStatement(key: string, record: StoredRecord, now: number): ReplaceStatement {
  const checked = checkRecord(key, record);
  const replacement: MongoDocument = {
    _id: checked.id,
    payload: checked.payload,
    version: checked.version,
    expiresAt: checked.expiresAt,
    createdAt: toDate(now, 'now'),
  };
  if (checked.ownerId !== null) replacement.ownerId = checked.ownerId;
  // Session-list details, and the time of this write as last active: only when the app set some.
  if (checked.details !== null) Object.assign(replacement, detailsFields(checked.details, now));
  return { filter: { _id: checked.id, expiresAt: expired(now) }, replacement, options: { upsert: true } };
}

/**
 * `updateOne` for a compare-and-set: it matches only when the live document still has the
 * expected version, so of concurrent writers from one version exactly one matches and the others
 * see `matchedCount: 0`. `createdAt` is kept; clearing the owner unsets the field.
 */
export function compareAndSetStatement(
  key: string,
  record: StoredRecord,
  expectedVersion: number,
  now: number,
): UpdateStatement {
  const checked = checkRecord(key, record);
  const filter = {
    _id: checked.id,
    version: checkVersion(expectedVersion, 'expectedVersion'),
    expiresAt: live(now),
  };
  const set: MongoDocument = {
    payload: checked.payload,
    version: checked.version,
    expiresAt: checked.expiresAt,
  };
  const unset: MongoDocument = {};
  if (checked.ownerId !== null) set.ownerId = checked.ownerId;
  else unset.ownerId = '';
  if (checked.details !== null) Object.assign(set, detailsFields(checked.details, now));
  else Object.assign(unset, { details: '', activeAt: '' });
  return { filter, update: Object.keys(unset).length === 0 ? { $set: set } : { $set: set, $unset: unset } };
}

/** `updateOne` for touch: moves the expiry of a live document only, so it never resurrects one. */
export function touchStatement(key: string, expiresAt: number, now: number): UpdateStatement {
  return {
    filter: { _id: checkKey(key), expiresAt: live(now) },
    // activeAt is the last-active time of a session list; harmless on a document without details.
    update: { $set: { expiresAt: toDate(expiresAt), activeAt: toDate(now, 'now') } },
  };
}

function detailsFields(details: string, now: number): MongoDocument {
  return { details, activeAt: toDate(now, 'now') };
}

/**
 * `deleteOne` for destroyOwned: the document of the key only while it belongs to the owner, live
 * (`live`: true, what destroyOwned reports) or expired (removed as well, reported as false).
 */
export function destroyOwnedFilter(
  ownerId: string,
  key: string,
  now: number,
  isLive: boolean,
): MongoDocument {
  return { _id: checkKey(key), ownerId: checkOwnerId(ownerId), expiresAt: isLive ? live(now) : expired(now) };
}

/** `deleteOne` for destroy. */
export function destroyFilter(key: string): MongoDocument {
  return { _id: checkKey(key) };
}

/**
 * `deleteMany` for destroyByOwner, in two steps like the SQL stores: the owner's live documents
 * first (their number is what destroyByOwner resolves, so every store counts the same thing),
 * then whatever is left of the owner (expired documents the TTL monitor has not removed yet).
 */
export function ownerFilters(ownerId: string, now: number): { live: MongoDocument; rest: MongoDocument } {
  const owner = checkOwnerId(ownerId);
  return { live: { ownerId: owner, expiresAt: live(now) }, rest: { ownerId: owner } };
}

/** `find` for listByOwner: the live documents of the owner, projected to key and expiry. */
export function listByOwnerStatement(ownerId: string, now: number): FindStatement {
  return {
    filter: { ownerId: checkOwnerId(ownerId), expiresAt: live(now) },
    options: { projection: { _id: 1, expiresAt: 1, details: 1, activeAt: 1 } },
  };
}

/** `countDocuments` for count: live documents only. */
export function countFilter(now: number): MongoDocument {
  return { expiresAt: live(now) };
}

/**
 * tally's statements: `countDocuments` of the live and of the expired documents (waiting for the
 * TTL monitor or a prune), and a `find` of the live owned documents projected to their owner, to
 * count them and their distinct owners (an operator's command: it reads every owned document).
 */
export function tallyStatements(now: number): {
  live: MongoDocument;
  expired: MongoDocument;
  owned: FindStatement;
} {
  return {
    live: { expiresAt: live(now) },
    expired: { expiresAt: expired(now) },
    owned: {
      filter: { expiresAt: live(now), ownerId: { $type: 'string' } },
      options: { projection: { _id: 0, ownerId: 1 } },
    },
  };
}

/** `deleteMany` for prune: documents whose expiry has passed. */
export function pruneFilter(now: number): MongoDocument {
  return { expiresAt: expired(now) };
}

/** `deleteMany` for clear: every document of the collection. */
export function clearFilter(): MongoDocument {
  return {};
}
