import * as otel from '@opentelemetry/api';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionConflictError } from '../src/errors';
import { openTelemetry } from '../src/opentelemetry';
import { jsonCodec } from '../src/payload/codec';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import type { SessionStore } from '../src/store/store';
import type { SessionTelemetry } from '../src/telemetry/telemetry';
import { cookiePair, SECRET } from './helpers';

/** A memory store whose calls can be made to fail, hang or conflict from outside. */
function faultyStore() {
  const inner = createMemoryStore();
  const faults = { get: null as null | 'fail' | 'hang', conflictOnUpdate: false };
  const store: SessionStore = {
    capabilities: inner.capabilities,
    get: (key) =>
      faults.get === 'fail'
        ? Promise.reject(new Error('connection reset'))
        : faults.get === 'hang'
          ? new Promise(() => undefined)
          : inner.get(key),
    set: (key, record, options) =>
      faults.conflictOnUpdate && options?.expectedVersion !== undefined
        ? Promise.reject(new SessionConflictError())
        : inner.set(key, record, options),
    touch: (key, expiresAt) => inner.touch(key, expiresAt),
    destroy: (key) => inner.destroy(key),
  };
  return { store, inner, faults };
}

describe('manager.stats()', () => {
  it('counts what the manager did, store calls by operation and payload sizes', async () => {
    const sessions = createSessionManager({ store: createMemoryStore(), secrets: [SECRET], stats: true });
    const first = await sessions.load(null);
    first.set('user', 'ada');
    const cookie = cookiePair(await sessions.commit(first));
    const again = await sessions.load(cookie);
    again.set('views', 1);
    await sessions.commit(again);
    const login = await sessions.load(cookie);
    login.regenerate();
    const moved = cookiePair(await sessions.commit(login));
    const out = await sessions.load(moved);
    out.destroy();
    await sessions.commit(out);

    const stats = sessions.stats();
    expect(stats.counters).toMatchObject({
      created: 1,
      loaded: 3,
      committed: 3,
      regenerated: 1,
      destroyed: 1,
      conflictRetried: 0,
      storeError: 0,
    });
    expect(stats.storeCalls.get?.calls).toBe(3);
    expect(stats.storeCalls.set?.outcomes.ok).toBe(3);
    expect(stats.payloads.count).toBe(3);
    expect(stats.payloads.maxBytes).toBeGreaterThan(10);
    expect(stats.store).toBeUndefined();
  });

  it('counts conflicts retried and given up, store errors and timeouts by operation', async () => {
    const { store, faults } = faultyStore();
    const sessions = createSessionManager({
      store,
      secrets: [SECRET],
      stats: true,
      maxConflictRetries: 2,
      storeTimeout: 50,
    });
    const session = await sessions.load(null);
    session.set('n', 1);
    const cookie = cookiePair(await sessions.commit(session));

    faults.conflictOnUpdate = true;
    const loaded = await sessions.load(cookie);
    loaded.set('n', 2);
    await expect(sessions.commit(loaded)).rejects.toThrow(SessionConflictError);
    faults.conflictOnUpdate = false;

    faults.get = 'fail';
    await expect(sessions.load(cookie)).rejects.toMatchObject({ code: 'SESSION_STORE_ERROR' });
    faults.get = 'hang';
    await expect(sessions.load(cookie)).rejects.toMatchObject({ code: 'SESSION_STORE_TIMEOUT' });
    faults.get = null;

    const stats = sessions.stats();
    expect(stats.counters.conflictRetried).toBe(2);
    expect(stats.counters.conflictGivenUp).toBe(1);
    expect(stats.storeErrors).toEqual({ get: 1 });
    expect(stats.storeTimeouts).toEqual({ get: 1 });
    expect(stats.storeCalls.get?.outcomes).toMatchObject({ error: 1, timeout: 1 });
    expect(stats.storeCalls.set?.outcomes.conflict).toBe(3);
  });

  it('counts a payload that does not open', async () => {
    const store = createMemoryStore();
    // A writer with a codec the reader does not have: its payloads do not open there.
    const codec = { id: 200, name: 'custom', encode: jsonCodec.encode, decode: jsonCodec.decode };
    const writer = createSessionManager({ store, secrets: [SECRET], codec });
    const session = await writer.load(null);
    session.set('a', 1);
    const cookie = cookiePair(await writer.commit(session));
    const reader = createSessionManager({ store, secrets: [SECRET], stats: true });
    await reader.load(cookie);
    expect(reader.stats().counters.payloadError).toBe(1);
  });

  it('counts a session found past its idle expiry or its absolute timeout on read', async () => {
    const store = createMemoryStore();
    let now = Date.now();
    const sessions = createSessionManager({
      store,
      secrets: [SECRET],
      stats: true,
      idleTimeout: 60_000,
      absoluteTimeout: 120_000,
      clock: () => now,
    });
    const session = await sessions.load(null);
    session.set('a', 1);
    const cookie = cookiePair(await sessions.commit(session));
    // The store's own clock still sees the record live; the manager's is past its idle expiry.
    now += 61_000;
    expect((await sessions.load(cookie)).get('a')).toBeUndefined();
    now += 60_000;
    expect((await sessions.load(cookie)).get('a')).toBeUndefined();
    expect(sessions.stats().counters.expired).toBe(2);
  });

  it('is off by default, and says how to turn it on', () => {
    const sessions = createSessionManager({ store: createMemoryStore(), secrets: [SECRET] });
    expect(() => sessions.stats()).toThrow(SessionConfigError);
    expect(() => sessions.stats()).toThrow(/stats: true/);
  });

  it('refuses a telemetry option that is no sink, at construction', () => {
    const bad = { telemetry: { record() {} } as unknown as SessionTelemetry };
    expect(() => createSessionManager({ store: createMemoryStore(), secrets: [SECRET], ...bad })).toThrow(
      /telemetry must be a sink with a count\(\) method/,
    );
  });

  it('keeps serving when a sink throws', async () => {
    const sessions = createSessionManager({
      store: createMemoryStore(),
      secrets: [SECRET],
      stats: true,
      telemetry: {
        count() {
          throw new Error('broken sink');
        },
        storeCall() {
          throw new Error('broken sink');
        },
      },
    });
    const session = await sessions.load(null);
    session.set('a', 1);
    expect(await sessions.commit(session)).toMatch(/^sid=/);
    expect(sessions.stats().counters.created).toBe(1);
  });
});

class TestReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('openTelemetry()', () => {
  it('reports counters, store call durations, payload sizes and store spans through the real SDK', async () => {
    const reader = new TestReader();
    const meters = new MeterProvider({ readers: [reader] });
    const spans = new InMemorySpanExporter();
    const tracers = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    // The app's API module, with its providers: here an object like the module, on the test's.
    const api = { ...otel, metrics: { getMeter: (name: string) => meters.getMeter(name) } } as never;
    const trace = { getTracer: (name: string) => tracers.getTracer(name) };
    const { store, faults } = faultyStore();
    const sessions = createSessionManager({
      store,
      secrets: [SECRET],
      telemetry: openTelemetry({ ...(api as object), trace } as never),
    });
    const session = await sessions.load(null);
    session.set('user', 'ada');
    const cookie = cookiePair(await sessions.commit(session));
    await sessions.load(cookie);
    faults.get = 'fail';
    await expect(sessions.load(cookie)).rejects.toThrow();

    const { resourceMetrics } = await reader.collect();
    const metrics = new Map(
      resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).map((m) => [m.descriptor.name, m]),
    );
    const sum = (name: string) =>
      (metrics.get(name)?.dataPoints ?? []).reduce((n, point) => n + (point.value as number), 0);
    expect(sum('sessionkit.session.created')).toBe(1);
    expect(sum('sessionkit.session.loaded')).toBe(1);
    expect(sum('sessionkit.session.committed')).toBe(1);
    const errors = metrics.get('sessionkit.session.store_error')?.dataPoints ?? [];
    expect(errors.map((p) => [p.attributes['sessionkit.store.operation'], p.value])).toEqual([['get', 1]]);
    const durations = metrics.get('sessionkit.store.duration');
    expect(durations?.descriptor.unit).toBe('s');
    const outcomes = (durations?.dataPoints ?? []).map((p) => [
      p.attributes['sessionkit.store.operation'],
      p.attributes['sessionkit.store.outcome'],
      (p.value as { count: number }).count,
    ]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['set', 'ok', 1],
        ['get', 'ok', 1],
        ['get', 'error', 1],
      ]),
    );
    expect(metrics.get('sessionkit.payload.size')?.descriptor.unit).toBe('By');

    const finished = spans.getFinishedSpans();
    expect(finished.map((s) => s.name)).toEqual([
      'sessionkit.store set',
      'sessionkit.store get',
      'sessionkit.store get',
    ]);
    expect(finished[2]?.status.code).toBe(otel.SpanStatusCode.ERROR);
    expect(finished[0]?.kind).toBe(otel.SpanKind.CLIENT);
    await meters.shutdown();
    await tracers.shutdown();
  });
});
