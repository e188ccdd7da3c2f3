/**
 * Readiness checks that ask the server itself, for images whose "ready" log line comes before
 * the server can serve a query (SQL Server logs it before recovery has finished).
 */

/** Options of {@link waitUntil}. */
export interface WaitUntilOptions {
  /** Give up after this long. */
  timeoutMs: number;
  /** Between attempts. @default 500 */
  intervalMs?: number;
  /** What is awaited, for the error: "SQL Server to answer a query". */
  what: string;
  /** @default Date.now */
  now?: () => number;
}

/**
 * Runs `check` until it resolves; rejects with the last failure once `timeoutMs` has passed
 * (always after at least one attempt).
 *
 * @example
 * await waitUntil(() => mssqlReady(url), { timeoutMs: 120_000, what: 'SQL Server to answer a query' });
 */
export async function waitUntil(check: () => Promise<void>, options: WaitUntilOptions): Promise<void> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  let attempts = 0;
  for (;;) {
    attempts += 1;
    try {
      await check();
      return;
    } catch (error) {
      if (now() >= deadline) {
        throw new Error(
          `gave up waiting for ${options.what} after ${attempts} attempt(s) in ${options.timeoutMs} ms: ${(error as Error).message}`,
          { cause: error },
        );
      }
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}

/** Databases that are not ONLINE yet (recovering, restoring), by name; empty once all are. */
export const NOT_ONLINE_SQL = "SELECT name FROM sys.databases WHERE state_desc <> 'ONLINE'";

/**
 * Resolves when SQL Server at `url` (`mssql://user:password@host:port/db?trustServerCertificate=true`)
 * accepts a login and every database is online; rejects with what is missing otherwise.
 */
export async function mssqlReady(url: string): Promise<void> {
  const { default: mssql } = await import('mssql');
  const parsed = new URL(url);
  const pool = new mssql.ConnectionPool({
    server: parsed.hostname,
    port: Number(parsed.port || 1433),
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'master',
    options: { encrypt: true, trustServerCertificate: true },
    connectionTimeout: 5_000,
    requestTimeout: 5_000,
  });
  try {
    await pool.connect();
    const { recordset } = await pool.request().query<{ name: string }>(NOT_ONLINE_SQL);
    if (recordset.length > 0) {
      throw new Error(`databases not online yet: ${recordset.map((row) => row.name).join(', ')}`);
    }
  } finally {
    await pool.close().catch(() => undefined);
  }
}
