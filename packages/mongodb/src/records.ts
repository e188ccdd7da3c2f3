/**
 * Checks of what goes into a statement and decoding of what comes back. Every value that ends up
 * in a filter is checked here first: the key usually comes from a cookie, and a non-string
 * (`{ $gt: '' }`) in a filter would turn an equality into a query operator.
 */
import {
  checkSetArguments,
  type OwnedSession,
  readStoredRecord,
  SessionCorruptRecordError,
  SessionStoreError,
  type StoredRecord,
} from '@sessionkit/core';
import type { MongoDocument } from './collection';

// BSON strings are UTF-8: the driver turns a lone surrogate into U+FFFD, so two different keys
// (or owner ids) would silently share one document. Core never produces them; reject them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The range of a JavaScript (and BSON) Date: ±100,000,000 days around the epoch. */
const MAX_DATE_MS = 8.64e15;

/** The label of the store's messages. */
export const STORE = 'MongoDB store';

function invalid(message: string): never {
  throw new SessionStoreError(`${STORE}: ${message}`);
}

function checkText(value: unknown, what: string): string {
  if (typeof value !== 'string') invalid(`${what} must be a string (got ${typeof value}).`);
  if (LONE_SURROGATE.test(value)) {
    invalid(`${what} is not well-formed Unicode (a lone surrogate), so MongoDB cannot store it exactly.`);
  }
  return value;
}

/** A storage key, safe to use as `_id` in a filter. */
export function checkKey(key: unknown): string {
  return checkText(key, 'the session key');
}

/** An owner id, safe to use in a filter. */
export function checkOwnerId(ownerId: unknown): string {
  return checkText(ownerId, 'ownerId');
}

/** A version or expected version: a non-negative safe integer, never an operator object. */
export function checkVersion(version: unknown, what: string): number {
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 0) {
    invalid(`${what} must be a non-negative integer (got ${String(version)}).`);
  }
  return version;
}

/**
 * Epoch ms as a BSON Date. A NaN would serialize as the epoch (an expired session, silently), so
 * it is rejected; ±Infinity, which no Date can hold, is clamped to the end of the Date range.
 */
export function toDate(ms: unknown, what = 'expiresAt'): Date {
  if (typeof ms !== 'number' || Number.isNaN(ms)) {
    invalid(`${what} must be epoch milliseconds (got ${String(ms)}).`);
  }
  return new Date(Math.max(-MAX_DATE_MS, Math.min(MAX_DATE_MS, ms)));
}

/** The record fields every write stores, checked. */
export interface CheckedRecord {
  /** The key, safe to use as `_id`. */
  id: string;
  payload: Uint8Array;
  version: number;
  expiresAt: Date;
  ownerId: string | null;
  /** Session-list details (only with an owner), or null. */
  details: string | null;
}

/**
 * Checks the key and record passed to `set` (core's checks of every store, then MongoDB's own:
 * well-formed Unicode, an expiry a BSON Date can hold) and converts the expiry to a Date.
 */
export function checkRecord(key: unknown, record: StoredRecord): CheckedRecord {
  const { ownerId, details } = checkSetArguments(STORE, key, record, undefined);
  return {
    id: checkKey(key),
    payload: record.payload,
    version: record.version,
    expiresAt: toDate(record.expiresAt),
    ownerId: ownerId === null ? null : checkOwnerId(ownerId),
    details,
  };
}

/**
 * The bytes of a payload as the driver returns it: a BSON `Binary` by default (its `buffer`
 * holds `position` bytes), or a Buffer when the app set `promoteBuffers`. Copied into a plain
 * Uint8Array, so no Buffer pool or driver object leaks to core.
 */
function payloadBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (typeof value === 'object' && value !== null) {
    const { buffer, position } = value as { buffer?: unknown; position?: unknown };
    if (buffer instanceof Uint8Array && typeof position === 'number') {
      return new Uint8Array(buffer.subarray(0, position));
    }
  }
  return null;
}

function malformed(doc: MongoDocument, field: string): never {
  throw new SessionStoreError(
    `MongoDB store: the document ${JSON.stringify(String(doc._id))} has no valid \`${field}\`; ` +
      'the sessions collection should hold only documents written by sessionkit.',
  );
}

/**
 * Decodes a session document read from the collection, through core's record validator: a
 * document nothing but sessionkit should have written (a string version, no payload, a negative
 * expiry) rejects with SessionCorruptRecordError, which core reports and removes.
 */
export function toStoredRecord(key: string, doc: MongoDocument): StoredRecord {
  const { expiresAt, payload } = doc;
  // The TTL index only expires BSON dates: any other type would live for ever, so it is corrupt.
  if (!(expiresAt instanceof Date)) {
    throw new SessionCorruptRecordError(key, `expiresAt is not a BSON date (got ${typeof expiresAt})`);
  }
  // Compare-and-set filters on { version: n }, which a string '1' never matches: every write
  // would conflict for ever. The validator accepts decimal strings (Redis, SQL drivers); not here.
  if (typeof doc.version !== 'number') {
    throw new SessionCorruptRecordError(key, `version is not a number (got ${typeof doc.version})`);
  }
  return readStoredRecord(key, {
    payload: payload === null || payload === undefined ? payload : (payloadBytes(payload) ?? payload),
    version: doc.version,
    expiresAt: expiresAt.getTime(),
    ownerId: doc.ownerId,
    details: doc.details,
  });
}

/** Decodes one entry of a `listByOwner` query (projected to `_id` and `expiresAt`). */
export function toOwnedSession(doc: MongoDocument): OwnedSession {
  if (typeof doc._id !== 'string') malformed(doc, '_id');
  if (!(doc.expiresAt instanceof Date)) malformed(doc, 'expiresAt');
  const lastActiveAt = doc.activeAt instanceof Date ? doc.activeAt.getTime() : null;
  return {
    key: doc._id,
    expiresAt: doc.expiresAt.getTime(),
    details: typeof doc.details === 'string' ? doc.details : null,
    lastActiveAt,
  };
}
