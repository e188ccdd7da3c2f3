import { SessionConfigError, SessionConflictError, SessionStoreError } from '../errors';
import { type HeapNode, heapify, heapPop, heapPush } from './min-heap';
import { checkSetArguments } from './set-arguments';
import type { SetOptions, StoreCapabilities, StoredRecord, StoreWith } from './store';
import { copyHeldRecord } from './stored-record';
import { Verification } from './verify';

/** Options of {@link createMemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Most sessions held at once. Inserting a new session at the cap first drops expired ones,
   * then evicts the session closest to expiry (with sliding expiry, the least recently active).
   * 0 or Infinity: unlimited.
   * @default 10_000
   */
  maxSessions?: number;
  /** How often, in ms, expired sessions are swept from memory. @default 60_000 */
  sweepInterval?: number;
}

/** The in-process store: every capability, for tests, development and single-process apps. */
export interface MemoryStore
  extends StoreWith<
    'destroyByOwner' | 'listByOwner' | 'destroyOwned' | 'count' | 'tally' | 'clear' | 'prune' | 'close'
  > {}

interface Entry {
  payload: Uint8Array;
  version: number;
  expiresAt: number;
  ownerId: string | null;
  details: string | null;
  /** When the entry was last written or touched; kept only for an entry with details. */
  activeAt: number | null;
  /** Identifies the heap node that is current for this entry; older nodes are stale. */
  seq: number;
}

/**
 * Global-registry symbol of a non-enumerable inspection hook, used by the conformance suite's
 * raw reader. Not part of the public API; it lets tests see what is held without expiry filtering.
 * @internal
 */
const INSPECT = Symbol.for('sessionkit.memory-store.inspect');

const CAPABILITIES: StoreCapabilities = Object.freeze({
  destroyByOwner: true,
  listByOwner: true,
  count: true,
  clear: true,
  prune: true,
  nativeExpiry: true,
  replaceOnInsert: true,
  verify: true,
  ownerDetails: true,
  tally: true,
  assignsVersions: false,
});

/** setTimeout/setInterval clamp longer delays to 1 ms, which would turn the sweep into a busy loop. */
const MAX_TIMER_DELAY = 2_147_483_647;

/**
 * Creates an in-memory session store. Sessions live in this process only: use it for tests,
 * development or a single-process app, and a shared store (Redis, SQL, files) once there are
 * several processes.
 *
 * Expired sessions are never returned; a timer (unref'd, so it never keeps the process alive)
 * sweeps them from memory by popping a min-heap ordered by expiry, so a sweep costs
 * O(k log n) for k expired sessions instead of a scan of all n. `close()` stops that timer; the
 * store keeps answering afterwards, dropping expired sessions on read and at the cap.
 *
 * @example
 * const store = createMemoryStore({ maxSessions: 50_000 });
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const maxSessions = validateMaxSessions(options.maxSessions ?? 10_000);
  const sweepInterval = validateSweepInterval(options.sweepInterval ?? 60_000);

  const entries = new Map<string, Entry>();
  const owners = new Map<string, Set<string>>();
  const heap: HeapNode[] = [];
  let seq = 0;

  const isLive = (entry: Entry, now: number) => entry.expiresAt > now;

  /** The live entry under `key`; an expired one is deleted on the way (lazy expiry). */
  function live(key: string, now: number): Entry | undefined {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (isLive(entry, now)) return entry;
    remove(key, entry);
    return undefined;
  }

  // Removing an entry leaves its heap node behind: it is recognised as stale by its seq when it
  // surfaces, which keeps delete, rewrite and touch at O(1) + one O(log n) push.
  function remove(key: string, entry: Entry): void {
    entries.delete(key);
    unindexOwner(key, entry.ownerId);
  }

  function unindexOwner(key: string, ownerId: string | null): void {
    if (ownerId === null) return;
    const keys = owners.get(ownerId);
    keys?.delete(key);
    if (keys?.size === 0) owners.delete(ownerId);
  }

  function indexOwner(key: string, ownerId: string | null): void {
    if (ownerId === null) return;
    const keys = owners.get(ownerId);
    if (keys === undefined) owners.set(ownerId, new Set([key]));
    else keys.add(key);
  }

  function schedule(key: string, entry: Entry): void {
    entry.seq = ++seq;
    heapPush(heap, { expiresAt: entry.expiresAt, key, seq: entry.seq });
    // Touches and rewrites leave stale nodes; rebuild once they outnumber the live ones so the
    // heap stays O(n) in memory.
    if (heap.length > 2 * entries.size + 1_024) rebuildHeap();
  }

  function rebuildHeap(): void {
    heap.length = 0;
    for (const [key, entry] of entries) heap.push({ expiresAt: entry.expiresAt, key, seq: entry.seq });
    heapify(heap);
  }

  /** Pops the heap's current (non-stale) top, or undefined when only stale nodes remain. */
  function popCurrent(): HeapNode | undefined {
    for (let node = heapPop(heap); node !== undefined; node = heapPop(heap)) {
      if (entries.get(node.key)?.seq === node.seq) return node;
    }
    return undefined;
  }

  /** Deletes every expired entry; touches only the heap nodes that are due. */
  function sweep(now: number): number {
    let removed = 0;
    while (heap.length > 0 && (heap[0] as HeapNode).expiresAt <= now) {
      const node = heapPop(heap) as HeapNode;
      const entry = entries.get(node.key);
      if (entry === undefined || entry.seq !== node.seq) continue;
      remove(node.key, entry);
      removed++;
    }
    return removed;
  }

  /** Makes room for one new session at the cap: expired ones first, then the soonest to expire. */
  function makeRoom(now: number): void {
    if (entries.size < maxSessions) return;
    sweep(now);
    while (entries.size >= maxSessions) {
      const node = popCurrent();
      if (node === undefined) break;
      remove(node.key, entries.get(node.key) as Entry);
    }
  }

  let timer: ReturnType<typeof setInterval> | undefined = setInterval(() => sweep(Date.now()), sweepInterval);
  // Node and Bun return a Timeout with unref(); browsers and edge runtimes a number.
  if (typeof timer === 'object' && typeof timer.unref === 'function') timer.unref();

  // Every method runs synchronously to completion before its promise settles, so each
  // check-then-write (insert, compare-and-set, touch) is atomic without locks.
  const store: MemoryStore = {
    capabilities: CAPABILITIES,

    async get(key) {
      const entry = live(key, Date.now());
      if (entry === undefined) return null;
      return copyHeldRecord(entry);
    },

    async set(key: string, record: StoredRecord, options?: SetOptions) {
      const {
        ownerId,
        expectedVersion: expected,
        replaces,
        details,
      } = checkSetArguments('Memory store', key, record, options, CAPABILITIES);
      const now = Date.now();
      const current = live(key, now);
      if (expected === undefined) {
        if (current !== undefined)
          throw new SessionConflictError('A live session already exists under this key');
      } else if (current === undefined || current.version !== expected) {
        throw new SessionConflictError();
      }
      // The insert happens now. The replaced session goes first, so that at the cap it is the one
      // that makes room, not some other user's.
      const replaced = replaces === undefined ? undefined : entries.get(replaces);
      if (replaced !== undefined) remove(replaces!, replaced);
      // A write that keeps the owner (most of them) leaves the owner index as it is.
      const sameOwner = current !== undefined && current.ownerId === ownerId;
      if (current === undefined) makeRoom(now);
      else if (!sameOwner) unindexOwner(key, current.ownerId);

      const entry: Entry = {
        // Copied, so a caller reusing or mutating its array cannot change the stored session.
        payload: new Uint8Array(record.payload),
        version: record.version,
        expiresAt: record.expiresAt,
        ownerId,
        details,
        activeAt: details === null ? null : now,
        seq: 0,
      };
      entries.set(key, entry);
      if (!sameOwner) indexOwner(key, ownerId);
      schedule(key, entry);
    },

    async touch(key, expiresAt) {
      checkExpiresAt(expiresAt);
      const entry = live(key, Date.now());
      if (entry === undefined) return false;
      entry.expiresAt = expiresAt;
      if (entry.details !== null) entry.activeAt = Date.now();
      schedule(key, entry);
      return true;
    },

    async destroy(key) {
      const entry = entries.get(key);
      if (entry === undefined) return false;
      remove(key, entry);
      return isLive(entry, Date.now());
    },

    async destroyByOwner(ownerId) {
      const keys = owners.get(ownerId);
      if (keys === undefined) return 0;
      const now = Date.now();
      let destroyed = 0;
      for (const key of [...keys]) {
        const entry = entries.get(key) as Entry;
        remove(key, entry);
        if (isLive(entry, now)) destroyed++;
      }
      return destroyed;
    },

    async listByOwner(ownerId) {
      sweep(Date.now());
      const keys = owners.get(ownerId) ?? [];
      return [...keys].map((key) => {
        const { expiresAt, details, activeAt } = entries.get(key) as Entry;
        return { key, expiresAt, details, lastActiveAt: activeAt };
      });
    },

    async destroyOwned(ownerId, key) {
      const entry = entries.get(key);
      if (entry === undefined || entry.ownerId !== ownerId) return false;
      remove(key, entry);
      return isLive(entry, Date.now());
    },

    async count() {
      sweep(Date.now());
      return entries.size;
    },

    async tally() {
      // The sweep runs on a timer and on reads, so expired entries may still be held: counted apart.
      const now = Date.now();
      let live = 0;
      let owned = 0;
      for (const entry of entries.values()) {
        if (!isLive(entry, now)) continue;
        live++;
        if (entry.ownerId !== null) owned++;
      }
      let ownerCount = 0;
      for (const keys of owners.values()) {
        for (const key of keys) {
          if (isLive(entries.get(key) as Entry, now)) {
            ownerCount++;
            break;
          }
        }
      }
      return { live, expired: entries.size - live, owned, owners: ownerCount };
    },

    async clear() {
      entries.clear();
      owners.clear();
      heap.length = 0;
    },

    async prune() {
      return sweep(Date.now());
    },

    // Nothing to reach, no credentials, no schema, one clock: the checks pass by construction.
    // No probe is written: an in-process map cannot refuse a write, and a probe would show up in
    // count() for an app (or a test) that verifies at startup.
    async verify(options) {
      const v = new Verification('Memory store', options);
      v.ok('reachable', 'in-process');
      v.ok('write', 'an in-process map accepts every write');
      v.ok('expiry', 'expired sessions are never returned and are swept by a timer');
      v.skipped('clock', "the store runs on the app's own clock");
      return v.finish();
    },

    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };

  Object.defineProperty(store, INSPECT, {
    enumerable: false,
    value: {
      keys: () => [...entries.keys()],
      read: (key: string): StoredRecord | null => {
        const entry = entries.get(key);
        return entry === undefined ? null : copyHeldRecord(entry);
      },
    },
  });
  return store;
}

function validateMaxSessions(value: number): number {
  if (value === 0 || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new SessionConfigError(
      `createMemoryStore: maxSessions must be a positive integer, or 0 / Infinity for no limit (got ${value}).`,
    );
  }
  return value;
}

function validateSweepInterval(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_TIMER_DELAY) {
    throw new SessionConfigError(
      `createMemoryStore: sweepInterval must be a whole number of milliseconds between 1 and ${MAX_TIMER_DELAY} ` +
        `(got ${value}); the default of 60000 suits most apps.`,
    );
  }
  return value;
}

function checkExpiresAt(expiresAt: number): void {
  // NaN would corrupt the heap order; every other number (even Infinity) compares correctly.
  if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
    throw new SessionStoreError(
      `Memory store: expiresAt must be epoch milliseconds (got ${String(expiresAt)})`,
    );
  }
}
