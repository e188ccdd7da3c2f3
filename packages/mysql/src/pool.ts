import type { SqlExecutor, SqlResult } from '@sessionkit/sql';

/** mysql2's callback for `execute`: an error, or the rows (a SELECT) or result header (a write). */
type ExecuteCallback = (error: Error | null, result?: unknown) => void;

/** A pool with mysql2's callback API: `execute(sql, values, callback)`. */
interface CallbackExecute {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2 declares its values parameter as `any`.
  execute(sql: string, values: any, callback: ExecuteCallback): unknown;
}

/**
 * What the store needs from a mysql2/promise pool: `execute(sql, values)` (server-side prepared
 * statements) resolving `[rows or result header, fields]`. Typed structurally so this package
 * never loads mysql2 itself. mysql2's promise pool also exposes the callback pool it wraps as
 * `pool`, which the store uses when present (see mysqlExecutor).
 */
export interface MysqlPromisePool {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2 declares its values parameter as `any`.
  execute(sql: string, values?: any): Promise<[unknown, unknown]>;
}

/** A mysql2 callback-style pool (`mysql2.createPool`). */
export interface MysqlCallbackPool {
  promise(): MysqlPromisePool;
}

/** Either flavour of mysql2 pool. */
export type MysqlPool = MysqlPromisePool | MysqlCallbackPool;

/** The promise API of either flavour. */
export function promisePool(pool: MysqlPool): MysqlPromisePool {
  // A callback pool's execute() returns a Query object, not a promise; its promise() wrapper
  // shares the same connections, so nothing new is opened.
  return 'promise' in pool && typeof pool.promise === 'function'
    ? pool.promise()
    : (pool as MysqlPromisePool);
}

function hasCallbackExecute(value: unknown): value is CallbackExecute {
  return typeof (value as { execute?: unknown } | null)?.execute === 'function';
}

/**
 * The callback pool behind `pool`, or null. mysql2's promise wrapper captures a stack trace
 * before every query (its `trace` option, on by default) so that a failed query's error points
 * at the caller: about 20 µs of CPU per statement, two statements per session write, for a stack
 * the store never shows (it reports store errors as its own SessionStoreError, with the driver's
 * error as the cause). The callback pool runs the same prepared statement on the same
 * connections without it.
 */
function callbackPool(pool: MysqlPool): CallbackExecute | null {
  const core = corePool(pool);
  return hasCallbackExecute(core) ? core : null;
}

/**
 * mysql2's callback pool: `pool` itself when it is one (it has `promise()`), else the one a
 * mysql2/promise pool wraps (its `pool` property); undefined for anything else.
 */
function corePool(pool: MysqlPool): unknown {
  if ('promise' in pool && typeof pool.promise === 'function') return pool;
  return (pool as { pool?: unknown }).pool;
}

function toResult(result: unknown): SqlResult {
  if (Array.isArray(result)) return { rows: result as Array<Record<string, unknown>>, affected: 0 };
  const affected = (result as { affectedRows?: unknown } | null)?.affectedRows;
  return { rows: [], affected: typeof affected === 'number' ? affected : 0 };
}

/** The executor of the shared SQL layer, on the app's pool. */
export function mysqlExecutor(pool: MysqlPool): SqlExecutor {
  const callbacks = callbackPool(pool);
  if (callbacks !== null) {
    return ({ text, values }) =>
      new Promise((resolve, reject) => {
        callbacks.execute(text, values, (error, result) =>
          error ? reject(error) : resolve(toResult(result)),
        );
      });
  }
  const promises = promisePool(pool);
  return async ({ text, values }) => toResult((await promises.execute(text, values))[0]);
}

/**
 * The pool's `connectionLimit` (10 unless set), as the pool holds it, for the store's read
 * coalescing; undefined when the pool does not say (a wrapper). The SQL layer checks the value:
 * anything but a whole number ≥ 1 means every read goes out alone.
 */
export function mysqlConnections(pool: MysqlPool): unknown {
  return (corePool(pool) as { config?: { connectionLimit?: unknown } } | undefined)?.config?.connectionLimit;
}
