import { describe, expect, test } from 'vitest';
import { isSessionError, SessionStoreError } from '../src/errors';
import { createSessionManager } from '../src/session/manager';
import { createMemoryStore } from '../src/store/memory-store';
import type { SessionStore } from '../src/store/store';
import { cookiePair, SECRET } from './helpers';

/**
 * Fault injection around the real memory store: while `mode` is set, every call hangs forever or
 * throws a driver-like error. Core's policy is under test here; real outages of real servers are
 * tested in each database store's own suite.
 */
function faultyStore() {
  const inner = createMemoryStore();
  const state = { mode: null as null | 'hang' | 'throw' };
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (state.mode === 'hang') return new Promise(() => {});
        if (state.mode === 'throw') return Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379'));
        return value.apply(target, args);
      };
    },
  }) as SessionStore;
  return { store, state };
}

async function seeded(options: { onStoreError?: 'fail-closed' | 'fail-open'; hooks?: object } = {}) {
  const { store, state } = faultyStore();
  const manager = createSessionManager<{ n: number }>({
    store,
    secrets: [SECRET],
    storeTimeout: 200,
    ...options,
  });
  const session = await manager.load(null);
  session.set('n', 1);
  const pair = cookiePair(await manager.commit(session));
  return { manager, state, pair };
}

describe('store outages (fail closed by default)', () => {
  test('a hanging store rejects with SESSION_STORE_TIMEOUT within storeTimeout', async () => {
    const { manager, state, pair } = await seeded();
    state.mode = 'hang';
    const started = Date.now();
    const error = await manager.load(pair).catch((e: unknown) => e);
    expect(isSessionError(error, 'SESSION_STORE_TIMEOUT')).toBe(true);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test('a failing store rejects with SessionStoreError carrying the cause, and reports it', async () => {
    const reported: string[] = [];
    const { manager, state, pair } = await seeded({
      hooks: { storeError: (e: { operation: string }) => reported.push(e.operation) },
    });
    state.mode = 'throw';
    const error = (await manager.load(pair).catch((e: unknown) => e)) as SessionStoreError;
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    expect((error.cause as Error).message).toContain('ECONNREFUSED');
    expect(reported).toEqual(['get']);
  });

  test('commit fails closed too, and service resumes once the store is back', async () => {
    const { manager, state, pair } = await seeded();
    const session = await manager.load(pair);
    session.set('n', 2);
    state.mode = 'throw';
    await expect(manager.commit(session)).rejects.toBeInstanceOf(SessionStoreError);
    state.mode = null;
    expect((await manager.load(pair)).get('n')).toBe(1);
  });
});

describe('fail-open policy', () => {
  test('load yields a degraded anonymous session that is never saved, and the cookie is left alone', async () => {
    const { manager, state, pair } = await seeded({ onStoreError: 'fail-open' });
    state.mode = 'throw';
    const session = await manager.load(pair);
    expect(session.degraded).toBe(true);
    expect(session.get('n')).toBeUndefined();
    session.set('n', 99);
    expect(await manager.commit(session)).toBeNull();
    state.mode = null;
    expect((await manager.load(pair)).get('n')).toBe(1);
  });

  test('a failing commit resolves null instead of rejecting', async () => {
    const { manager, state, pair } = await seeded({ onStoreError: 'fail-open' });
    const session = await manager.load(pair);
    session.set('n', 2);
    state.mode = 'hang';
    expect(await manager.commit(session)).toBeNull();
  });
});
