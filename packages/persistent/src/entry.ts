import { SessionStoreError } from '@sessionkit/core';

/** One session held in the memory tier, with what the tier knows about its copy in the store. */
export interface Entry {
  payload: Uint8Array;
  version: number;
  /** The session's own expiry, as core decided it. Past: a tombstone, kept until the store agrees. */
  expiresAt: number;
  ownerId: string | null;
  /** Session-list details (StoredRecord.details), or null. */
  details: string | null;
  /** Clock time of the last write or touch of an entry with details (its session list's last active). */
  activeAt: number | null;
  /** Clock time of the last read or write: what "idle" is measured from. */
  lastAccess: number;
  /** Changed or touched since the last backup. */
  dirty: boolean;
  /** Clock time of the first change since the last backup (meaningful while dirty). */
  dirtySince: number;
  /** Version of the copy in the persistent store, or null when there is none that this tier knows of. */
  persistedVersion: number | null;
  /** `expiresAt` of that copy, after which the store drops it by itself. */
  persistedExpiresAt: number;
  /** The session expiry written inside that copy (what a restore would believe). */
  persistedTrueExpiresAt: number;
}

/** Records a change; the first one since the last backup starts the maxBackupDelay clock. */
export function markDirty(entry: Entry, now: number): void {
  if (entry.dirty) return;
  entry.dirty = true;
  entry.dirtySince = now;
}

/**
 * Whether the persistent store must be written before the entry may leave memory: a live session
 * with changes the store lacks, or a dead one whose copy in the store would still be served by a
 * restore (a touch or write moved its expiry into the past after the last backup).
 */
export function needsWrite(entry: Entry, now: number): boolean {
  if (entry.expiresAt > now) return entry.dirty || entry.persistedVersion === null;
  return entry.persistedVersion !== null && entry.persistedTrueExpiresAt > now;
}

export function checkExpiresAt(expiresAt: unknown, operation: string): void {
  if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
    throw new SessionStoreError(
      `Tiered store ${operation}: expiresAt must be epoch milliseconds (got ${String(expiresAt)}).`,
    );
  }
}

export function checkKey(key: unknown, operation: string): string {
  if (typeof key !== 'string') {
    throw new SessionStoreError(`Tiered store ${operation}: the key must be a string (got ${typeof key}).`);
  }
  return key;
}

/** Runs `task` over `items` with at most `limit` at a time. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await task(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
