import {
  checkSetArguments,
  copyHeldRecord,
  isSessionError,
  type OwnedSession,
  SessionConfigError,
  SessionConflictError,
  type SessionStore,
  SessionStoreError,
  type SetOptions,
  type StoreCapabilities,
  type StoredRecord,
  type StoreWith,
  type VerifyOptions,
  type VerifyReport,
} from '@sessionkit/core';
import { checkExpiresAt, checkKey, markDirty } from './entry';
import { type MaintenanceReport, maintain, saveAll } from './maintenance';
import { TierCore, trueExpiryOf } from './tier-core';
import { type ResolvedTierOptions, resolveTierOptions, type TieredStoreOptions } from './tier-options';
import { verifyTier } from './verify';

export type { MaintenanceReport } from './maintenance';

/** Counters of the memory tier, for tests and metrics. Counts are cumulative since creation. */
export interface TierStats {
  /** Sessions held in memory now. */
  active: number;
  /** Sessions in memory with changes the persistent store does not have yet. */
  dirty: number;
  /** Successful writes to the persistent store (backups, swaps, saves). */
  backups: number;
  /** Sessions dropped from memory after they went idle or to make room under the cap. */
  swaps: number;
  /** Sessions loaded from the persistent store into memory on demand. */
  restores: number;
  /** Expired sessions dropped from memory. */
  expired: number;
  /** Local copies dropped because another node had written or deleted the session in the store. */
  conflicts: number;
  /** Background backups that failed (and will be retried). */
  backgroundErrors: number;
  /** Calls refused with SessionCapacityError. */
  rejected: number;
}

/** The memory tier in front of a persistent store; a complete SessionStore itself. */
export interface TieredStore extends StoreWith<'prune' | 'close'> {
  /**
   * One maintenance run now: drops expired sessions, backs up idle changed ones, swaps out idle
   * ones. The background timer calls it every `processExpiresInterval`; call it yourself in
   * tests with an injected clock. Overlapping calls share one run. Never rejects: failures are
   * counted in the report and passed to `onBackgroundError`.
   */
  runMaintenance(): Promise<MaintenanceReport>;
  /** Writes every changed in-memory session to the persistent store; resolves how many were written. */
  saveAll(): Promise<number>;
  /** Current counters. */
  stats(): TierStats;
}

/**
 * Global-registry symbol of a non-enumerable inspection hook for tests (the conformance suite's
 * raw reader). Not part of the public API.
 * @internal
 */
const INSPECT = Symbol.for('sessionkit.tiered-store.inspect');

class Tier implements TieredStore {
  readonly capabilities: StoreCapabilities;
  readonly #core: TierCore;
  #timer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<MaintenanceReport> | null = null;
  #closing: Promise<void> | null = null;
  readonly #backing: SessionStore;

  constructor(options: ResolvedTierOptions) {
    const core = new TierCore(options);
    this.#core = core;
    core.onFirstEntry = () => this.#startTimer();
    const caps = options.store.capabilities;
    if (caps.assignsVersions) {
      // Backups compare-and-set against the version the tier wrote last, which such a store does not keep.
      throw new SessionConfigError(
        'The persistent tier needs a store that keeps versions as written; this one assigns its own ' +
          '(capabilities.assignsVersions: a table without a version column). Add a BIGINT version column and map it.',
      );
    }
    this.capabilities = Object.freeze({
      // Owner operations need the persistent store's owner index for sessions not in memory.
      listByOwner: caps.listByOwner,
      destroyByOwner: caps.listByOwner,
      // A count would have to merge memory with a store it cannot enumerate.
      count: false,
      clear: caps.clear,
      prune: true,
      nativeExpiry: caps.nativeExpiry,
      // An insert here is a memory write, and the replaced session's copy in the persistent store
      // still needs its own destroy (a round trip either way): nothing to gain over the manager's
      // separate destroy, which also drops the local entry under that session's own lock.
      replaceOnInsert: false,
      // Its counters reach the manager's stats() as `store`.
      stats: true,
      verify: caps.verify === true,
      // Details are held in memory and backed up with the session, when the store keeps them.
      ownerDetails: caps.listByOwner && caps.ownerDetails,
      // A count would have to merge memory with a store it cannot enumerate (as count above).
      tally: false,
      assignsVersions: false,
    });
    this.#backing = options.store;
    Object.defineProperty(this, INSPECT, {
      enumerable: false,
      value: {
        keys: () => [...core.entries.keys()],
        read: (key: string) => {
          const entry = core.entries.get(key);
          return entry === undefined ? null : { ...copyHeldRecord(entry), dirty: entry.dirty };
        },
      },
    });
  }

  async get(key: string): Promise<StoredRecord | null> {
    checkKey(key, 'get');
    const core = this.#core;
    return core.lock.run(key, async () => {
      const now = core.now();
      const entry = await core.resolve(key, now);
      if (entry === null || entry.expiresAt <= now) return null;
      core.accessed(key, entry, now);
      return copyHeldRecord(entry);
    });
  }

  async set(key: string, record: StoredRecord, options?: SetOptions): Promise<void> {
    // The memory tier answers before the persistent store sees anything, so it checks what a
    // store would reject: a bad value must fail the request now, not a backup minutes later.
    const { expectedVersion: expected, details } = checkSetArguments('Tiered store', key, record, options);
    const fields = {
      details,
      // Copied, so a caller reusing its array cannot change the session held in memory.
      payload: new Uint8Array(record.payload),
      version: record.version,
      expiresAt: record.expiresAt,
      ownerId: record.ownerId ?? null,
    };
    const core = this.#core;
    return core.lock.run(key, async () => {
      const now = core.now();
      const entry = await core.resolve(key, now);
      const live = entry !== null && entry.expiresAt > now;
      if (expected === undefined && live) {
        throw new SessionConflictError('A live session already exists under this key');
      }
      if (expected !== undefined && (!live || entry.version !== expected)) throw new SessionConflictError();
      if (entry !== null) {
        // Over a live entry (compare-and-set) or a tombstone (insert): what the tier knows about
        // the copy in the store stays, so the next backup compares against the right version.
        Object.assign(entry, fields, { activeAt: details === null ? null : now });
        markDirty(entry, now);
        core.accessed(key, entry, now);
        return;
      }
      await core.makeRoom(true);
      core.add(key, {
        ...fields,
        activeAt: details === null ? null : now,
        lastAccess: now,
        dirty: true,
        dirtySince: now,
        persistedVersion: null,
        persistedExpiresAt: 0,
        persistedTrueExpiresAt: 0,
      });
    });
  }

  async touch(key: string, expiresAt: number): Promise<boolean> {
    checkKey(key, 'touch');
    checkExpiresAt(expiresAt, 'touch');
    const core = this.#core;
    return core.lock.run(key, async () => {
      const now = core.now();
      const entry = await core.resolve(key, now);
      if (entry === null || entry.expiresAt <= now) return false;
      entry.expiresAt = expiresAt;
      if (entry.details !== null) entry.activeAt = now;
      markDirty(entry, now);
      core.accessed(key, entry, now);
      return true;
    });
  }

  async destroy(key: string): Promise<boolean> {
    checkKey(key, 'destroy');
    return this.#core.lock.run(key, () => this.#destroy(key, null));
  }

  async listByOwner(ownerId: string): Promise<OwnedSession[]> {
    const core = this.#core;
    const store = core.options.store;
    if (!store.listByOwner) throw new SessionStoreError('The persistent store has no listByOwner().');
    const listed = await core.call('listByOwner', () => store.listByOwner!(ownerId));
    const now = core.now();
    const found = new Map<string, OwnedSession>();
    // Memory is authoritative for what it holds; the store's index may still name an old owner.
    for (const [key, entry] of core.entries) {
      if (entry.ownerId === ownerId && entry.expiresAt > now) {
        const { expiresAt, details, activeAt } = entry;
        found.set(key, { key, expiresAt, details, lastActiveAt: activeAt });
      }
    }
    for (const { key, lastActiveAt } of listed) {
      if (core.entries.has(key) || found.has(key)) continue;
      // A corrupt copy is nobody's live session; it must not fail the whole list.
      const record = await core
        .call('get', () => store.get(key))
        .catch((error: unknown) =>
          isSessionError(error, 'SESSION_RECORD_CORRUPT') ? null : Promise.reject(error),
        );
      const expiresAt = record === null ? null : trueExpiryOf(record);
      if (record?.ownerId === ownerId && expiresAt !== null && expiresAt > now) {
        found.set(key, {
          key,
          expiresAt,
          details: record.details ?? null,
          lastActiveAt: lastActiveAt ?? null,
        });
      }
    }
    return [...found.values()];
  }

  async destroyOwned(ownerId: string, key: string): Promise<boolean> {
    checkKey(key, 'destroyOwned');
    return this.#core.lock.run(key, () => this.#destroy(key, ownerId));
  }

  async destroyByOwner(ownerId: string): Promise<number> {
    let destroyed = 0;
    for (const { key } of await this.listByOwner(ownerId)) {
      if (await this.#core.lock.run(key, () => this.#destroy(key, ownerId))) destroyed++;
    }
    return destroyed;
  }

  async clear(): Promise<void> {
    const core = this.#core;
    const store = core.options.store;
    if (!store.clear) throw new SessionStoreError('The persistent store has no clear().');
    core.entries.clear();
    // Let in-flight backups land first, so none of them writes a session back after the clear.
    await this.#running?.catch(() => undefined);
    await core.lock.idle();
    core.entries.clear();
    await core.call('clear', () => store.clear!());
  }

  /**
   * Drops expired sessions from memory (making sure the store does not serve an older copy), then
   * prunes the persistent store when it can. The count may include a session twice when both
   * its copies had expired.
   */
  async prune(): Promise<number> {
    const core = this.#core;
    let removed = 0;
    const now = core.now();
    for (const [key, entry] of [...core.entries]) {
      if (entry.expiresAt > now) continue;
      await core.lock.run(key, async () => {
        if (core.entries.get(key) !== entry || entry.expiresAt > core.now()) return;
        await core.retire(key, entry);
        removed++;
      });
    }
    const store = core.options.store;
    if (store.capabilities.prune && store.prune) removed += await core.call('prune', () => store.prune!());
    return removed;
  }

  runMaintenance(): Promise<MaintenanceReport> {
    this.#running ??= maintain(this.#core).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  saveAll(): Promise<number> {
    return saveAll(this.#core);
  }

  /** Stops the maintenance timer, lets in-flight calls settle and, with saveOnShutdown, saves every session. */
  /** The persistent store's verify (see verify.ts); declared when that store declares one. */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyTier(this.#backing, options);
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      this.#timer = undefined;
      await this.#running?.catch(() => undefined);
      await this.#core.lock.idle();
      if (this.#core.options.saveOnShutdown) await this.saveAll();
    })();
    return this.#closing;
  }

  stats(): TierStats {
    let dirty = 0;
    for (const entry of this.#core.entries.values()) if (entry.dirty) dirty++;
    return { active: this.#core.entries.size, dirty, ...this.#core.counters };
  }

  /** Under the key's lock. With `ownerId`, only a session still owned by that user is destroyed. */
  async #destroy(key: string, ownerId: string | null): Promise<boolean> {
    const core = this.#core;
    const store = core.options.store;
    const now = core.now();
    const entry = core.entries.get(key);
    if (entry !== undefined) {
      if (ownerId !== null && entry.ownerId !== ownerId) return false;
      // The store first: if it fails, the session is still whole in memory and the call can be retried.
      await core.call('destroy', () => store.destroy(key));
      if (core.entries.get(key) === entry) core.entries.delete(key);
      return entry.expiresAt > now;
    }
    const record = await core.call('get', () => store.get(key));
    if (ownerId !== null && record?.ownerId !== ownerId) return false;
    const deleted = await core.call('destroy', () => store.destroy(key));
    const expiresAt = record === null ? null : trueExpiryOf(record);
    return deleted && expiresAt !== null && expiresAt > now;
  }

  #startTimer(): void {
    if (this.#timer !== undefined || this.#closing !== null) return;
    this.#timer = setInterval(() => {
      this.runMaintenance().catch(() => undefined);
    }, this.#core.options.processExpiresInterval);
    // Never keep the process alive for maintenance alone.
    if (typeof this.#timer === 'object' && typeof this.#timer.unref === 'function') this.#timer.unref();
  }
}

/** @internal For createSessionTier, which resolves the options itself. */
export function createTier(options: ResolvedTierOptions): TieredStore {
  return new Tier(options);
}

/**
 * Creates the memory tier on its own, as a store (what {@link createSessionTier} puts under a
 * session manager): sessions live in process memory, and `store` (any sessionkit store) holds their backups. Reads and writes are
 * answered from memory; a session missing from memory (after a swap, a restart or a crash) is
 * restored from `store` on demand. Use {@link createSessionTier} unless you compose stores
 * yourself.
 *
 * One node must serve a session at a time (a sticky load balancer): memory is authoritative on
 * the node that holds the session, and when a backup finds that another node wrote or deleted
 * the session in the store meanwhile, the local copy is dropped rather than written over theirs.
 *
 * @example
 * const store = createTieredStore({
 *   store: createFileStore({ directory: '/var/lib/app/sessions' }),
 *   backupAfterIdle: 5_000,
 *   maxActiveSessions: 50_000,
 * });
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 * process.once('SIGTERM', () => store.close()); // saves what memory holds
 */
export function createTieredStore(options: TieredStoreOptions): TieredStore {
  return new Tier(resolveTierOptions(options));
}
