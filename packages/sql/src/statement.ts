/**
 * The statement types both halves of the SQL layer share: the dialect contract (dialect.ts) and
 * the shared statement builder (internal-do-not-import/table-sql.ts). They live apart from both so
 * that neither file imports the other's types back (the dialect names the builder, the builder
 * only needs the syntax below).
 */

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

/** The values of one insert, already normalised. */
export interface InsertRow {
  key: string;
  version: number;
  payload: Uint8Array;
  expiresAt: number;
  ownerId: string | null;
  /** The session-list details (StoredRecord.details), or null. */
  details: string | null;
  /** The app clock at the time of the call. */
  now: number;
}

/** The part of a dialect that shapes statement text: what the shared statement builder needs. */
export interface SqlSyntax {
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
}
