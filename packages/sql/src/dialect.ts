import type { SchemaLayout } from './schema';
import type { TableSql } from './table-sql';

/** A value bound to a statement parameter. Payloads are passed as Node.js Buffers. */
export type SqlValue = string | number | boolean | null | Uint8Array;

/** A statement and the values of its parameters, in placeholder order. */
export interface Statement {
  readonly text: string;
  readonly values: readonly SqlValue[];
}

/** What a driver adapter returns for one statement. */
export interface SqlResult {
  /** The rows of the (last) result set; empty for statements that return none. */
  rows: ReadonlyArray<Record<string, unknown>>;
  /** The row count the driver reports (affected or found rows); 0 when it reports none. */
  affected: number;
}

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

/** The SQL that differs between databases. Everything else is built once, in the shared layer. */
export interface SqlDialect {
  /** Shown in error messages, e.g. 'PostgreSQL'. */
  readonly label: string;
  /** Quotes one identifier part that already matched IDENTIFIER_PATTERN. */
  quoteIdentifier(part: string): string;
  /** The placeholder of the 1-based parameter `index` (`?`, `$1`, `@p1`). */
  placeholder(index: number): string;
  /**
   * True when a placeholder may appear more than once in a statement (`$1`, `@p1`); false for
   * positional `?`, where every occurrence needs its own value.
   */
  readonly reusablePlaceholders: boolean;
  /** Casts an integer expression to a 64-bit integer (so `int * 1000` cannot overflow). */
  toBigint(expression: string): string;
  /** Finishes a data-changing statement so that its row count can be read back. */
  writeStatement(text: string): string;
  /** The row count of a data-changing statement built with {@link SqlDialect.writeStatement}. */
  affectedRows(result: SqlResult): number;
  insert(sql: TableSql, row: InsertRow): InsertPlan;
  batchDelete(sql: TableSql, options: BatchDeleteOptions): BatchDeletePlan;
  /** The DDL of the default layout, one statement per entry, each idempotent. */
  schemaStatements(layout: SchemaLayout): string[];
  classifyError(error: unknown): SqlErrorKind;
}

/** The values of one insert, already normalised. */
export interface InsertRow {
  key: string;
  version: number;
  payload: Uint8Array;
  expiresAt: number;
  ownerId: string | null;
  /** The app clock at the time of the call. */
  now: number;
}
