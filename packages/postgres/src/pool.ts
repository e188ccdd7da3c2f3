import type { SqlExecutor } from '@sessionkit/sql';

/**
 * What the store needs from node-postgres: `query(text, values)` resolving rows and a row count.
 * A `pg.Pool` fits (so does a `pg.Client`, though a pool lets requests run in parallel). Typed
 * structurally so this package never loads `pg` itself.
 */
export interface PostgresQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** The executor of the shared SQL layer, on the app's pool. */
export function postgresExecutor(pool: PostgresQueryable): SqlExecutor {
  return async ({ text, values }) => {
    const result = await pool.query(text, values as unknown[]);
    return { rows: result.rows as Array<Record<string, unknown>>, affected: result.rowCount ?? 0 };
  };
}

/**
 * The connection limit of a pg.Pool (`options.max`, 10 unless set), as the pool holds it, for the
 * store's read coalescing; undefined for anything else (a pg.Client, a wrapper). The SQL layer
 * checks the value: anything but a whole number ≥ 1 means every read goes out alone.
 */
export function postgresConnections(pool: PostgresQueryable): unknown {
  return (pool as { options?: { max?: unknown } }).options?.max;
}
