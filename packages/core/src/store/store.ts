/**
 * The contract between core and every backend. A store persists an opaque payload plus the few
 * fields it must index; it never mints IDs, never serializes user data and never computes expiry.
 * Every method returns a promise and rejects with a SessionError subclass: `SessionStoreError`
 * (with the driver's error as `cause`) for backend failures, `SessionConflictError` for a
 * compare-and-set mismatch.
 */

import type { VerifyOptions, VerifyReport } from './verify';

/** What a store persists for one session. */
export interface StoredRecord {
  /** The sealed envelope produced by core (header, codec, compression, encryption). Opaque bytes. */
  payload: Uint8Array;
  /** Incremented by core on every write; the compare-and-set token. Starts at 1. */
  version: number;
  /** Absolute expiry in epoch milliseconds, decided by core. */
  expiresAt: number;
  /** The user the session belongs to, for listing and revoking all of a user's sessions. */
  ownerId?: string | null;
  /**
   * What the owner's session list shows about this session: opaque text made by core (see
   * `readSessionDetails`), at most {@link MAX_SESSION_DETAILS_LENGTH} characters, only on a record
   * with an owner, and only when the app recorded some (`session.setOwner(id, meta)`). A store
   * whose `capabilities.ownerDetails` is true keeps it beside the owner, returns it from `get`
   * and `listByOwner`, and stamps {@link OwnedSession.lastActiveAt} whenever it writes or touches
   * such a record. Absent or null: none.
   */
  details?: string | null;
}

/** Options of {@link SessionStore.set}. */
export interface SetOptions {
  /**
   * Absent: insert. The write fails with `SessionConflictError` when a live (unexpired) record
   * already exists under the key; an expired one is replaced.
   * Present: compare-and-set. The write succeeds only when the live record's version equals this
   * value, and fails with `SessionConflictError` otherwise (including when the record is gone).
   */
  expectedVersion?: number;
  /**
   * An insert that replaces another session (a login: the session moves to a new ID, and the old
   * record must go, as a defence against session fixation). The storage key of the record being
   * replaced. Only for a store whose `capabilities.replaceOnInsert` is true: check it first
   * (sessionkit's other stores refuse the option, through `checkSetArguments`, but a store
   * written before it existed may ignore it). Only with an insert: never with `expectedVersion`,
   * never equal to the key being written.
   *
   * The insert happens exactly as without this option: a live record under the key rejects with
   * `SessionConflictError`, and then nothing is deleted. Only once the new record is written is
   * the replaced one deleted, whatever state it is in (as `destroy` does), and removed from its
   * owner's index. A key that holds nothing is fine: the call is then a plain insert. The store
   * does both in the same round trip to its backend.
   *
   * @default undefined: nothing is replaced
   *
   * @example
   * // Login: the session gets a new key, and the old one goes in the same round trip.
   * if (store.capabilities.replaceOnInsert) {
   *   await store.set(newKey, record, { replaces: oldKey });
   * } else {
   *   await store.set(newKey, record);
   *   await store.destroy(oldKey);
   * }
   */
  replaces?: string;
}

/** The longest {@link StoredRecord.details} a store must hold, in UTF-16 code units. */
export const MAX_SESSION_DETAILS_LENGTH = 1024;

/** One entry of {@link SessionStore.listByOwner}. */
export interface OwnedSession {
  /** The storage key (a hash of the session ID by default, never the ID itself). */
  key: string;
  expiresAt: number;
  /** The record's {@link StoredRecord.details}; only from a store with `capabilities.ownerDetails`. */
  details?: string | null;
  /**
   * When the record was last written or touched (epoch ms, the store's clock); recorded at least
   * for records with details, by a store with `capabilities.ownerDetails`. Null when unknown.
   */
  lastActiveAt?: number | null;
}

/** What {@link SessionStore.tally} counts, within this store's prefix / table / namespace. */
export interface StoreTally {
  /** Records that are live now. */
  live: number;
  /**
   * Expired records the backend still holds (waiting for a prune); null when the backend removes
   * them by itself and never shows them (Redis TTL).
   */
  expired: number | null;
  /** Live records that have an owner. */
  owned: number;
  /** Distinct owners among the live records. */
  owners: number;
}

/**
 * Optional operations a store declares instead of having them probed at run time. Each `true`
 * promises that the method of the same name exists.
 */
export interface StoreCapabilities {
  readonly destroyByOwner: boolean;
  readonly listByOwner: boolean;
  readonly count: boolean;
  readonly clear: boolean;
  /** Removes expired records; for backends without native expiry. */
  readonly prune: boolean;
  /** The backend expires records by itself (Redis TTL, Mongo TTL index). */
  readonly nativeExpiry: boolean;
  /**
   * `set` honours {@link SetOptions.replaces}: an insert that also deletes the record it
   * replaces, in the same round trip to the backend. When false, delete the old record with a
   * separate `destroy` (what the session manager does at login then).
   */
  readonly replaceOnInsert: boolean;
  /**
   * The store keeps counters of its own, read synchronously by `stats()` and reported by the
   * manager's `stats()` (the persistent tier does). @default false
   */
  readonly stats?: boolean;
  /**
   * The store has {@link SessionStore.verify}. Optional so that stores written before verify
   * existed still type-check; absent means false.
   */
  readonly verify?: boolean;
  /**
   * The store keeps {@link StoredRecord.details} and a last-active time with its owner index,
   * lists both in `listByOwner`, and has `destroyOwned` (end one session of a user). What
   * `manager.listSessions` and `manager.revokeSession` need.
   */
  readonly ownerDetails: boolean;
  /** `tally()` exists (what `sessionkit stats` shows). */
  readonly tally: boolean;
  /**
   * The backend has no version column of its own (a table mapped as it is, such as the Tomcat
   * layout): the store derives the compare-and-set token from what it has (a strictly increasing
   * last-access time), ignores `record.version`, and `set` resolves the version it stored, which
   * `get` returns from then on. Core uses that value for its next compare-and-set.
   */
  readonly assignsVersions: boolean;
}

/** The interface every sessionkit store implements. Keys are opaque strings chosen by core. */
export interface SessionStore {
  readonly capabilities: StoreCapabilities;

  /** The live record, or null when missing or expired (filtered on read, even with native TTL). */
  get(key: string): Promise<StoredRecord | null>;

  /**
   * Inserts or compare-and-sets; see {@link SetOptions}. The record's version is stored as given,
   * except by a store with `capabilities.assignsVersions`, which resolves the version it stored.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: `async set() {}` in a store must still satisfy this (Promise<void> is not assignable to Promise<undefined>).
  set(key: string, record: StoredRecord, options?: SetOptions): Promise<void | number>;

  /**
   * Moves the expiry of a live record without rewriting its payload or changing its version.
   * Resolves false when there is no live record.
   */
  touch(key: string, expiresAt: number): Promise<boolean>;

  /** Deletes the record; resolves whether something was deleted. Idempotent. */
  destroy(key: string): Promise<boolean>;

  /**
   * Deletes every record of the owner; resolves how many live ones were deleted (expired records
   * the backend still holds may go too, but are not counted).
   */
  destroyByOwner?(ownerId: string): Promise<number>;

  /** Lists the live records of the owner. */
  listByOwner?(ownerId: string): Promise<OwnedSession[]>;

  /**
   * Deletes the record under `key` only if it belongs to `ownerId` (atomically: a record that
   * moved to another owner stays); resolves whether a live record was deleted. Declared by
   * `capabilities.ownerDetails`.
   */
  destroyOwned?(ownerId: string, key: string): Promise<boolean>;

  /** Counts live, expired-but-held and owned records; see {@link StoreTally}. */
  tally?(): Promise<StoreTally>;

  /** Counts live records (within this store's prefix / table / namespace). */
  count?(): Promise<number>;

  /** Deletes every record within this store's prefix / table / namespace. */
  clear?(): Promise<void>;

  /** Deletes expired records now; resolves how many. */
  prune?(): Promise<number>;

  /**
   * Checks that the store can do its job: the server answers within `options.timeout`, the
   * credentials work, the table / collection / key space exists with every mapped column, a probe
   * record can be written and deleted, expiry is in place and the server's clock agrees with the
   * app's. Resolves the report (warnings included) or rejects with a `SessionVerifyError` that
   * lists every problem and its fix. Declared by `capabilities.verify`.
   */
  verify?(options?: VerifyOptions): Promise<VerifyReport>;

  /** Stops timers and releases what the store itself opened. Never closes a client the app owns. */
  close?(): Promise<void>;

  /** The store's own counters (see `capabilities.stats`); synchronous, never a store call. */
  stats?(): object;
  /**
   * Why an optional operation whose capability is false is unavailable, and how to make it
   * available (a SQL table without an owner column names the column to add); undefined when the
   * store has nothing to add. Core puts it in the error it throws instead of the general message.
   */
  unsupportedReason?(operation: OptionalStoreOperation): string | undefined;
}

/** Capabilities with everything off, to spread and override in a store. */
export const NO_CAPABILITIES: StoreCapabilities = Object.freeze({
  destroyByOwner: false,
  listByOwner: false,
  count: false,
  clear: false,
  prune: false,
  nativeExpiry: false,
  replaceOnInsert: false,
  ownerDetails: false,
  tally: false,
  assignsVersions: false,
});

/**
 * Every operation of the store contract, in one list, for code that wraps or enumerates a store's
 * methods (the configured-store wrapper, the conformance harness, recording proxies), so a new
 * operation is added in one place.
 */
export const STORE_OPERATIONS = Object.freeze([
  'get',
  'set',
  'touch',
  'destroy',
  'destroyByOwner',
  'listByOwner',
  'destroyOwned',
  'count',
  'tally',
  'clear',
  'prune',
  'verify',
  'close',
] as const);

/** One operation of the store contract. */
export type StoreOperation = (typeof STORE_OPERATIONS)[number];

/** The operations every store has; the others are optional and declared in `capabilities`. */
export const REQUIRED_STORE_OPERATIONS = Object.freeze(['get', 'set', 'touch', 'destroy'] as const);

/** The optional operations of {@link SessionStore}. */
export type OptionalStoreOperation = Exclude<StoreOperation, (typeof REQUIRED_STORE_OPERATIONS)[number]>;

/**
 * What `value` lacks to be a {@link SessionStore}: the required operations that are not functions,
 * or `capabilities` when only that is missing; empty for a store. For option checks that must say
 * what is wrong with what they were given.
 *
 * @example
 * const missing = missingStoreParts(options.store);
 * if (missing.length > 0) throw new SessionConfigError(`store must be a sessionkit store (missing ${missing.join(', ')})`);
 */
export function missingStoreParts(value: unknown): string[] {
  const candidate = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const missing: string[] = REQUIRED_STORE_OPERATIONS.filter((name) => typeof candidate[name] !== 'function');
  if (
    missing.length === 0 &&
    (typeof candidate.capabilities !== 'object' || candidate.capabilities === null)
  ) {
    missing.push('capabilities');
  }
  return missing;
}

/**
 * A store type whose listed optional operations are guaranteed, so callers holding a concrete
 * store need no `!`.
 *
 * @example
 * export interface MyStore extends StoreWith<'count' | 'clear' | 'close'> {}
 */
export type StoreWith<K extends OptionalStoreOperation> = SessionStore & Required<Pick<SessionStore, K>>;
