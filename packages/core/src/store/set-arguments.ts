/**
 * The one check of what reaches a store's `set`. Core never passes anything else, but a store is
 * also called by third-party code: a wrong type must fail as a SessionStoreError naming the
 * argument, not as a TypeError deep in a driver, and never be written (a record written with a
 * negative version would read back as corrupt, see checkStoredRecord).
 */
import { SessionStoreError } from '../errors';
import type { SetOptions } from './store';

/** What {@link checkSetArguments} returns: the values a store writes, normalised. */
export interface CheckedSetArguments {
  /** The owner, `null` when the record has none (`undefined` is normalised). */
  ownerId: string | null;
  /** The version a compare-and-set expects, or undefined for an insert. */
  expectedVersion: number | undefined;
}

/**
 * Checks the arguments of `set(key, record, options)`: the key is a string, the payload bytes,
 * the version a non-negative safe integer, `expiresAt` a number (not NaN; `Infinity` is an
 * unlimited session), the owner a string or absent, and `expectedVersion` absent or a safe
 * integer. Throws a SessionStoreError `<store> set: <argument> must be …`. A store adds only
 * what its backend needs on top (an integer expiry, key length or encoding limits).
 *
 * @param store The store's label, e.g. `'File store'`.
 * @throws SessionStoreError on the first argument that is wrong.
 *
 * @example
 * set: async (key, record, options) => {
 *   const { ownerId, expectedVersion } = checkSetArguments('Acme store', key, record, options);
 *   // … write record.payload, record.version, record.expiresAt, ownerId
 * }
 */
export function checkSetArguments(
  store: string,
  key: unknown,
  record: unknown,
  options: SetOptions | undefined,
): CheckedSetArguments {
  const invalid = (message: string) => new SessionStoreError(`${store} set: ${message}.`);
  if (typeof key !== 'string') throw invalid(`the key must be a string (got ${typeof key})`);
  if (typeof record !== 'object' || record === null) {
    throw invalid(`the record must be an object (got ${record === null ? 'null' : typeof record})`);
  }
  const { payload, version, expiresAt, ownerId } = record as Record<string, unknown>;
  if (!(payload instanceof Uint8Array)) throw invalid('record.payload must be a Uint8Array');
  if (!Number.isSafeInteger(version) || (version as number) < 0) {
    throw invalid(`record.version must be a non-negative integer (got ${String(version)})`);
  }
  if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
    throw invalid(`record.expiresAt must be epoch milliseconds (got ${String(expiresAt)})`);
  }
  if (ownerId !== undefined && ownerId !== null && typeof ownerId !== 'string') {
    throw invalid(`record.ownerId must be a string or null (got ${typeof ownerId})`);
  }
  const expectedVersion = options?.expectedVersion;
  if (expectedVersion !== undefined && !Number.isSafeInteger(expectedVersion)) {
    throw invalid(`expectedVersion must be an integer (got ${String(expectedVersion)})`);
  }
  return { ownerId: (ownerId as string | null | undefined) ?? null, expectedVersion };
}
