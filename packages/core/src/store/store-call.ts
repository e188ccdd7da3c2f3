import { isSessionError, SessionStoreTimeoutError } from '../errors';
import { emit, type SessionHooks } from '../session/hooks';
import { storeError } from './store-errors';

/**
 * Runs one store call under a deadline. A store that hangs (a dead TCP peer, a driver queueing
 * commands while offline) must not hang the request: past `timeoutMs` the call rejects with
 * SessionStoreTimeoutError. Errors that are not SessionErrors are wrapped by {@link storeError} so
 * callers see one family. Conflicts and corrupt records pass through untouched (no storeError hook).
 */
export async function callStore<T>(
  operation: string,
  timeoutMs: number,
  hooks: SessionHooks,
  run: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SessionStoreTimeoutError(operation, timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(run), deadline]);
  } catch (error) {
    // Control flow, not failures: a conflict is retried, a corrupt record treated as absent.
    if (isSessionError(error, 'SESSION_CONFLICT') || isSessionError(error, 'SESSION_RECORD_CORRUPT'))
      throw error;
    const wrapped = storeError('Session store', operation, error);
    if (isSessionError(wrapped, 'SESSION_STORE_ERROR') || isSessionError(wrapped, 'SESSION_STORE_TIMEOUT')) {
      emit(hooks, 'storeError', { operation, error: wrapped });
    }
    throw wrapped;
  } finally {
    clearTimeout(timer);
  }
}
