import { isSessionError, SessionConflictError, storeError } from '@sessionkit/core';
import type { SqlDialect, SqlExecutor } from './dialect';
import type { SqlResult, Statement } from './statement';

/** Statement attempts when the database picks it as a deadlock victim. */
const MAX_ATTEMPTS = 5;

/** Runs a statement, re-running it when the database rolled it back as a deadlock victim. */
export async function executeWithRetry(
  executor: SqlExecutor,
  dialect: SqlDialect,
  statement: Statement,
): Promise<SqlResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await executor(statement);
    } catch (error) {
      if (attempt >= MAX_ATTEMPTS || dialect.classifyError(error) !== 'transient') throw error;
      // A single autocommit statement that lost a deadlock was rolled back entirely, so running
      // it again is safe; the random pause lets the winner finish first.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

/**
 * What a store method rejects with: a duplicate key (a racing insert won) becomes a
 * SessionConflictError; everything else goes through core's error mapper, which names the table
 * ("PostgreSQL store get on sessions failed: …") and passes SessionErrors through.
 */
export function toSessionError(error: unknown, dialect: SqlDialect, operation: string, table: string): Error {
  if (!isSessionError(error) && dialect.classifyError(error) === 'duplicate') {
    return new SessionConflictError('A live session already holds this key', { cause: error });
  }
  return storeError(`${dialect.label} store`, operation, error, { on: table });
}

/** A text column; drivers return binary-collated text as a string or a Buffer. */
export function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  }
  return String(value);
}
