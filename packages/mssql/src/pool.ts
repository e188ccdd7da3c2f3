import type { SqlExecutor } from '@sessionkit/sql';

/** The part of an mssql `Request` the store uses. */
export interface MssqlRequest {
  input(name: string, value: unknown): unknown;
  query(command: string): Promise<{ recordset?: unknown[]; rowsAffected?: number[] }>;
}

/**
 * What the store needs from an mssql `ConnectionPool`: `request()`. Pass a connected pool
 * (`await pool.connect()`); the store never connects or closes it. Typed structurally so this
 * package never loads mssql itself.
 */
export interface MssqlPool {
  request(): MssqlRequest;
}

/**
 * The executor of the shared SQL layer, on the app's pool. Values are bound as `@p1`, `@p2`…
 * with types inferred by mssql: strings as NVARCHAR (matching the schema's NVARCHAR columns, so
 * no implicit conversion defeats the indexes), Buffers as VARBINARY, integers as INT or BIGINT.
 */
export function mssqlExecutor(pool: MssqlPool): SqlExecutor {
  return async ({ text, values }) => {
    const request = pool.request();
    values.forEach((value, index) => {
      request.input(`p${index + 1}`, value);
    });
    const result = await request.query(text);
    const affected = (result.rowsAffected ?? []).reduce((sum, count) => sum + count, 0);
    return { rows: (result.recordset ?? []) as Array<Record<string, unknown>>, affected };
  };
}
