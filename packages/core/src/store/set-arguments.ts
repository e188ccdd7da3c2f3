/**
 * The one check of what reaches a store's `set`. Core never passes anything else, but a store is
 * also called by third-party code: a wrong type must fail as a SessionStoreError naming the
 * argument, not as a TypeError deep in a driver, and never be written (a record written with a
 * negative version would read back as corrupt, see checkStoredRecord).
 */
import { SessionStoreError } from '../errors';
import { MAX_SESSION_DETAILS_LENGTH, type SetOptions, type StoreCapabilities } from './store';

/** What {@link checkSetArguments} returns: the values a store writes, normalised. */
export interface CheckedSetArguments {
  /** The owner, `null` when the record has none (`undefined` is normalised). */
  ownerId: string | null;
  /** The version a compare-and-set expects, or undefined for an insert. */
  expectedVersion: number | undefined;
  /** The key of the record this insert replaces ({@link SetOptions.replaces}), or undefined. */
  replaces: string | undefined;
  /** The record's details (see StoredRecord.details), `null` when none. */
  details: string | null;
}

/**
 * Checks the arguments of `set(key, record, options)`: the key is a string, the payload bytes,
 * the version a non-negative safe integer, `expiresAt` a number (not NaN; `Infinity` is an
 * unlimited session), the owner a string or absent, `expectedVersion` absent or a safe integer,
 * and `replaces` absent, or a string other than the key, given with an insert to a store that
 * declares `replaceOnInsert`. Throws a SessionStoreError `<store> set: <argument> must be …`.
 * A store adds only what its backend needs on top (an integer expiry, key length or encoding
 * limits).
 *
 * @param store The store's label, e.g. `'File store'`.
 * @param capabilities The store's capabilities. `replaces` is refused unless `replaceOnInsert`
 *   is true (and when this is absent), so a store never silently keeps the record a login meant
 *   to delete.
 * @throws SessionStoreError on the first argument that is wrong.
 *
 * @example
 * set: async (key, record, options) => {
 *   const { ownerId, expectedVersion, replaces } =
 *     checkSetArguments('Acme store', key, record, options, CAPABILITIES);
 *   // … write record.payload, record.version, record.expiresAt, ownerId; then delete `replaces`
 * }
 */
export function checkSetArguments(
  store: string,
  key: unknown,
  record: unknown,
  options: SetOptions | undefined,
  capabilities?: Pick<StoreCapabilities, 'replaceOnInsert'>,
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
  const details = (record as Record<string, unknown>).details ?? null;
  if (details !== null) {
    if (typeof details !== 'string')
      throw invalid(`record.details must be a string or null (got ${typeof details})`);
    if (details.length > MAX_SESSION_DETAILS_LENGTH) {
      throw invalid(
        `record.details must be at most ${MAX_SESSION_DETAILS_LENGTH} characters (got ${details.length})`,
      );
    }
    if (ownerId === undefined || ownerId === null) throw invalid('record.details needs record.ownerId');
  }
  const expectedVersion = options?.expectedVersion;
  if (expectedVersion !== undefined && !Number.isSafeInteger(expectedVersion)) {
    throw invalid(`expectedVersion must be an integer (got ${String(expectedVersion)})`);
  }
  const replaces = options?.replaces;
  if (replaces !== undefined) {
    if (capabilities?.replaceOnInsert !== true) {
      throw invalid(
        'options.replaces is not supported by this store (capabilities.replaceOnInsert is false)',
      );
    }
    if (typeof replaces !== 'string') {
      throw invalid(`options.replaces must be a string (got ${typeof replaces})`);
    }
    if (expectedVersion !== undefined) {
      throw invalid('options.replaces must not be given with expectedVersion (only an insert replaces)');
    }
    // The insert writes `key` and then deletes `replaces`: the same key would delete what was written.
    if (replaces === key) throw invalid('options.replaces must not be the key being written');
  }
  return { ownerId: (ownerId as string | null | undefined) ?? null, expectedVersion, replaces, details };
}
