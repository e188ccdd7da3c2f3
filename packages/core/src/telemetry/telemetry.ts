/**
 * What a session manager reports about its work, for metrics and traces: counted events, the
 * duration and outcome of every store call, and the size of every payload written. Nothing is
 * measured unless the manager is given a telemetry sink (`telemetry` option) or `stats: true`; a
 * manager without either pays one property check per store call.
 */
import type { SessionHooks } from '../session/hooks';

/** The events a manager counts, in the order `stats()` lists them. */
export const SESSION_COUNTERS = [
  /** A new session was saved for the first time. */
  'created',
  /** A cookie named a live session, which was read from the store. */
  'loaded',
  /** A session was written (insert, login or compare-and-set). */
  'committed',
  /** destroy() removed a session. */
  'destroyed',
  /** regenerate() moved a session to a new ID. */
  'regenerated',
  /** A session was found expired on read: past its absolute timeout (then removed), or its idle expiry. */
  'expired',
  /** A compare-and-set lost to another writer and was retried. */
  'conflictRetried',
  /** A compare-and-set still conflicted after maxConflictRetries: the commit failed. */
  'conflictGivenUp',
  /** A store call failed (not a timeout, conflict or corrupt record). */
  'storeError',
  /** A store call passed storeTimeout. */
  'storeTimeout',
  /** A stored payload did not open (corrupt bytes, unknown codec or key). */
  'payloadError',
] as const;

/** One of {@link SESSION_COUNTERS}. */
export type SessionCounter = (typeof SESSION_COUNTERS)[number];

/** How a store call ended. A conflict is control flow (retried), not a failure. */
export type StoreCallOutcome = 'ok' | 'conflict' | 'error' | 'timeout';

/**
 * A sink for what a manager measures. `openTelemetry()` (from `@sessionkit/core/opentelemetry`)
 * and the manager's own `stats: true` counters are sinks; an app may write its own.
 *
 * @example
 * const log: SessionTelemetry = {
 *   count: (counter, operation) => console.log('session', counter, operation ?? ''),
 * };
 * createSessionManager({ store, secrets, telemetry: log });
 */
export interface SessionTelemetry {
  /** An event happened; `operation` is the store operation for storeError and storeTimeout. */
  count(counter: SessionCounter, operation?: string): void;
  /**
   * A store call starts; the function returned is called once when it settles, with how long it
   * took in milliseconds. For spans, open one here and end it in the returned function.
   */
  storeCall?(operation: string): (outcome: StoreCallOutcome, durationMs: number) => void;
  /** A payload of this many bytes (sealed: compressed and encrypted as stored) is being written. */
  payloadSize?(bytes: number): void;
}

/** Several sinks as one, each called in turn; a sink that throws never breaks the request. */
export function combineTelemetry(sinks: readonly SessionTelemetry[]): SessionTelemetry {
  if (sinks.length === 1) return sinks[0] as SessionTelemetry;
  const calls = sinks.filter((sink) => sink.storeCall);
  const sizes = sinks.filter((sink) => sink.payloadSize);
  return {
    count(counter, operation) {
      for (const sink of sinks) guarded(() => sink.count(counter, operation));
    },
    storeCall(operation) {
      const ends = calls.map((sink) => guarded(() => sink.storeCall?.(operation)));
      return (outcome, durationMs) => {
        for (const end of ends) guarded(() => end?.(outcome, durationMs));
      };
    },
    payloadSize(bytes) {
      for (const sink of sizes) guarded(() => sink.payloadSize?.(bytes));
    },
  };
}

function guarded<T>(run: () => T): T | undefined {
  try {
    return run();
  } catch (error) {
    console.error('[sessionkit] a telemetry sink threw; the request continues.', error);
    return undefined;
  }
}

/**
 * The app's hooks with the hook-shaped events counted first: created, regenerated, destroyed,
 * expired, conflicts, store errors and timeouts, payload errors. Done once at construction, so
 * the manager's event sites stay as they are.
 */
export function countingHooks(hooks: SessionHooks, sink: SessionTelemetry): SessionHooks {
  return {
    ...hooks,
    created(event) {
      sink.count('created');
      hooks.created?.(event);
    },
    regenerated(event) {
      sink.count('regenerated');
      hooks.regenerated?.(event);
    },
    destroyed(event) {
      sink.count('destroyed');
      hooks.destroyed?.(event);
    },
    expired(event) {
      sink.count('expired');
      hooks.expired?.(event);
    },
    conflict(event) {
      sink.count('conflictRetried');
      hooks.conflict?.(event);
    },
    storeError(event) {
      sink.count(
        event.error.code === 'SESSION_STORE_TIMEOUT' ? 'storeTimeout' : 'storeError',
        event.operation,
      );
      hooks.storeError?.(event);
    },
    payloadError(event) {
      sink.count('payloadError');
      hooks.payloadError?.(event);
    },
  };
}
