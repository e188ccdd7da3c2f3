import {
  missingStoreParts,
  SessionConfigError,
  type SessionError,
  type SessionStore,
} from '@sessionkit/core';

/** What to do when a new session arrives while `maxActiveSessions` are in memory. */
export type WhenFull = 'swap' | 'reject';

/** Options of {@link createTieredStore}. Durations are milliseconds. */
export interface TieredStoreOptions {
  /**
   * The persistent store that backs the memory tier up: any sessionkit store (file, Redis, SQL…).
   * The app owns it: `close()` of the tier never closes it.
   */
  store: SessionStore;
  /**
   * A session changed (or touched) since its last backup is written to the persistent store once
   * it has been idle this long, at the next maintenance run. 0: at the next run after any change.
   * Infinity: never because of idleness (a swap, the `persistentTimeout / 2` rule and shutdown
   * still write it).
   * @default 5_000
   */
  backupAfterIdle?: number;
  /**
   * A session idle this long is backed up if needed and dropped from memory; the next request
   * restores it from the persistent store. Infinity: never.
   * @default 900_000 (15 minutes)
   */
  swapAfterIdle?: number;
  /**
   * No session idle for less than this is swapped out, neither by `swapAfterIdle` nor to make
   * room under `maxActiveSessions`. Must not exceed `swapAfterIdle`.
   * @default 0
   */
  minIdleSwap?: number;
  /**
   * Most sessions held in memory. At the cap a new or restored session first swaps out the least
   * recently used one (after backing it up), or, with `whenFull: 'reject'`, new sessions are
   * refused. 0 or Infinity: unlimited.
   * @default 10_000
   */
  maxActiveSessions?: number;
  /**
   * At `maxActiveSessions`: 'swap' swaps out the least recently used session to make room;
   * 'reject' refuses to create new sessions with {@link SessionCapacityError} (restores of
   * existing sessions still swap). Either way, when even the least recently used session has
   * been idle for less than `minIdleSwap`, the call is refused.
   * @default 'swap'
   */
  whenFull?: WhenFull;
  /**
   * How often the maintenance run drops expired sessions, backs up and swaps out idle ones. The
   * timer never keeps the process alive.
   * @default 1_000
   */
  processExpiresInterval?: number;
  /**
   * How long the copy in the persistent store outlives its last backup, at least: the record is
   * written with `expiresAt = max(session expiry, backup time + persistentTimeout)`, so a crash
   * while a busy session's backup lags never loses it. The session's true expiry travels inside
   * the record. A changed session whose copy would lapse within `persistentTimeout / 2` is backed
   * up even while it stays busy. Must be more than twice `processExpiresInterval`
   * (createSessionTier also requires more than `idleTimeout`).
   * @default 172_800_000 (2 days)
   */
  persistentTimeout?: number;
  /**
   * Longest a change may stay in memory only while its session stays busy (never idle for
   * `backupAfterIdle`): once the oldest unsaved change is this old, the next maintenance run backs
   * the session up anyway.
   * @default 60_000, or persistentTimeout / 2 when that is shorter
   */
  maxBackupDelay?: number;
  /** `close()` writes every changed in-memory session to the persistent store. @default true */
  saveOnShutdown?: boolean;
  /** Time limit of one call to the persistent store; a slower call fails with SessionStoreTimeoutError. @default 5_000 */
  storeTimeout?: number;
  /** Clock in epoch ms, for idle and expiry decisions; replace it in tests. @default Date.now */
  clock?: () => number;
  /**
   * Called when a background backup, swap or expiry cleanup fails; the session stays in memory
   * and the next run retries. @default a console.warn, at most one per maintenance run
   */
  onBackgroundError?: (error: SessionError) => void;
}

/** Options after defaults and validation. */
export interface ResolvedTierOptions {
  store: SessionStore;
  backupAfterIdle: number;
  swapAfterIdle: number;
  minIdleSwap: number;
  maxActiveSessions: number;
  whenFull: WhenFull;
  processExpiresInterval: number;
  persistentTimeout: number;
  maxBackupDelay: number;
  saveOnShutdown: boolean;
  storeTimeout: number;
  clock: () => number;
  onBackgroundError: ((error: SessionError) => void) | null;
}

/** setTimeout/setInterval turn longer delays into 1 ms, which would make the timer a busy loop. */
export const MAX_TIMER_DELAY = 2_147_483_647;

const DAY = 86_400_000;

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A whole number of ms >= 0, or Infinity for "never". */
export function idleDuration(who: string, name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new SessionConfigError(
      `${who}: ${name} must be a whole number of milliseconds >= 0, or Infinity for never (got ${show(value)}).`,
    );
  }
  return value;
}

function positiveInteger(who: string, name: string, value: unknown, fallback: number, hint: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new SessionConfigError(
      `${who}: ${name} must be a positive whole number (got ${show(value)}); ${hint}`,
    );
  }
  return value;
}

function requireStore(who: string, store: unknown): SessionStore {
  const missing = missingStoreParts(store);
  if (missing.length > 0) {
    throw new SessionConfigError(
      `${who}: store must be the persistent sessionkit store (missing ${missing.join(', ')}); ` +
        'pass one such as createFileStore(...), createRedisStore(...) or createPostgresStore(...).',
    );
  }
  return store as SessionStore;
}

/** Applies defaults and fails fast with messages that say how to fix each problem. */
export function resolveTierOptions(
  options: TieredStoreOptions,
  who = 'createTieredStore',
  defaultPersistentTimeout = 2 * DAY,
): ResolvedTierOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionConfigError(`${who}: pass an options object with at least { store }.`);
  }
  const store = requireStore(who, options.store);
  const backupAfterIdle = idleDuration(who, 'backupAfterIdle', options.backupAfterIdle, 5_000);
  const swapAfterIdle = idleDuration(who, 'swapAfterIdle', options.swapAfterIdle, 900_000);
  const minIdleSwap = idleDuration(who, 'minIdleSwap', options.minIdleSwap, 0);
  if (
    minIdleSwap === Number.POSITIVE_INFINITY ||
    (swapAfterIdle !== Infinity && minIdleSwap > swapAfterIdle)
  ) {
    throw new SessionConfigError(
      `${who}: minIdleSwap (${minIdleSwap}) must not exceed swapAfterIdle (${swapAfterIdle}), or idle sessions ` +
        'would never be swapped out; lower minIdleSwap or raise swapAfterIdle.',
    );
  }

  let maxActiveSessions = options.maxActiveSessions ?? 10_000;
  if (maxActiveSessions === 0) maxActiveSessions = Number.POSITIVE_INFINITY;
  if (
    maxActiveSessions !== Number.POSITIVE_INFINITY &&
    (!Number.isSafeInteger(maxActiveSessions) || maxActiveSessions < 1)
  ) {
    throw new SessionConfigError(
      `${who}: maxActiveSessions must be a positive whole number, or 0 / Infinity for no limit (got ${show(maxActiveSessions)}).`,
    );
  }
  const whenFull = options.whenFull ?? 'swap';
  if (whenFull !== 'swap' && whenFull !== 'reject') {
    throw new SessionConfigError(`${who}: whenFull must be 'swap' or 'reject' (got ${show(whenFull)}).`);
  }

  const processExpiresInterval = positiveInteger(
    who,
    'processExpiresInterval',
    options.processExpiresInterval,
    1_000,
    'the default of 1000 ms suits most apps.',
  );
  if (processExpiresInterval > MAX_TIMER_DELAY) {
    throw new SessionConfigError(
      `${who}: processExpiresInterval must be at most ${MAX_TIMER_DELAY} ms (got ${processExpiresInterval}).`,
    );
  }
  const persistentTimeout = positiveInteger(
    who,
    'persistentTimeout',
    options.persistentTimeout,
    defaultPersistentTimeout,
    'it is how long the copy in the store outlives its last backup.',
  );
  if (processExpiresInterval * 2 >= persistentTimeout) {
    throw new SessionConfigError(
      `${who}: persistentTimeout (${persistentTimeout} ms) must be more than twice processExpiresInterval ` +
        `(${processExpiresInterval} ms), so a busy session is backed up before its copy in the store lapses; ` +
        'raise persistentTimeout or lower processExpiresInterval.',
    );
  }
  const maxBackupDelay = positiveInteger(
    who,
    'maxBackupDelay',
    options.maxBackupDelay,
    Math.max(1, Math.min(60_000, Math.floor(persistentTimeout / 2))),
    'it bounds how long a busy session can keep a change in memory only.',
  );
  const storeTimeout = positiveInteger(
    who,
    'storeTimeout',
    options.storeTimeout,
    5_000,
    'it bounds every call to the persistent store.',
  );
  for (const name of ['saveOnShutdown'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') {
      throw new SessionConfigError(`${who}: ${name} must be true or false (got ${show(options[name])}).`);
    }
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new SessionConfigError(`${who}: clock must be a function returning epoch milliseconds.`);
  }
  if (options.onBackgroundError !== undefined && typeof options.onBackgroundError !== 'function') {
    throw new SessionConfigError(`${who}: onBackgroundError must be a function.`);
  }
  return {
    store,
    backupAfterIdle,
    swapAfterIdle,
    minIdleSwap,
    maxActiveSessions,
    whenFull,
    processExpiresInterval,
    persistentTimeout,
    maxBackupDelay,
    saveOnShutdown: options.saveOnShutdown ?? true,
    storeTimeout,
    clock: options.clock ?? Date.now,
    onBackgroundError: options.onBackgroundError ?? null,
  };
}
