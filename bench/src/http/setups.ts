/**
 * The setups of src/http/variants.ts made concrete: sessionkit's options for each, and the data
 * the servers seed and sign in with. The peer takes the same data, so a 10 KB row compares the
 * two libraries on one session.
 */
import { createHash } from 'node:crypto';
import * as otel from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import type { EnvelopeOptions, SessionManagerOptions } from '@sessionkit/core';
import { openTelemetry } from '@sessionkit/core/opentelemetry';
import { realisticSession } from '../lib/session-data';
import { type Setup, seedData } from './variants';

/** JSON bytes the 10 KB sessions aim at. */
export const LARGE_SESSION_BYTES = 10 * 1024;

/** A fixed key of the benchmark, never one to deploy: 32+ characters, stretched by HKDF in core. */
const ENCRYPTION_KEY = { id: 'bench-1', key: 'skbench-encryption-key-0123456789abcdef' };

/**
 * sessionkit's options beside the defaults. `large` keeps the defaults, under which a 10 KB body
 * is gzipped (over the 1 KiB threshold) and the ~200 B default session is not; so the cost of
 * compression is `large` against `large-uncompressed`, the same session with it off.
 */
export function setupOptions(setup: Setup | undefined): EnvelopeOptions & Partial<SessionManagerOptions> {
  if (setup === 'encrypted') return { encryption: { keys: [ENCRYPTION_KEY] } };
  if (setup === 'telemetry') return { stats: true, telemetry: openTelemetry(telemetryApi()) };
  if (setup === 'large-uncompressed') return { compression: false };
  return {};
}

/** A reader that aggregates and is never exported: the SDK's cost, without an exporter's. */
class HeldReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The OpenTelemetry API with the SDK's real providers behind it, as an app that exports would
 * have (meters aggregating, every span recorded), minus the exporter itself.
 */
function telemetryApi() {
  const meters = new MeterProvider({ readers: [new HeldReader()] });
  const tracers = new BasicTracerProvider();
  return {
    ...otel,
    metrics: { getMeter: (name: string) => meters.getMeter(name) },
    trace: { getTracer: (name: string) => tracers.getTracer(name) },
  } as unknown as Parameters<typeof openTelemetry>[0];
}

const isLarge = (setup: Setup | undefined) => setup === 'large' || setup === 'large-uncompressed';

/**
 * Seeded session `i`: seedData's fields, and for the 10 KB setups a cart of many items and a list
 * of recently viewed products on top. Its ids come from a hash of `i`, not from chance, so every
 * server seeds the same bytes for the same `i`.
 */
export function seedFor(setup: Setup | undefined, i: number): Record<string, unknown> {
  const small = seedData(i);
  if (!isLarge(setup)) return small;
  let counter = 0;
  const random = (bytes: number) =>
    createHash('sha256').update(`${i}:${counter++}`).digest().subarray(0, bytes);
  // seedData's user, roles, csrf and views stay as /read and /seed know them; its two-item cart
  // gives way to the long one.
  const { cart, recentlyViewed, currency, prefs } = realisticSession(LARGE_SESSION_BYTES, random);
  return { ...small, cart, recentlyViewed, currency, prefs };
}

/**
 * What /login stores beside the user: nothing by default; for the 10 KB setups, a sign-in that
 * loads the user's saved cart and recent items, so that login writes a 10 KB session too. Built
 * once per server, as the per-request work must be the session's, not the data's.
 */
export function loginData(setup: Setup | undefined): Record<string, unknown> {
  if (!isLarge(setup)) return {};
  const { user: _user, ...rest } = seedFor(setup, 0);
  return rest;
}
