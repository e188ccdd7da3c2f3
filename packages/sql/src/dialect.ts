import type { TableSql } from './internal-do-not-import/table-sql';
import type { SchemaLayout } from './schema';
import type { InsertRow, SqlResult, SqlSyntax, SqlValue, Statement } from './statement';

/**
 * The tiny seam between the shared store and a driver: runs one statement on the app's pool and
 * returns its rows and row count. It must not retry, translate errors or hold a connection
 * between calls; the store does the retrying and the error mapping.
 */
export type SqlExecutor = (statement: Statement) => Promise<SqlResult>;

/** How a driver error is handled by the store. */
export type SqlErrorKind =
  /** A unique-key violation: a racing insert won. Becomes a SessionConflictError. */
  | 'duplicate'
  /** A deadlock or serialization failure: the statement was rolled back and is safe to re-run. */
  | 'transient'
  /** DDL found the object already there (two nodes running createSchema() at once). */
  | 'exists'
  | 'other';

/**
 * A race-safe "insert unless a live record holds the key, replacing an expired one".
 * - `upsert`: one statement; a row count of 0 means a live record won.
 * - `insert-then-replace`: a plain insert; on a duplicate-key error, an update that only matches
 *   an expired row (0 rows: a live record holds the key, or the row vanished in between).
 */
export type InsertPlan =
  | { kind: 'upsert'; statement: Statement }
  | { kind: 'insert-then-replace'; insert: Statement; replace: Statement };

/**
 * One bounded batch of a prune or clear.
 * - `single`: one statement deleting at most `batchSize` rows; its row count is what it deleted.
 * - `select-then-delete`: a non-locking read of at most `batchSize` keys, then a delete of exactly
 *   those keys that re-checks the condition (a row touched in between survives).
 */
export type BatchDeletePlan =
  | { kind: 'single'; statement: Statement }
  | {
      kind: 'select-then-delete';
      select: Statement;
      /** Builds the delete for the keys the select returned (column `sk_key`). */
      remove: (keys: readonly SqlValue[]) => Statement;
    };

/** Options of {@link SqlDialect.batchDelete}. */
export interface BatchDeleteOptions {
  /** Only rows whose expiry is at or before this epoch-ms instant; null deletes every row (clear). */
  expiredBefore: number | null;
  batchSize: number;
  /**
   * Skip rows another transaction holds locked (a write in flight, another node's prune), so
   * pruners never wait on each other or on traffic. Off for clear(), which must not leave rows.
   */
  skipLocked: boolean;
}

/** One compare-and-set: the row to write, matched only when live at `expected`. */
export interface CompareAndSet {
  row: InsertRow;
  expected: number;
}

/** See {@link SqlDialect.combinedUpdates}. */
export interface CombinedUpdates {
  /**
   * One statement that makes each compare-and-set exactly as {@link TableSql.updateIfVersion}
   * does, in the order given (the store sorts them by key, so that statements lock rows in one
   * order), and returns one row per write that matched, with its position in `writes` under
   * `ALIAS.index`.
   */
  statement(sql: TableSql, writes: readonly CompareAndSet[]): Statement;
  /**
   * True when `error` is the database's answer refusing the statement, which was then rolled back
   * whole (a value too long for a mapped column, a constraint): the store sends each write again
   * alone, so that only the one at fault fails. False for anything else, such as a lost
   * connection, after which the statement may or may not have committed.
   */
  refused(error: unknown): boolean;
}

/** The SQL that differs between databases. Everything else is built once, in the shared layer. */
export interface SqlDialect extends SqlSyntax {
  /** Shown in error messages, e.g. 'PostgreSQL'. */
  readonly label: string;
  /** The row count of a data-changing statement built with {@link SqlDialect.writeStatement}. */
  affectedRows(result: SqlResult): number;
  insert(sql: TableSql, row: InsertRow): InsertPlan;
  /**
   * The insert of {@link SqlDialect.insert}, which also deletes the row of `replaces` in this
   * namespace, whatever its expiry, only when the insert happened: one statement (or batch), one
   * round trip. Its {@link SqlDialect.affectedRows} is 1 when it inserted, 0 when a live row held
   * the key (and then nothing was deleted). Absent when the database cannot do both in one round
   * trip: the store then declares no `replaceOnInsert`, and core destroys the old row separately.
   */
  insertReplacing?(sql: TableSql, row: InsertRow, replaces: string): Statement;
  batchDelete(sql: TableSql, options: BatchDeleteOptions): BatchDeletePlan;
  /**
   * Compare-and-sets of distinct keys in one statement, for the store to send the ones that queue
   * while the pool is busy in one round trip (`coalesceWrites`). Absent when the database cannot
   * run several updates in one statement and report which matched: every compare-and-set then
   * goes out alone.
   */
  combinedUpdates?: CombinedUpdates;
  /** The DDL of the default layout, one statement per entry, each idempotent. */
  schemaStatements(layout: SchemaLayout): string[];
  classifyError(error: unknown): SqlErrorKind;
}
