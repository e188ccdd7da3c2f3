import { describe, expect, test, vi } from 'vitest';
import { SessionConflictError, SessionStoreError } from '../src/errors';
import { callStore } from '../src/index';

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
