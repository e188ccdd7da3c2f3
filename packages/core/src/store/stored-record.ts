/**
 * The one validator for records read back from a backend. Every store hands it the fields it
 * read, as the driver returned them, instead of trusting them: a database is shared state, and a
 * record written by anything but sessionkit (a script, a bug, an attacker with write access)
 * must end as "corrupt", never as a live session with `version: NaN` that no write can replace.
 */
import { SessionCorruptRecordError } from '../errors';
import type { StoredRecord } from './store';

/** The fields of one record as a backend returned them, before any check. */
export interface StoredRecordFields {
  /** Bytes (a `Buffer` is fine; it is copied). `null`/`undefined` when the backend holds none. */
  payload: unknown;
  /** A number, a bigint, or a decimal string (Redis fields, PostgreSQL BIGINT). */
  version: unknown;
  /** Epoch ms as a number, a bigint, or a decimal string. */
  expiresAt: unknown;
  /** A string, or `null`/`undefined` for no owner. */
  ownerId: unknown;
  /** A string, or `null`/`undefined` for none (see StoredRecord.details); leave out when the backend keeps none. */
  details?: unknown;
}

/** The outcome of {@link checkStoredRecord}: the record, or what is wrong with it. */
export type StoredRecordCheck = { ok: true; record: StoredRecord } | { ok: false; reason: string };

const DECIMAL = /^-?(0|[1-9][0-9]*)$/;

/**
 * Checks the fields a store read back: payload bytes, a safe non-negative integer version, a
 * safe non-negative integer expiry (or `Infinity`, an unlimited session on a backend that holds
 * it), and an owner that is a string or absent. Never throws.
 *
 * @example
 * const checked = checkStoredRecord({ payload, version: row.version, expiresAt: row.expires_at, ownerId });
 * if (!checked.ok) console.warn(checked.reason);
 */
export function checkStoredRecord(fields: StoredRecordFields): StoredRecordCheck {
  const { payload, ownerId } = fields;
  if (payload === null || payload === undefined) return bad('payload is missing');
  if (!(payload instanceof Uint8Array)) return bad(`payload is ${describe(payload)}, not bytes`);
  const version = integer(fields.version);
  if (version === null || version < 0) {
    return bad(`version is not a non-negative integer (got ${describe(fields.version)})`);
  }
  const expiresAt = fields.expiresAt === Number.POSITIVE_INFINITY ? Infinity : integer(fields.expiresAt);
  if (expiresAt === null || expiresAt < 0) {
    return bad(`expiresAt is not a non-negative integer epoch ms (got ${describe(fields.expiresAt)})`);
  }
  if (ownerId !== null && ownerId !== undefined && typeof ownerId !== 'string') {
    return bad(`ownerId is ${describe(ownerId)}, not a string`);
  }
  const details = fields.details ?? null;
  if (details !== null && typeof details !== 'string')
    return bad(`details is ${describe(details)}, not text`);
  // A plain copy: drivers may hand out a Buffer that is a view into a larger, reused buffer.
  const record: StoredRecord = {
    payload: new Uint8Array(payload),
    version,
    expiresAt,
    ownerId: ownerId ?? null,
  };
  // Only set when there are some, so records without details keep the shape they always had.
  if (details !== null) record.details = details;
  return { ok: true, record };
}

/**
 * {@link checkStoredRecord}, rejecting a corrupt record with `SessionCorruptRecordError` (what a
 * store's `get` does, so that core reports it and treats the session as absent).
 *
 * @example
 * get: async (key) => {
 *   const row = await db.find(key);
 *   if (!row) return null;
 *   const record = readStoredRecord(key, row);
 *   return record.expiresAt > Date.now() ? record : null;
 * }
 */
export function readStoredRecord(key: string, fields: StoredRecordFields): StoredRecord {
  const checked = checkStoredRecord(fields);
  if (!checked.ok) throw new SessionCorruptRecordError(key, checked.reason);
  return checked.record;
}

/** A safe integer from a number, bigint or strict decimal string; null for anything else. */
function integer(value: unknown): number | null {
  let n: number;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'bigint') n = Number(value);
  else if (typeof value === 'string' && DECIMAL.test(value)) n = Number(value);
  else return null;
  return Number.isSafeInteger(n) ? n : null;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  return `${typeof value} ${String(value)}`;
}

function bad(reason: string): StoredRecordCheck {
  return { ok: false, reason };
}

/** What a store that keeps records in memory holds of one (the memory store, the persistent tier). */
export interface HeldRecord {
  payload: Uint8Array;
  version: number;
  expiresAt: number;
  ownerId: string | null;
  /** Session-list details, or null when the session has none. */
  details: string | null;
}

/**
 * A copy of a record held in memory, as the store contract returns it. The payload is copied so
 * that a caller changing the bytes it got cannot change the stored session; `details` appears
 * only when the session has them, as every other store returns it.
 *
 * @example
 * async get(key) {
 *   const held = entries.get(key);
 *   return held === undefined ? null : copyHeldRecord(held);
 * }
 */
export function copyHeldRecord(held: HeldRecord): StoredRecord {
  const record: StoredRecord = {
    payload: new Uint8Array(held.payload),
    version: held.version,
    expiresAt: held.expiresAt,
    ownerId: held.ownerId,
  };
  if (held.details !== null) record.details = held.details;
  return record;
}
