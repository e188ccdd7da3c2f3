import { describe, expect, test, vi } from 'vitest';
import { SessionConflictError, SessionStoreError } from '../src/errors';
import { callStore, storeCaller } from '../src/index';

describe('callStore, the one wrapper around a store call', () => {
  test('resolves what the call resolves', async () => {
    await expect(callStore({ operation: 'get', timeoutMs: 1_000 }, async () => 42)).resolves.toBe(42);
  });

  test('a driver error becomes a SessionStoreError naming the operation, with the error in cause', async () => {
    const driver = new Error('ECONNREFUSED');
    const error = await callStore({ operation: '(persistent) get', timeoutMs: 1_000 }, () =>
      Promise.reject(driver),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionStoreError);
    expect((error as SessionStoreError).message).toBe('Session store (persistent) get failed: ECONNREFUSED');
    expect((error as SessionStoreError).cause).toBe(driver);
  });

  test('past the deadline it rejects with SESSION_STORE_TIMEOUT; storeError hears of it only with hooks', async () => {
    const storeError = vi.fn();
    const hang = () => new Promise<never>(() => {});
    await expect(callStore({ operation: 'set', timeoutMs: 20, hooks: { storeError } }, hang)).rejects.toThrow(
      'Session store set did not answer within 20 ms',
    );
    expect(storeError).toHaveBeenCalledOnce();
    await expect(callStore({ operation: 'set', timeoutMs: 20 }, hang)).rejects.toMatchObject({
      code: 'SESSION_STORE_TIMEOUT',
    });
  });

  test('a conflict passes through untouched and is not a store error', async () => {
    const storeError = vi.fn();
    const conflict = new SessionConflictError();
    await expect(
      callStore({ operation: 'set', timeoutMs: 1_000, hooks: { storeError } }, () =>
        Promise.reject(conflict),
      ),
    ).rejects.toBe(conflict);
    expect(storeError).not.toHaveBeenCalled();
  });
});

describe('callStore deadlines, one timer per time limit', () => {
  const hang = () => new Promise<never>(() => {});
  const later = <T>(ms: number, value: T) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

  test('each call keeps its own deadline while others of the same limit come and go', async () => {
    const call = { operation: 'get', timeoutMs: 60 };
    const started = performance.now();
    const first = callStore(call, hang).catch((e: unknown) => e);
    await later(30, null);
    // Started 30 ms later: answered in time, then a hanging one whose deadline is 30 ms after the first's.
    const answered = callStore(call, () => later(10, 'ok'));
    const second = callStore(call, hang).catch((e: unknown) => e);
    await expect(answered).resolves.toBe('ok');
    expect(await first).toMatchObject({ code: 'SESSION_STORE_TIMEOUT' });
    const firstAt = performance.now() - started;
    expect(await second).toMatchObject({ code: 'SESSION_STORE_TIMEOUT' });
    const secondAt = performance.now() - started;
    expect(firstAt).toBeGreaterThanOrEqual(59);
    expect(secondAt).toBeGreaterThanOrEqual(89);
  });

  test('an answer after the deadline changes nothing, and a timed-out call is reported once', async () => {
    const storeError = vi.fn();
    let finish: (value: string) => void = () => {};
    const slow = callStore(
      { operation: 'set', timeoutMs: 20, hooks: { storeError } },
      () => new Promise<string>((resolve) => (finish = resolve)),
    );
    await expect(slow).rejects.toMatchObject({ code: 'SESSION_STORE_TIMEOUT' });
    finish('late');
    await later(5, null);
    expect(storeError).toHaveBeenCalledOnce();
  });

  test('a call that throws before returning a promise rejects like a failed one', async () => {
    const error = await callStore({ operation: 'destroy', timeoutMs: 1_000 }, () => {
      throw new Error('not connected');
    }).catch((e: unknown) => e);
    expect((error as SessionStoreError).message).toBe('Session store destroy failed: not connected');
  });
});

describe('storeCaller, callStore bound to one time limit', () => {
  test('names failures with the label and reports them to the hooks, under the bound limit', async () => {
    const storeError = vi.fn();
    const call = storeCaller({ timeoutMs: 20, hooks: { storeError }, label: (op) => `(persistent) ${op}` });
    await expect(call('get', async () => 7)).resolves.toBe(7);
    await expect(call('get', () => Promise.reject(new Error('ECONNRESET')))).rejects.toThrow(
      'Session store (persistent) get failed: ECONNRESET',
    );
    await expect(call('set', () => new Promise<never>(() => {}))).rejects.toThrow(
      'Session store (persistent) set did not answer within 20 ms',
    );
    expect(storeError.mock.calls.map(([event]) => event.operation)).toEqual([
      '(persistent) get',
      '(persistent) set',
    ]);
  });
});
