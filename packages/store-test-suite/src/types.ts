import type { SessionStore } from '@sessionkit/core';

/**
 * A way a stored record can be broken by something other than sessionkit (a script, a bug, an
 * attacker with write access to the backend), as written through {@link RawWriter.corrupt}.
 */
export type Corruption =
  /** The version is not an integer (Redis `HSET key v abc`, a float in a binary header). */
  | 'version-not-integer'
  | 'version-negative'
  /** The expiry is not an integer (garbage text, a fraction). */
  | 'expiry-not-integer'
  | 'expiry-negative'
  /** The payload is gone (a Redis hash without `p`, a NULL column, an unset field). */
  | 'payload-missing'
  /** The payload is not bytes (a string or number where a document store allows one). */
  | 'payload-wrong-type'
  /** The key holds something that is not a record at all (a Redis key of another type, a file of garbage). */
  | 'not-a-record';

/**
 * The write side of the back door: breaks a record the store wrote, in place, bypassing the
 * store. The suite then checks that the record is reported as corrupt and never locks its user out.
 */
export interface RawWriter {
  /** The corruptions this backend can physically hold; cases for the others are skipped, with the reason. */
  readonly corruptions: readonly Corruption[];
  /** Breaks the record the store holds under `key` (it exists and is live) as `corruption` says. */
  corrupt(key: string, corruption: Corruption): Promise<void>;
}

/** One record as the backend physically holds it, read through the {@link RawReader} back door. */
export interface RawRecord {
  payload: Uint8Array;
  version: number;
  /** Absolute expiry in epoch ms, as the backend holds it (rounded to its resolution, if any). */
  expiresAt: number;
  ownerId: string | null;
}

/**
 * A back door into the backend, bypassing the store's own read path and expiry filtering.
 * The suite uses it to check what really reached the database, not what the store says it wrote.
 */
export interface RawReader {
  /** What the backend physically holds for this storage key, expired or not; null if nothing. */
  read(key: string): Promise<RawRecord | null>;
  /**
   * Every session record the backend holds for this store instance (keys, file paths relative
   * to the root, row ids…), for asserting that nothing unexpected was created: exactly one entry
   * per record. Leave out secondary structures the store keeps on purpose (owner-index keys or
   * marker files, shard directories), but include anything left behind by accident, such as
   * temporary files or lock keys that outlive the call that made them.
   */
  list(): Promise<string[]>;
}

/** What {@link ConformanceOptions.setup} returns for one test. */
export interface ConformanceTarget {
  store: SessionStore;
  raw: RawReader;
  /** Breaks stored records, for the corrupt-record cases; without it they are skipped, with the reason. */
  rawWriter?: RawWriter;
  /**
   * Releases what `setup` created (drop the table, remove the directory, quit the client). The
   * suite calls `store.close()` first when the store has one, then this.
   */
  teardown?: () => Promise<void>;
}

/** Options of {@link runStoreConformance}. */
export interface ConformanceOptions {
  /** Shown in test titles, e.g. 'memory', 'file', 'redis (cluster)'. */
  name: string;
  /**
   * Creates a fresh, isolated store (random prefix / table / directory) for one test. Some tests
   * call it twice to check that two isolated stores on one backend do not see each other.
   */
  setup: () => Promise<ConformanceTarget>;
  /** When a string, the whole suite is reported as skipped with this reason (e.g. backend unavailable). */
  skip?: string | false;
  /**
   * Expiry resolution of the backend in ms (e.g. 1000 for second-granularity TTLs). Tests that
   * wait for a record to expire wait this much longer, and `expiresAt` read back may differ from
   * the one written by up to this much.
   * @default 1
   */
  expiryResolutionMs?: number;
}
