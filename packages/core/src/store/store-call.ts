import { isSessionError, SessionStoreTimeoutError } from '../errors';
import { emit, type SessionHooks } from '../session/hooks';
import type { SessionTelemetry, StoreCallOutcome } from '../telemetry/telemetry';
import { startDeadline } from './deadlines';
import { storeError } from './store-errors';

/** What {@link callStore} needs to know about one store call besides the call itself. */
export interface StoreCall {
  /**
   * The operation, as errors and the `storeError` hook name it: `'get'`, `'set'`… A caller that
   * wraps another store may qualify it (`'(persistent) get'`) so the message says which store.
   */
  operation: string;
  /** Time limit of the call in milliseconds. */
  timeoutMs: number;
  /**
   * Hooks whose `storeError` hears of a failure or a timeout (not of a conflict or a corrupt
   * record, which are control flow). @default none: nothing is emitted
   */
  hooks?: SessionHooks;
  /** Hears of every call's start, duration and outcome. @default none */
  telemetry?: SessionTelemetry;
}

/**
 * Runs one store call under a deadline. A store that hangs (a dead TCP peer, a driver queueing
 * commands while offline) must not hang the request: past `timeoutMs` the call rejects with
 * SessionStoreTimeoutError (the backend's own call may still finish later). Errors that are not
 * SessionErrors are wrapped by {@link storeError} so callers see one family. Conflicts and corrupt
 * records pass through untouched (no storeError hook).
 *
 * @example
 * const record = await callStore({ operation: 'get', timeoutMs: 5_000, hooks }, () => store.get(key));
 */
export function callStore<T>(call: StoreCall, run: () => Promise<T>): Promise<T> {
  if (call.telemetry?.storeCall !== undefined) return observed(call, call.telemetry.storeCall, run);
  return deadlined(call, run);
}

/** callStore with the call's duration and outcome reported (and a span, for OpenTelemetry). */
function observed<T>(
  call: StoreCall,
  storeCall: NonNullable<SessionTelemetry['storeCall']>,
  run: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  let end: ((outcome: StoreCallOutcome, durationMs: number) => void) | undefined;
  try {
    end = storeCall(call.operation);
  } catch (error) {
    console.error('[sessionkit] a telemetry sink threw; the request continues.', error);
  }
  const report = (outcome: StoreCallOutcome) => {
    try {
      end?.(outcome, performance.now() - started);
    } catch (error) {
      console.error('[sessionkit] a telemetry sink threw; the request continues.', error);
    }
  };
  return deadlined(call, run).then(
    (value) => {
      report('ok');
      return value;
    },
    (error: unknown) => {
      report(
        isSessionError(error, 'SESSION_CONFLICT')
          ? 'conflict'
          : isSessionError(error, 'SESSION_STORE_TIMEOUT')
            ? 'timeout'
            : 'error',
      );
      throw error;
    },
  );
}

function deadlined<T>(call: StoreCall, run: () => Promise<T>): Promise<T> {
  let answer: Promise<T>;
  try {
    answer = Promise.resolve(run());
  } catch (error) {
    return Promise.reject(failure(call, error));
  }
  // One promise and one list node per call (see deadlines.ts): no race, no timer of its own.
  return new Promise<T>((resolve, reject) => {
    const deadline = startDeadline(call.timeoutMs, () =>
      reject(failure(call, new SessionStoreTimeoutError(call.operation, call.timeoutMs))),
    );
    answer.then(
      (value) => {
        if (deadline.settle()) resolve(value);
      },
      (error: unknown) => {
        if (deadline.settle()) reject(failure(call, error));
      },
    );
  });
}

/** What a failed or timed-out call rejects with, reported through the storeError hook. */
function failure(call: StoreCall, error: unknown): unknown {
  // Control flow, not failures: a conflict is retried, a corrupt record treated as absent.
  if (isSessionError(error, 'SESSION_CONFLICT') || isSessionError(error, 'SESSION_RECORD_CORRUPT'))
    return error;
  const wrapped = storeError('Session store', call.operation, error);
  if (
    call.hooks !== undefined &&
    (isSessionError(wrapped, 'SESSION_STORE_ERROR') || isSessionError(wrapped, 'SESSION_STORE_TIMEOUT'))
  ) {
    emit(call.hooks, 'storeError', { operation: call.operation, error: wrapped });
  }
  return wrapped;
}

/**
 * {@link callStore} bound to one time limit and one set of hooks, for code that makes many store
 * calls: the StoreCall of each operation is built once, not on every call (a hot path makes one
 * or two per request). `label` turns the operation into the name errors carry, for a caller that
 * wraps another store (`(op) => \`(persistent) ${op}\``).
 *
 * @example
 * const call = storeCaller({ timeoutMs: 5_000, hooks });
 * const record = await call('get', () => store.get(key));
 */
export function storeCaller(options: {
  timeoutMs: number;
  /** @default none: nothing is emitted */
  hooks?: SessionHooks;
  /** @default none */
  telemetry?: SessionTelemetry | null;
  /** @default the operation itself */
  label?: (operation: string) => string;
}): <T>(operation: string, run: () => Promise<T>) => Promise<T> {
  const calls = new Map<string, StoreCall>();
  return (operation, run) => {
    let call = calls.get(operation);
    if (call === undefined) {
      call = {
        operation: options.label ? options.label(operation) : operation,
        timeoutMs: options.timeoutMs,
        ...(options.hooks ? { hooks: options.hooks } : {}),
        ...(options.telemetry ? { telemetry: options.telemetry } : {}),
      };
      calls.set(operation, call);
    }
    return callStore(call, run);
  };
}
