import type { SqlExecutor } from '@sessionkit/sql';

/**
 * What the store needs from a mysql2/promise pool: `execute(sql, values)` (server-side prepared
 * statements) resolving `[rows or result header, fields]`. Typed structurally so this package
 * never loads mysql2 itself.
 */
export interface MysqlPromisePool {
  // biome-ignore lint/suspicious/noExplicitAny: mysql2 declares its values parameter as `any`.
  execute(sql: string, values?: any): Promise<[unknown, unknown]>;
}

/** A mysql2 callback-style pool (`mysql2.createPool`): the store uses its `promise()` wrapper. */
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

/** The executor of the shared SQL layer, on the app's pool. */
export function mysqlExecutor(pool: MysqlPool): SqlExecutor {
  const promises = promisePool(pool);
  return async ({ text, values }) => {
    const [result] = await promises.execute(text, values);
    if (Array.isArray(result)) return { rows: result as Array<Record<string, unknown>>, affected: 0 };
    const affected = (result as { affectedRows?: unknown } | null)?.affectedRows;
    return { rows: [], affected: typeof affected === 'number' ? affected : 0 };
  };
}
