/**
 * Internal plumbing shared by the topical test files: one isolated target per test, a guard that
 * turns contract violations into readable failures, and byte/record assertions that print the
 * first difference instead of a megabyte-long diff.
 */
import {
  isSessionError,
  type SessionError,
  type SessionErrorCode,
  type SessionStore,
  STORE_OPERATIONS,
  type StoreCapabilities,
  type StoredRecord,
} from '@sessionkit/core';
import { assert, expect, type TestContext, test } from 'vitest';
import type { ConformanceOptions, ConformanceTarget, RawReader, RawRecord, RawWriter } from './types';
import { translateVersions } from './versions';

/** The options every topical file receives, with defaults applied. */
export interface Suite {
  name: string;
  setup: ConformanceOptions['setup'];
  /** Expiry resolution in ms (>= 1). */
  resolution: number;
}

/** What a test body works with. `store` is wrapped by {@link guardStore}. */
export interface Fixture {
  store: SessionStore;
  raw: RawReader;
  /** The target's raw writer, if its store test file supplies one. */
  rawWriter: RawWriter | undefined;
  resolution: number;
  /** Sets up one more isolated store on the same backend; torn down with the test's own. */
  another(): Promise<{ store: SessionStore; raw: RawReader; rawWriter: RawWriter | undefined }>;
}

export type Capability = keyof StoreCapabilities;

interface StoreTestOptions {
  /** Capabilities the test needs; without them it is skipped at run time with a printed reason. */
  requires?: Capability[];
  timeout?: number;
}

/**
 * Registers one test that gets a fresh target from `setup()`, and closes and tears down every
 * target it created whatever the outcome.
 */
export function storeTest(
  suite: Suite,
  title: string,
  body: (fixture: Fixture, ctx: TestContext) => Promise<void>,
  options: StoreTestOptions = {},
): void {
  const timeout = options.timeout ?? 30_000 + 5 * suite.resolution;
  test(title, { timeout }, async (ctx) => {
    const targets: ConformanceTarget[] = [];
    const open = async () => {
      const target = await suite.setup();
      targets.push(target);
      const { store, raw } = translateVersions(guardStore(target.store), target.raw);
      return { store, raw, rawWriter: target.rawWriter };
    };
    let failed = false;
    let failure: unknown;
    try {
      const first = await open();
      for (const capability of options.requires ?? []) {
        if (first.store.capabilities[capability] !== true) ctx.skip(missingCapability(capability));
      }
      await body({ ...first, resolution: suite.resolution, another: open }, ctx);
    } catch (error) {
      failed = true;
      failure = error;
    }
    const cleanupErrors = await release(targets);
    // The body's own failure says more than a teardown that tripped over the state it left.
    if (failed) throw failure;
    if (cleanupErrors.length > 0) {
      throw new AggregateError(cleanupErrors, `${suite.name}: store.close() or teardown() failed`);
    }
  });
}

function missingCapability(capability: Capability): string {
  if (capability === 'nativeExpiry')
    return 'store declares no native expiry (capabilities.nativeExpiry is false)';
  if (capability === 'ownerDetails') {
    return 'store keeps no session details (capabilities.ownerDetails is false)';
  }
  if (capability === 'replaceOnInsert') {
    return 'store declares no replacing insert (capabilities.replaceOnInsert is false)';
  }
  return `store declares no ${capability}() (capabilities.${capability} is false)`;
}

async function release(targets: ConformanceTarget[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for (const target of targets) {
    try {
      await target.store.close?.();
    } catch (error) {
      errors.push(error);
    }
    try {
      await target.teardown?.();
    } catch (error) {
      errors.push(error);
    }
  }
  return errors;
}

/**
 * Wraps a store so that every contract violation fails with a message naming the method: a
 * synchronous throw, a non-promise result, or a rejection outside the SessionError family (core
 * relies on `isSessionError()` to tell a conflict or an outage from a bug).
 */
export function guardStore(store: SessionStore): SessionStore {
  const guarded: Record<string, unknown> = { capabilities: store.capabilities };
  for (const method of STORE_OPERATIONS) {
    const fn = store[method] as ((...args: unknown[]) => unknown) | undefined;
    if (typeof fn !== 'function') continue;
    guarded[method] = (...args: unknown[]) => {
      let result: unknown;
      try {
        result = fn.apply(store, args);
      } catch (error) {
        throw new Error(
          `store.${method}() threw synchronously (${show(error)}); every store method must return a promise`,
          { cause: error },
        );
      }
      if (!isPromiseLike(result)) {
        throw new Error(`store.${method}() returned ${show(result)} instead of a promise`);
      }
      return Promise.resolve(result).catch((error: unknown) => {
        if (isSessionError(error)) throw error;
        throw new Error(
          `store.${method}() rejected with ${show(error)}, which is not a SessionError ` +
            '(isSessionError() is false); wrap driver errors in SessionStoreError with the original as cause',
          { cause: error },
        );
      });
    };
  }
  return guarded as unknown as SessionStore;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A short, printable description of any value, for failure messages. */
export function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value instanceof Uint8Array) return `${value.constructor.name}(${value.length})`;
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'object' && value !== null)
    return `a ${value.constructor?.name ?? 'null-prototype'} object`;
  return String(value);
}

/** Asserts byte equality and reports the first difference rather than dumping both arrays. */
export function expectBytes(actual: unknown, expected: Uint8Array, what: string): void {
  if (!(actual instanceof Uint8Array)) assert.fail(`${what}: expected a Uint8Array, got ${show(actual)}`);
  if (actual.length !== expected.length) {
    assert.fail(`${what}: ${actual.length} bytes instead of ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    if (actual[i] !== expected[i])
      assert.fail(`${what}: byte ${i} is ${actual[i]} instead of ${expected[i]}`);
  }
}

/** Whether an expiry read back matches the one written, given the backend's resolution. */
export function sameExpiry(actual: unknown, expected: number, resolution: number): boolean {
  if (typeof actual !== 'number') return false;
  return resolution <= 1 ? actual === expected : Math.abs(actual - expected) <= resolution;
}

/** Asserts an expiry read back, allowing the backend's resolution. */
export function expectExpiry(actual: unknown, expected: number, resolution: number, what: string): void {
  if (!sameExpiry(actual, expected, resolution)) {
    const tolerance = resolution <= 1 ? '' : ` (±${resolution} ms)`;
    assert.fail(`${what}: expiresAt is ${show(actual)}, expected ${expected}${tolerance}`);
  }
}

/** Asserts that a record (from `get` or the raw reader) holds exactly what was written. */
export function expectRecord(
  actual: StoredRecord | RawRecord | null,
  expected: StoredRecord,
  resolution: number,
  what: string,
): void {
  if (actual === null) assert.fail(`${what}: expected a record, got null`);
  expectBytes(actual.payload, expected.payload, `${what}: payload`);
  expect(actual.version, `${what}: version`).toBe(expected.version);
  expect(actual.ownerId ?? null, `${what}: ownerId`).toBe(expected.ownerId ?? null);
  expectExpiry(actual.expiresAt, expected.expiresAt, resolution, what);
}

/** Asserts that the backend physically holds exactly `expected` under `key`. */
export async function expectRaw(
  raw: RawReader,
  key: string,
  expected: StoredRecord,
  resolution: number,
  what = 'raw record',
): Promise<void> {
  expectRecord(await raw.read(key), expected, resolution, what);
}

/**
 * `get` returns `expected` and the backend holds it, as the raw reader sees it: the two checks
 * almost every case makes after a write. `when` completes both messages ('after insert').
 */
export async function expectStored(
  { store, raw, resolution }: Pick<Fixture, 'store' | 'raw' | 'resolution'>,
  key: string,
  expected: StoredRecord,
  when?: string,
): Promise<void> {
  expectRecord(await store.get(key), expected, resolution, when ? `get ${when}` : 'get');
  await expectRaw(raw, key, expected, resolution, when ? `raw record ${when}` : 'raw record');
}

/** Awaits a promise that must reject with a SessionError (optionally of one code); returns it. */
export async function expectSessionError(
  promise: Promise<unknown>,
  code: SessionErrorCode | undefined,
  what: string,
): Promise<SessionError> {
  let outcome: { error: unknown } | null = null;
  try {
    await promise;
  } catch (error) {
    outcome = { error };
  }
  if (outcome === null) assert.fail(`${what}: resolved, expected a rejection${code ? ` with ${code}` : ''}`);
  const { error } = outcome;
  if (!isSessionError(error)) assert.fail(`${what}: rejected with ${show(error)}, not a SessionError`);
  if (code !== undefined && error.code !== code) {
    assert.fail(`${what}: rejected with ${error.code} (${error.message}), expected ${code}`);
  }
  return error;
}

/**
 * An expiry that has clearly passed even on a backend that rounds to its resolution: core can
 * hand a store a deadline in the past (a slow request, an absolute timeout reached mid-request).
 */
export function expiredAt(resolution: number): number {
  return Date.now() - 1_000 - resolution;
}

/** How long a "short-lived" record lives: long enough to be written and read back first. */
export function shortTtl(resolution: number): number {
  return Math.max(300, 2 * resolution);
}

/**
 * Waits until `deadline` has passed by more than the backend's expiry resolution. Expiry tests
 * cannot wait for a readiness signal: the passing of time is the thing under test.
 */
export async function waitPast(deadline: number, resolution: number): Promise<void> {
  const until = deadline + resolution + 5;
  while (Date.now() <= until) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(until - Date.now() + 1, 1_000)));
  }
}

/** Sorted copy, for order-independent comparisons. */
export function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}
