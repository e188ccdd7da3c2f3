/**
 * The one mapping of driver errors to sessionkit's error family. Every store (and core's own
 * store call, and the store created from configuration) turns what a driver throws into a
 * SessionError here, so that messages have one shape, `cause` is always kept and no message
 * carries a password a driver echoed from its connection string.
 */
import { redactSecrets } from '../config/redact';
import { isSessionError, type SessionError, SessionStoreError } from '../errors';

/** What {@link storeError} adds to the message or the error, beyond the store and operation. */
export interface StoreErrorDetail {
  /**
   * What the operation ran on, named after it: `{ on: 'sessions' }` gives
   * `PostgreSQL store get on sessions failed: …`.
   */
  on?: string;
  /**
   * The cause to state, when the store knows better than the driver (a missing table and the
   * command that creates it); undefined keeps the default. Called only for an error that is
   * wrapped, never for a conflict. @default the error's message (its innermost cause when empty)
   */
  explain?: (error: unknown) => string | undefined;
  /**
   * `SESSION_STORE_TIMEOUT` for a driver's own deadline (ioredis' `commandTimeout`).
   * @default 'SESSION_STORE_ERROR', or the code of a store error that is re-wrapped
   */
  code?: 'SESSION_STORE_ERROR' | 'SESSION_STORE_TIMEOUT';
  /**
   * Also wrap store errors (`SESSION_STORE_ERROR`, `SESSION_STORE_TIMEOUT`), to name the store a
   * layer above knows (a configured store's description). Other SessionErrors still pass.
   * @default false
   */
  rewrap?: boolean;
}

/**
 * What a failed store operation rejects with. SessionErrors pass through unchanged: conflicts
 * (core retries them), corrupt records (core reports them and treats the record as absent),
 * timeouts and the store's own argument errors. Anything else becomes a `SessionStoreError`
 * with the original as `cause` and the message `<store> <operation>[ on <on>] failed: <cause>`,
 * with any `user:password@` or credential parameter masked.
 *
 * @param store The store's label, e.g. `'Redis session store'`; empty when `detail.on` names the
 *   store already.
 *
 * @example
 * get: async (key) => {
 *   try {
 *     return await read(key);
 *   } catch (error) {
 *     throw storeError('Acme store', 'get', error);
 *   }
 * }
 */
export function storeError(
  store: string,
  operation: string,
  error: unknown,
  detail: StoreErrorDetail = {},
): SessionError {
  if (isSessionError(error)) {
    const isStoreFailure = error.code === 'SESSION_STORE_ERROR' || error.code === 'SESSION_STORE_TIMEOUT';
    if (!(detail.rewrap && isStoreFailure)) return error;
  }
  const subject = [store, operation, detail.on === undefined ? '' : `on ${detail.on}`]
    .filter((part) => part !== '')
    .join(' ');
  const cause = detail.explain?.(error) ?? describeError(error);
  const inherited = isSessionError(error, 'SESSION_STORE_TIMEOUT') ? 'SESSION_STORE_TIMEOUT' : undefined;
  return new SessionStoreError(redactSecrets(`${subject} failed: ${cause}`), {
    cause: error,
    code: detail.code ?? inherited ?? 'SESSION_STORE_ERROR',
  });
}

/** The message of a thrown value; an empty one (Node's dual-stack AggregateError) by its causes. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message === '' ? rootCauseText(error) : message;
}

/**
 * The innermost message of a failure: what the driver or the OS said (ECONNREFUSED, an unknown
 * relation), not the layers that wrapped it. Node reports a refused dual-stack connection as an
 * AggregateError with an empty message, so its members speak for it.
 */
export function rootCauseText(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 10; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === null) break;
    current = cause;
  }
  const { message, code, errors } = (current ?? {}) as {
    message?: unknown;
    code?: unknown;
    errors?: unknown;
  };
  if (typeof message === 'string' && message !== '') return message;
  if (Array.isArray(errors) && errors.length > 0) {
    return [...new Set(errors.map((member) => rootCauseText(member)))].join('; ');
  }
  if (typeof code === 'string') return code;
  return String(current);
}
