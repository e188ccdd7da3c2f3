import {
  SessionConfigError,
  type SessionData,
  SessionManager,
  type SessionManagerOptions,
  type SessionStats,
  type SessionStore,
} from '@sessionkit/core';
import { BusyMonitor, type BusyThresholds, type LoadReading, resolveThresholds } from './busy';
import { resolveTierOptions, type TieredStoreOptions } from './tier-options';
import { createTier, type TieredStore, type TierStats } from './tiered-store';

/**
 * What a node does with a session whose route suffix names another node (after a failover, or a
 * balancer that moved the user): 'preemptive' rebinds it to this node, 'threshold' rebinds it
 * only while this node is not busy, 'none' keeps the old route.
 */
export type RebalancePolicy = 'preemptive' | 'threshold' | 'none';

/** Options of {@link createSessionTier}. Durations are milliseconds. */
export interface SessionTierOptions
  extends Omit<SessionManagerOptions, 'store' | 'rebindRoute'>,
    Omit<TieredStoreOptions, 'store' | 'clock' | 'storeTimeout' | 'persistentTimeout'> {
  /**
   * The persistent store that backs the in-memory sessions up: any sessionkit store. The app
   * owns it: `close()` saves into it but never closes it.
   */
  store: SessionStore;
  /**
   * How long the copy in the store outlives its last backup, at least; must be longer than
   * `idleTimeout`. See {@link TieredStoreOptions.persistentTimeout}.
   * @default 2 × idleTimeout (2 days when idleTimeout is unlimited)
   */
  persistentTimeout?: number;
  /**
   * On SIGTERM and SIGINT: save every in-memory session (as `close()` does), then let the signal
   * take its normal course. See the README, "Shutdown and signals", for exactly what happens.
   * @default false
   */
  handleSignals?: boolean;
  /**
   * With `route` set: whether a session routed to another node moves to this one. Moving changes
   * the cookie only; the stored record stays the same, so nothing is lost or duplicated.
   * @default 'preemptive'
   */
  rebalance?: RebalancePolicy;
  /** When this node counts as busy, for `rebalance: 'threshold'`. */
  busyThresholds?: BusyThresholds;
}

/** Counters of {@link SessionTier.stats}. */
export interface SessionTierStats extends TierStats {
  /** Sessions from another route (or none) moved to this node's route. */
  rebinds: number;
  /** Sessions from another route left on it by the rebalancing policy. */
  rebindsDeclined: number;
  /** The load reading 'threshold' decides with; null under the other policies. */
  load: LoadReading | null;
}

const DAY = 86_400_000;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/** core's idleTimeout after defaults (0 and Infinity mean unlimited); core validates the rest. */
function idleTimeoutOf(options: SessionTierOptions): number {
  const idle = options.idleTimeout ?? DAY;
  return idle === 0 ? Number.POSITIVE_INFINITY : idle;
}

function checkPolicy(options: SessionTierOptions): RebalancePolicy {
  const policy = options.rebalance ?? 'preemptive';
  if (policy !== 'preemptive' && policy !== 'threshold' && policy !== 'none') {
    throw new SessionConfigError(
      `createSessionTier: rebalance must be 'preemptive', 'threshold' or 'none' (got ${JSON.stringify(policy)}).`,
    );
  }
  if (options.rebalance !== undefined && options.route === undefined) {
    throw new SessionConfigError(
      'createSessionTier: rebalance only applies to sessions with a route; set route (e.g. "node1") or remove rebalance.',
    );
  }
  if (options.busyThresholds !== undefined && policy !== 'threshold') {
    throw new SessionConfigError(
      "createSessionTier: busyThresholds only apply with rebalance: 'threshold'; set it or remove busyThresholds.",
    );
  }
  if (options.handleSignals !== undefined && typeof options.handleSignals !== 'boolean') {
    throw new SessionConfigError('createSessionTier: handleSignals must be true or false.');
  }
  return policy;
}

/**
 * The in-memory session tier backed by a store (Tomcat's PersistentManager model): a session
 * manager whose sessions live in process memory with a persistent store as their backup (see
 * {@link createSessionTier}). It is a core SessionManager: bindings use it unchanged.
 */
export class SessionTier<Data extends SessionData = SessionData> extends SessionManager<Data> {
  /** The memory tier in front of the persistent store. */
  readonly tier: TieredStore;
  readonly #state: { monitor: BusyMonitor | null; rebinds: number; declined: number };
  readonly #onSignal: ((signal: NodeJS.Signals) => void) | null;
  #closing: Promise<void> | undefined;

  constructor(options: SessionTierOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new SessionConfigError(
        'createSessionTier needs an options object with at least { store, secrets }.',
      );
    }
    const policy = checkPolicy(options);
    const thresholds = policy === 'threshold' ? resolveThresholds(options.busyThresholds) : null;
    const idle = idleTimeoutOf(options);
    const tierOptions = resolveTierOptions(
      options,
      'createSessionTier',
      Number.isFinite(idle) ? 2 * idle : 2 * DAY,
    );
    if (Number.isFinite(idle) && tierOptions.persistentTimeout <= idle) {
      throw new SessionConfigError(
        `createSessionTier: persistentTimeout (${tierOptions.persistentTimeout} ms) must be longer than idleTimeout ` +
          `(${idle} ms), or a session idle in memory could outlive its copy in the store; ` +
          'leave persistentTimeout unset (2 × idleTimeout) or raise it.',
      );
    }
    // The tier starts no timer before its first session, so a failure of super() leaks nothing.
    const tier = createTier(tierOptions);
    const state = { monitor: null as BusyMonitor | null, rebinds: 0, declined: 0 };
    const rebindRoute = (): boolean => {
      const move =
        policy === 'preemptive' || (policy === 'threshold' && !(state.monitor?.read().busy ?? false));
      if (move) state.rebinds++;
      else state.declined++;
      return move;
    };
    // Counting is on by default here: stats() has always reported the tier's counters, and the
    // manager's now come with them.
    super({ ...options, store: tier, rebindRoute, stats: options.stats ?? true });
    this.tier = tier;
    this.#state = state;
    if (thresholds !== null && options.route !== undefined) state.monitor = new BusyMonitor(thresholds);
    this.#onSignal = options.handleSignals
      ? (signal) => {
          void this.#shutdownOn(signal);
        }
      : null;
    if (this.#onSignal !== null) for (const signal of SIGNALS) process.on(signal, this.#onSignal);
  }

  /**
   * Stops the background timers and, with `saveOnShutdown`, writes every changed in-memory
   * session to the persistent store. Call it when the server stops taking requests. Idempotent.
   * Never closes the persistent store, which the app owns.
   */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#removeSignalHandlers();
      this.#state.monitor?.close();
      await this.tier.close();
    })();
    return this.#closing;
  }

  /**
   * The manager's counts (see SessionManager.stats; `store` holds the tier's counters) and, at
   * the top level as before, the tier's counters with the route rebinding figures.
   */
  override stats(): SessionStats & SessionTierStats {
    return {
      ...super.stats(),
      ...this.tier.stats(),
      rebinds: this.#state.rebinds,
      rebindsDeclined: this.#state.declined,
      load: this.#state.monitor?.read() ?? null,
    };
  }

  /**
   * Saves, then re-raises the signal when nothing else listens for it, so the process ends as it
   * would have without this handler (exit by signal). When the app has its own listener, that
   * listener decides how the process ends.
   */
  async #shutdownOn(signal: NodeJS.Signals): Promise<void> {
    this.#removeSignalHandlers();
    try {
      await this.close();
    } catch (error) {
      console.error(`[sessionkit/persistent] saving the in-memory sessions on ${signal} failed.`, error);
    }
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  }

  #removeSignalHandlers(): void {
    if (this.#onSignal === null) return;
    for (const signal of SIGNALS) process.off(signal, this.#onSignal);
  }
}

/**
 * Creates the in-memory session tier backed by `store`, a session manager for sticky deployments
 * the application-server way: sessions live in process memory and `store` (any sessionkit store)
 * is their backup. A session is backed up
 * once idle for `backupAfterIdle`, swapped out of memory after `swapAfterIdle`, at most
 * `maxActiveSessions` stay in memory, every session is saved on `close()` (and on SIGTERM with
 * `handleSignals`), and a session missing from memory after a restart or crash is restored from
 * the store on demand. With `route`, IDs carry a suffix the balancer can stick on.
 *
 * @example
 * const sessions = createSessionTier<{ userId: string }>({
 *   store: createRedisStore(redis, { prefix: 'sess:' }),
 *   secrets: [process.env.SESSION_SECRET!],
 *   idleTimeout: 30 * 60_000,
 *   route: process.env.NODE_NAME, // e.g. 'node1': IDs end in '.node1'
 *   backupAfterIdle: 5_000,
 *   maxActiveSessions: 50_000,
 *   handleSignals: true,
 * });
 * const session = await sessions.load(request.headers.get('cookie'));
 * session.set('userId', 'u1');
 * const setCookie = await sessions.commit(session);
 */
export function createSessionTier<Data extends SessionData = SessionData>(
  options: SessionTierOptions,
): SessionTier<Data> {
  return new SessionTier<Data>(options);
}
