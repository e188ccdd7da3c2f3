/** The manager's own counters, behind `stats: true` and `manager.stats()`. */
import {
  SESSION_COUNTERS,
  type SessionCounter,
  type SessionTelemetry,
  type StoreCallOutcome,
} from './telemetry';

/** Calls of one store operation since the manager started. */
export interface StoreCallStats {
  calls: number;
  /** By outcome; `conflict` is a compare-and-set that lost (retried or given up). */
  outcomes: Record<StoreCallOutcome, number>;
  /** Sum and maximum of the calls' durations, in milliseconds. */
  totalMs: number;
  maxMs: number;
}

/** What `manager.stats()` returns: cumulative since the manager was created. */
export interface SessionStats {
  /** Every counted event (see SESSION_COUNTERS). */
  counters: Record<SessionCounter, number>;
  /** Store errors and timeouts by operation (`get`, `set`…). */
  storeErrors: Record<string, number>;
  storeTimeouts: Record<string, number>;
  /** Every store call, by operation. */
  storeCalls: Record<string, StoreCallStats>;
  /** Payloads written: how many, and their total and largest size in bytes as stored. */
  payloads: { count: number; totalBytes: number; maxBytes: number };
  /** The store's own counters, when it keeps any (the persistent tier does). */
  store?: object;
}

/** A sink that keeps counts in memory, and reads them back. */
export interface StatsRecorder extends SessionTelemetry {
  snapshot(): SessionStats;
}

export function createStatsRecorder(): StatsRecorder {
  const counters = Object.fromEntries(SESSION_COUNTERS.map((name) => [name, 0])) as Record<
    SessionCounter,
    number
  >;
  const storeErrors: Record<string, number> = {};
  const storeTimeouts: Record<string, number> = {};
  const storeCalls = new Map<string, StoreCallStats>();
  const payloads = { count: 0, totalBytes: 0, maxBytes: 0 };
  return {
    count(counter, operation) {
      counters[counter]++;
      if (counter === 'storeError' || counter === 'storeTimeout') {
        const byOperation = counter === 'storeError' ? storeErrors : storeTimeouts;
        const op = operation ?? 'unknown';
        byOperation[op] = (byOperation[op] ?? 0) + 1;
      }
    },
    storeCall(operation) {
      return (outcome, durationMs) => {
        let call = storeCalls.get(operation);
        if (call === undefined) {
          call = { calls: 0, outcomes: { ok: 0, conflict: 0, error: 0, timeout: 0 }, totalMs: 0, maxMs: 0 };
          storeCalls.set(operation, call);
        }
        call.calls++;
        call.outcomes[outcome]++;
        call.totalMs += durationMs;
        if (durationMs > call.maxMs) call.maxMs = durationMs;
      };
    },
    payloadSize(bytes) {
      payloads.count++;
      payloads.totalBytes += bytes;
      if (bytes > payloads.maxBytes) payloads.maxBytes = bytes;
    },
    snapshot() {
      // Copies: a caller keeping a snapshot sees it unchanged.
      return {
        counters: { ...counters },
        storeErrors: { ...storeErrors },
        storeTimeouts: { ...storeTimeouts },
        storeCalls: Object.fromEntries(
          [...storeCalls].map(([op, call]) => [op, { ...call, outcomes: { ...call.outcomes } }]),
        ),
        payloads: { ...payloads },
      };
    },
  };
}
