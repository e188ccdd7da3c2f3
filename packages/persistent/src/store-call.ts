import { isSessionError, SessionStoreError, SessionStoreTimeoutError } from '@sessionkit/core';

/**
 * One call to the persistent store under a deadline. A hung backend must not hang a request, a
 * maintenance run or a shutdown; past `timeoutMs` the call rejects with SessionStoreTimeoutError
 * (the backend's own call may still finish later). Anything that is not a SessionError is wrapped
 * in SessionStoreError, so callers see one family; conflicts pass through as they are.
 */
export async function callStore<T>(operation: string, timeoutMs: number, run: () => Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SessionStoreTimeoutError(`(persistent) ${operation}`, timeoutMs)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve().then(run), deadline]);
  } catch (error) {
    if (isSessionError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new SessionStoreError(`Persistent store ${operation} failed: ${message}`, { cause: error });
  } finally {
    clearTimeout(timer);
  }
}
