import { type CookieOptions, type ResolvedCookieOptions, resolveCookieOptions } from '../cookie/cookie';
import { ROUTE_PATTERN } from '../cookie/ids';
import { normalizeSecrets } from '../cookie/signer';
import { SessionConfigError } from '../errors';
import { buildEnvelope, type CoreEnvelope, type EnvelopeOptions } from '../payload/envelope';
import { missingStoreParts, type SessionStore } from '../store/store';
import { createStatsRecorder, type StatsRecorder } from '../telemetry/stats';
import { combineTelemetry, countingHooks, type SessionTelemetry } from '../telemetry/telemetry';
import type { SessionHooks } from './hooks';
import { resolveVerifyOnStart, type VerifyOnStart } from './startup';

/** What to do when the store fails or times out. */
export type StoreErrorPolicy = 'fail-closed' | 'fail-open';

/** Options of {@link createSessionManager}. Durations are milliseconds. */
export interface SessionManagerOptions extends EnvelopeOptions {
  /** Where sessions are persisted. */
  store: SessionStore;
  /**
   * Cookie signing secrets, at least 32 characters each. The first signs; all verify, so a new
   * secret goes first and the old one stays until every cookie it signed has expired.
   */
  secrets: string | readonly string[];
  /** Session cookie attributes. */
  cookie?: CookieOptions;
  /**
   * Sliding expiry: the session ends after this long without a request. 0 or Infinity disables
   * it (then absoluteTimeout must be set).
   * @default 86_400_000 (24 hours)
   */
  idleTimeout?: number;
  /**
   * The session ends this long after it was created, however active it is; never extended, not
   * even by regenerate(). 0 or Infinity disables it (then idleTimeout must be set).
   * @default 604_800_000 (7 days)
   */
  absoluteTimeout?: number;
  /**
   * Lazy touch: a request that changes nothing writes nothing unless the expiry would move by at
   * least this much. Must be below idleTimeout.
   * @default min(60_000, idleTimeout / 10)
   */
  touchAfter?: number;
  /**
   * Send Set-Cookie on every response. Without it, the cookie is sent when its value changes (a
   * new session, regenerate(), a cookie signed with an older secret) and, for a persistent
   * cookie, when the session's expiry has moved across a multiple of touchAfter: the cookie then
   * gets an expiry touchAfter (plus a second) past the session's, so it always outlives the
   * session without a header on every write.
   * @default false
   */
  rolling?: boolean;
  /** Store a SHA-256 of the session ID instead of the ID itself. @default true */
  hashIds?: boolean;
  /** Compare-and-set retries after a conflict before commit gives up with SessionConflictError. @default 10 */
  maxConflictRetries?: number;
  /** Time limit of one store call; a slower call rejects with SessionStoreTimeoutError. @default 5_000 */
  storeTimeout?: number;
  /**
   * 'fail-closed': a store failure rejects load/commit, so the app answers with an error.
   * 'fail-open': load yields an anonymous, unsaved session and commit skips the write; the
   * user's cookie is left alone so the session is back once the store recovers.
   * @default 'fail-closed'
   */
  onStoreError?: StoreErrorPolicy;
  /**
   * Route affinity for sticky load balancers: new IDs get this suffix (`<id>.<route>`), which the
   * balancer can stick on. The stored record does not depend on it.
   * @default undefined (no suffix)
   */
  route?: string;
  /**
   * Decides, when a request carries a session routed to another node (or to none), whether to
   * move it to this node's route: a new cookie, the same stored record, so nothing is lost or
   * duplicated. Only consulted when `route` is set.
   * @default () => true (preemptive)
   */
  rebindRoute?: (from: string | null) => boolean;
  /** Audit and metrics hooks. */
  hooks?: SessionHooks;
  /**
   * Where the manager reports counted events, store call durations and payload sizes: for
   * example `openTelemetry(api)` from `@sessionkit/core/opentelemetry`, or a sink of your own.
   * @default none: nothing is measured
   */
  telemetry?: SessionTelemetry | readonly SessionTelemetry[];
  /**
   * Keep the same counts in memory for `manager.stats()`, for apps without a metrics pipeline.
   * @default false
   */
  stats?: boolean;
  /** Clock in epoch ms; replace it in tests to cross timeouts without waiting. @default Date.now */
  clock?: () => number;
  /**
   * Verify the store when the manager is created (see `manager.verify()`): that the server
   * answers, the credentials work, the table or collection has every mapped column, a probe
   * record can be written and deleted, expiry is in place and the clocks agree.
   * - `'warn'`: in the background; problems are reported once through the `verify` hook, or
   *   `console.warn` without one, and requests are served as usual.
   * - `'fail'`: `manager.ready` rejects with the `SessionVerifyError`, and so do `load` and
   *   `commit` until a verification passes. Await `manager.ready` at startup to refuse to start.
   * - `'off'`: nothing runs (tests that create many managers; apps that call `verify()` themselves).
   * @default 'warn'
   * @example
   * const sessions = createSessionManager({ store, secrets, verifyOnStart: 'fail' });
   * await sessions.ready; // rejects with SessionVerifyError listing every problem and its fix
   */
  verifyOnStart?: VerifyOnStart;
}

/** Options after defaults and validation. */
export interface ResolvedOptions {
  store: SessionStore;
  secrets: string[];
  cookie: ResolvedCookieOptions;
  idleTimeout: number;
  absoluteTimeout: number;
  touchAfter: number;
  rolling: boolean;
  hashIds: boolean;
  maxConflictRetries: number;
  storeTimeout: number;
  onStoreError: StoreErrorPolicy;
  route: string | null;
  rebindRoute: (from: string | null) => boolean;
  hooks: SessionHooks;
  /** Every telemetry sink as one (the stats recorder included); null when nothing is measured. */
  telemetry: SessionTelemetry | null;
  /** The in-memory counts behind manager.stats(); null unless `stats: true`. */
  stats: StatsRecorder | null;
  clock: () => number;
  verifyOnStart: VerifyOnStart;
  /** Seals and opens payloads, built from the envelope options (codec, compression, encryption…). */
  envelope: CoreEnvelope;
}

const DAY = 86_400_000;

/** Normalises "unlimited" (0 or Infinity) to Infinity and rejects anything else that is not a duration. */
function duration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === 0 || value === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new SessionConfigError(
      `${name} must be a whole number of milliseconds (0 or Infinity for unlimited), not ${String(value)}.`,
    );
  }
  return value;
}

function requireStore(store: unknown): SessionStore {
  const missing = missingStoreParts(store);
  if (missing.length > 0) {
    throw new SessionConfigError(
      `store must be a sessionkit store (missing ${missing.join(', ')}); ` +
        'create one with createMemoryStore(), createFileStore(...), createRedisStore(...) and so on.',
    );
  }
  return store as SessionStore;
}

function resolveRoute(route: unknown): string | null {
  if (route === undefined || route === null) return null;
  if (typeof route !== 'string' || !ROUTE_PATTERN.test(route)) {
    throw new SessionConfigError(
      `route must be 1-32 letters, digits, "-" or "_" (it becomes the ID suffix), not ${JSON.stringify(route)}.`,
    );
  }
  return route;
}

/**
 * Applies defaults and fails fast, with a message that says how to fix each problem. The one pass
 * over the user's options: the envelope options are resolved here too, last, into the envelope.
 */
export function resolveOptions(options: SessionManagerOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SessionConfigError(
      'createSessionManager needs an options object with at least { store, secrets }.',
    );
  }
  const idleTimeout = duration('idleTimeout', options.idleTimeout, DAY);
  const absoluteTimeout = duration('absoluteTimeout', options.absoluteTimeout, 7 * DAY);
  if (idleTimeout === Number.POSITIVE_INFINITY && absoluteTimeout === Number.POSITIVE_INFINITY) {
    throw new SessionConfigError(
      'idleTimeout and absoluteTimeout are both unlimited, so sessions would never expire; set at least one of them.',
    );
  }
  const touchDefault = Number.isFinite(idleTimeout) ? Math.min(60_000, Math.floor(idleTimeout / 10)) : 60_000;
  const touchAfter = options.touchAfter ?? touchDefault;
  if (
    !Number.isInteger(touchAfter) ||
    touchAfter < 0 ||
    (Number.isFinite(idleTimeout) && touchAfter >= idleTimeout)
  ) {
    throw new SessionConfigError(
      `touchAfter (${String(touchAfter)}) must be a whole number of milliseconds below idleTimeout (${idleTimeout}); ` +
        'a session must be touched before it idles out.',
    );
  }
  const maxConflictRetries = options.maxConflictRetries ?? 10;
  if (!Number.isInteger(maxConflictRetries) || maxConflictRetries < 0 || maxConflictRetries > 1000) {
    throw new SessionConfigError(
      `maxConflictRetries must be a whole number from 0 to 1000, not ${String(maxConflictRetries)}.`,
    );
  }
  const storeTimeout = options.storeTimeout ?? 5_000;
  if (!Number.isInteger(storeTimeout) || storeTimeout <= 0) {
    throw new SessionConfigError(
      `storeTimeout must be a positive whole number of milliseconds, not ${String(storeTimeout)}.`,
    );
  }
  const onStoreError = options.onStoreError ?? 'fail-closed';
  if (onStoreError !== 'fail-closed' && onStoreError !== 'fail-open') {
    throw new SessionConfigError(
      `onStoreError must be 'fail-closed' or 'fail-open', not "${String(onStoreError)}".`,
    );
  }
  return {
    store: requireStore(options.store),
    secrets: normalizeSecrets(options.secrets),
    cookie: resolveCookieOptions(options.cookie),
    idleTimeout,
    absoluteTimeout,
    touchAfter,
    rolling: options.rolling ?? false,
    hashIds: options.hashIds ?? true,
    maxConflictRetries,
    storeTimeout,
    onStoreError,
    route: resolveRoute(options.route),
    rebindRoute: options.rebindRoute ?? (() => true),
    ...observation(options),
    clock: options.clock ?? Date.now,
    verifyOnStart: resolveVerifyOnStart(options.verifyOnStart),
    envelope: buildEnvelope(options),
  };
}

/** The hooks, the telemetry sinks and the stats recorder, from the options. */
function observation(options: SessionManagerOptions): Pick<ResolvedOptions, 'hooks' | 'telemetry' | 'stats'> {
  const hooks = options.hooks ?? {};
  const given = options.telemetry;
  const sinks: SessionTelemetry[] =
    given === undefined ? [] : Array.isArray(given) ? [...given] : [given as SessionTelemetry];
  sinks.forEach((sink, index) => {
    if (typeof sink?.count !== 'function') {
      throw new SessionConfigError(
        `telemetry${Array.isArray(given) ? `[${index}]` : ''} must be a sink with a count() method, ` +
          'such as openTelemetry(api) from @sessionkit/core/opentelemetry.',
      );
    }
  });
  if (options.stats !== undefined && typeof options.stats !== 'boolean') {
    throw new SessionConfigError(`stats must be true or false (got ${String(options.stats)}).`);
  }
  const stats = options.stats ? createStatsRecorder() : null;
  if (stats) sinks.push(stats);
  if (sinks.length === 0) return { hooks, telemetry: null, stats: null };
  const telemetry = combineTelemetry(sinks);
  return { hooks: countingHooks(hooks, telemetry), telemetry, stats };
}
