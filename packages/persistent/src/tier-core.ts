/**
 * The state of the memory tier and the moves between its two levels: restore (store → memory),
 * backup (memory → store), swap-out and eviction. Internal; `tiered-store.ts` builds the public
 * SessionStore on top of it and `maintenance.ts` schedules the background moves.
 */
import { isSessionError, SessionStoreError, type StoredRecord, storeCaller } from '@sessionkit/core';
import { SessionCapacityError } from './capacity-error';
import { type Entry, needsWrite } from './entry';
import { KeyedLock } from './keyed-lock';
import { unwrapPayload, wrapPayload } from './record-format';
import type { ResolvedTierOptions } from './tier-options';

/** Backup attempts within one call before giving up until the next run. */
const BACKUP_ATTEMPTS = 3;

/** Cumulative counters; see TierStats. */
export interface Counters {
  backups: number;
  swaps: number;
  restores: number;
  expired: number;
  conflicts: number;
  backgroundErrors: number;
  rejected: number;
}

/** The session expiry a persistent record carries, or null when it cannot be read. */
export function trueExpiryOf(record: StoredRecord): number | null {
  const opened = unwrapPayload(record.payload);
  return opened === null ? null : (opened.trueExpiresAt ?? record.expiresAt);
}

export class TierCore {
  readonly options: ResolvedTierOptions;
  /** Insertion order is recency order: an access moves the entry to the end, so the first is the LRU. */
  readonly entries = new Map<string, Entry>();
  /** Every operation on a key, foreground or background, runs under this lock. */
  readonly lock = new KeyedLock();
  readonly counters: Counters = {
    backups: 0,
    swaps: 0,
    restores: 0,
    expired: 0,
    conflicts: 0,
    backgroundErrors: 0,
    rejected: 0,
  };
  /** Called when the first entry arrives, to start the maintenance timer lazily. */
  onFirstEntry: () => void = () => undefined;

  readonly #call;

  constructor(options: ResolvedTierOptions) {
    this.options = options;
    this.#call = storeCaller({ timeoutMs: options.storeTimeout, label: (op) => `(persistent) ${op}` });
  }

  now(): number {
    return this.options.clock();
  }

  /**
   * One call to the persistent store under `storeTimeout`: a hung backend must not hang a request,
   * a maintenance run or a shutdown. Errors name the persistent store, so they are not mistaken for
   * the tier's own.
   */
  call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return this.#call(operation, run);
  }

  add(key: string, entry: Entry): void {
    this.entries.set(key, entry);
    this.onFirstEntry();
  }

  accessed(key: string, entry: Entry, now: number): void {
    entry.lastAccess = now;
    // Re-inserting moves the key to the end of the Map's order: the LRU is always the first.
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  /**
   * The entry held in memory, or the live copy restored from the store, or null. Under the key's
   * lock.
   */
  async resolve(key: string, now: number): Promise<Entry | null> {
    const held = this.entries.get(key);
    if (held !== undefined) return held;
    const record = await this.call('get', () => this.options.store.get(key));
    if (record === null) return null;
    const opened = unwrapPayload(record.payload);
    const expiresAt = opened === null ? null : (opened.trueExpiresAt ?? record.expiresAt);
    // A copy whose session expired is missing, even while the store keeps it for persistentTimeout.
    if (opened === null || expiresAt === null || expiresAt <= now) return null;
    await this.makeRoom(false);
    const entry: Entry = {
      payload: new Uint8Array(opened.payload),
      version: record.version,
      expiresAt,
      ownerId: record.ownerId ?? null,
      details: record.details ?? null,
      activeAt: null,
      lastAccess: now,
      dirty: false,
      dirtySince: 0,
      persistedVersion: record.version,
      persistedExpiresAt: record.expiresAt,
      persistedTrueExpiresAt: expiresAt,
    };
    this.add(key, entry);
    this.counters.restores++;
    return entry;
  }

  /**
   * Makes room for one more entry under maxActiveSessions by swapping out the least recently
   * used one, or refuses with SessionCapacityError. Called under the lock of a key that is not
   * in memory, so it can never wait for itself.
   */
  async makeRoom(isNew: boolean): Promise<void> {
    const { maxActiveSessions: max, whenFull, minIdleSwap } = this.options;
    while (this.entries.size >= max) {
      const now = this.now();
      let victim: string | undefined;
      if (isNew && whenFull === 'reject') {
        // Only an expired session may go; a live one stays and the new session is refused.
        for (const [key, entry] of this.entries) {
          if (entry.expiresAt <= now) {
            victim = key;
            break;
          }
        }
        if (victim === undefined) this.#refuse('whenFull is "reject"');
      } else {
        const [key, lru] = this.entries.entries().next().value as [string, Entry];
        if (lru.expiresAt > now && now - lru.lastAccess < minIdleSwap) {
          this.#refuse(
            `even the least recently used one has been idle for less than minIdleSwap (${minIdleSwap} ms)`,
          );
        }
        victim = key;
      }
      const victimKey = victim;
      await this.lock.run(victimKey, async () => {
        const entry = this.entries.get(victimKey);
        if (entry !== undefined) await this.swapOut(victimKey, entry, this.now());
      });
    }
  }

  #refuse(reason: string): never {
    this.counters.rejected++;
    throw new SessionCapacityError(this.options.maxActiveSessions, reason);
  }

  /** Drops an expired entry; first overwrites a copy in the store that a restore would still serve. */
  async retire(key: string, entry: Entry): Promise<void> {
    if (needsWrite(entry, this.now())) await this.persist(key, entry);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    this.counters.expired++;
  }

  /** Backs the entry up if needed and drops it from memory; false when it was dropped as a conflict. */
  async swapOut(key: string, entry: Entry, now: number): Promise<boolean> {
    if (entry.expiresAt <= now) {
      await this.retire(key, entry);
      return true;
    }
    if (needsWrite(entry, now) && !(await this.persist(key, entry))) return false;
    if (this.entries.get(key) === entry) this.entries.delete(key);
    this.counters.swaps++;
    return true;
  }

  /**
   * Writes the entry to the persistent store with compare-and-set against the version last
   * written there (an insert when there is none). Resolves false when the store shows that
   * another node took the session over: the local copy is dropped, never written over theirs.
   * Under the key's lock.
   */
  async persist(key: string, entry: Entry): Promise<boolean> {
    const store = this.options.store;
    for (let attempt = 0; attempt < BACKUP_ATTEMPTS; attempt++) {
      const now = this.now();
      const dead = entry.expiresAt <= now;
      // A live session's copy outlives the session by persistentTimeout, so a backup that lags
      // behind a busy session never lets the copy lapse; a dead one's copy ends with it.
      const expiresAt = dead
        ? entry.expiresAt
        : Math.max(entry.expiresAt, now + this.options.persistentTimeout);
      const record: StoredRecord = {
        payload: wrapPayload(entry.payload, entry.expiresAt),
        version: entry.version,
        expiresAt,
        ownerId: entry.ownerId,
      };
      if (entry.details !== null) record.details = entry.details;
      const expected = entry.persistedVersion;
      try {
        await this.call('set', () =>
          store.set(key, record, expected === null ? undefined : { expectedVersion: expected }),
        );
        Object.assign(entry, {
          persistedVersion: entry.version,
          persistedExpiresAt: expiresAt,
          persistedTrueExpiresAt: entry.expiresAt,
          dirty: false,
        });
        this.counters.backups++;
        return true;
      } catch (error) {
        if (!isSessionError(error, 'SESSION_CONFLICT')) throw error;
      }
      if (dead) return this.#drop(key, entry);
      let current: StoredRecord | null;
      try {
        current = await this.call('get', () => store.get(key));
      } catch (error) {
        if (!isSessionError(error, 'SESSION_RECORD_CORRUPT')) throw error;
        // A copy nobody can read (not a logout, which leaves nothing): ours replaces it.
        await this.call('destroy', () => store.destroy(key));
        entry.persistedVersion = null;
        continue;
      }
      if (current === null) {
        // Gone before our copy could have expired there: another node destroyed the session (a
        // logout, a regenerate). Writing it back would resurrect it.
        if (expected !== null && now < entry.persistedExpiresAt) return this.#drop(key, entry);
        entry.persistedVersion = null;
        continue;
      }
      const currentExpiry = trueExpiryOf(current);
      if (currentExpiry === null || currentExpiry <= now) {
        // A dead copy (its session expired, or a format this version cannot read): replace it.
        entry.persistedVersion = current.version;
        continue;
      }
      // A live copy at another version: another node served the session and wrote it.
      if (current.version !== expected) return this.#drop(key, entry);
    }
    throw new SessionStoreError(
      `Tiered store: the backup kept conflicting after ${BACKUP_ATTEMPTS} attempts; the next maintenance run retries.`,
    );
  }

  /** Another node owns the session now: forget the local copy. */
  #drop(key: string, entry: Entry): false {
    if (this.entries.get(key) === entry) {
      this.entries.delete(key);
      if (entry.expiresAt > this.now()) this.counters.conflicts++;
    }
    return false;
  }
}

/** Turns anything thrown into a SessionError for reporting. */
export function asStoreError(error: unknown): SessionStoreError {
  if (error instanceof SessionStoreError) return error;
  return new SessionStoreError(`Tiered store: ${error instanceof Error ? error.message : String(error)}`, {
    cause: error,
  });
}
