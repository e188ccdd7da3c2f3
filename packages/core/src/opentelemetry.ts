/**
 * `@sessionkit/core/opentelemetry`: a telemetry sink on the OpenTelemetry API. The app passes the
 * `@opentelemetry/api` module it already has (an optional peer dependency: core never imports it)
 * and registers its own providers and exporters; none is bundled here. Without registered
 * providers the API's no-op meters and tracers make this cost almost nothing.
 */
import type * as OtelApi from '@opentelemetry/api';
import {
  SESSION_COUNTERS,
  type SessionCounter,
  type SessionTelemetry,
  type StoreCallOutcome,
} from './telemetry/telemetry';

/** The parts of the `@opentelemetry/api` module this sink uses. */
export type OpenTelemetryApi = Pick<typeof OtelApi, 'metrics' | 'trace' | 'SpanKind' | 'SpanStatusCode'>;

/** Options of {@link openTelemetry}. */
export interface OpenTelemetryOptions {
  /** The meter's and tracer's name (the instrumentation scope). @default '@sessionkit/core' */
  name?: string;
  /** A CLIENT span around every store call, child of the active span. @default true */
  spans?: boolean;
}

const OPERATION = 'sessionkit.store.operation';
const OUTCOME = 'sessionkit.store.outcome';

/**
 * Counters `sessionkit.session.<event>` (created, loaded, committed, destroyed, regenerated,
 * expired, conflict_retried, conflict_given_up, store_error, store_timeout, payload_error; the
 * store errors and timeouts with the operation as `sessionkit.store.operation`), histograms
 * `sessionkit.store.duration` (seconds, by operation and outcome) and `sessionkit.payload.size`
 * (bytes as stored), and spans `sessionkit.store <operation>` around store calls.
 *
 * @example
 * import * as otel from '@opentelemetry/api';
 * import { openTelemetry } from '@sessionkit/core/opentelemetry';
 *
 * const sessions = createSessionManager({ store, secrets, telemetry: openTelemetry(otel) });
 */
export function openTelemetry(api: OpenTelemetryApi, options: OpenTelemetryOptions = {}): SessionTelemetry {
  const name = options.name ?? '@sessionkit/core';
  const meter = api.metrics.getMeter(name);
  const tracer = options.spans === false ? null : api.trace.getTracer(name);
  const counters = new Map(
    SESSION_COUNTERS.map((counter) => [
      counter,
      meter.createCounter(`sessionkit.session.${snakeCase(counter)}`, { description: DESCRIPTIONS[counter] }),
    ]),
  );
  const duration = meter.createHistogram('sessionkit.store.duration', {
    unit: 's',
    description: 'Duration of session store calls',
  });
  const size = meter.createHistogram('sessionkit.payload.size', {
    unit: 'By',
    description: 'Size of session payloads written, as stored',
  });
  // Attribute objects built once per operation and outcome: a store call allocates none.
  const byOperation = new Map<
    string,
    { operation: OtelApi.Attributes; outcomes: Map<string, OtelApi.Attributes> }
  >();
  const attributesOf = (operation: string) => {
    let entry = byOperation.get(operation);
    if (entry === undefined) {
      entry = { operation: { [OPERATION]: operation }, outcomes: new Map() };
      byOperation.set(operation, entry);
    }
    return entry;
  };
  const withOutcome = (operation: string, outcome: StoreCallOutcome) => {
    const entry = attributesOf(operation);
    let attributes = entry.outcomes.get(outcome);
    if (attributes === undefined) {
      attributes = { [OPERATION]: operation, [OUTCOME]: outcome };
      entry.outcomes.set(outcome, attributes);
    }
    return attributes;
  };

  return {
    count(counter, operation) {
      counters.get(counter)?.add(1, operation === undefined ? undefined : attributesOf(operation).operation);
    },
    storeCall(operation) {
      const span = tracer?.startSpan(`sessionkit.store ${operation}`, {
        kind: api.SpanKind.CLIENT,
        attributes: attributesOf(operation).operation,
      });
      return (outcome, durationMs) => {
        duration.record(durationMs / 1000, withOutcome(operation, outcome));
        if (span === undefined) return;
        span.setAttribute(OUTCOME, outcome);
        if (outcome === 'error' || outcome === 'timeout') span.setStatus({ code: api.SpanStatusCode.ERROR });
        span.end();
      };
    },
    payloadSize(bytes) {
      size.record(bytes);
    },
  };
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

const DESCRIPTIONS: Record<SessionCounter, string> = {
  created: 'Sessions saved for the first time',
  loaded: 'Live sessions read from the store for a request',
  committed: 'Session writes (inserts, logins, compare-and-set)',
  destroyed: 'Sessions removed by destroy()',
  regenerated: 'Sessions moved to a new ID by regenerate()',
  expired: 'Sessions found expired on read (absolute timeout or idle expiry)',
  conflictRetried: 'Compare-and-set conflicts retried',
  conflictGivenUp: 'Compare-and-set conflicts that failed the commit after every retry',
  storeError: 'Failed store calls, by operation',
  storeTimeout: 'Store calls past storeTimeout, by operation',
  payloadError: 'Stored payloads that did not open',
};
