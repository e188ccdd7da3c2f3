import type { SessionStore } from '@sessionkit/core';

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
