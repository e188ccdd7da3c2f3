import { SessionConfigError } from '@sessionkit/core';

/**
 * What one unquoted part of a table, column or index name may be: an ASCII letter or underscore,
 * then letters, digits and underscores, 63 characters at most (PostgreSQL's limit, the smallest of
 * the three dialects). Every configured name must match before it is quoted and put into SQL, so
 * no option can carry a quote, a comment, a semicolon or whitespace into a statement.
 */
export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A table name, optionally qualified by its schema (PostgreSQL, SQL Server) or database (MySQL). */
export interface QualifiedName {
  schema: string | null;
  name: string;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return typeof value;
}

/**
 * Returns `value` when it is a valid identifier part, otherwise throws a SessionConfigError that
 * names the option (`what`) and the caller (`context`, e.g. `createPostgresStore`).
 *
 * @example
 * assertIdentifier('sessions', 'tableName', 'createPostgresStore'); // 'sessions'
 */
export function assertIdentifier(value: unknown, what: string, context: string): string {
  if (typeof value !== 'string' || !IDENTIFIER_PATTERN.test(value)) {
    throw new SessionConfigError(
      `${context}: ${what} must be a plain SQL identifier: an ASCII letter or underscore, then letters, ` +
        `digits or underscores, at most 63 characters (got ${describe(value)}). Names are quoted ` +
        'by the store, so give them exactly as the database stores them.',
    );
  }
  return value;
}

/**
 * Parses `table` or `schema.table`; each part must be a valid identifier.
 *
 * @example
 * parseTableName('auth.sessions', 'createPostgresStore'); // { schema: 'auth', name: 'sessions' }
 */
export function parseTableName(value: unknown, context: string): QualifiedName {
  if (typeof value !== 'string') {
    throw new SessionConfigError(
      `${context}: tableName must be a string such as 'sessionkit_sessions' or 'app.sessions' (got ${describe(value)}).`,
    );
  }
  const parts = value.split('.');
  if (parts.length > 2) {
    throw new SessionConfigError(
      `${context}: tableName ${describe(value)} has more than two parts; use 'table' or 'schema.table'.`,
    );
  }
  const [first, second] = parts as [string, string | undefined];
  if (second === undefined) return { schema: null, name: assertIdentifier(first, 'tableName', context) };
  return {
    schema: assertIdentifier(first, 'the schema part of tableName', context),
    name: assertIdentifier(second, 'the table part of tableName', context),
  };
}

/** `schema.table` or `table`, unquoted, as the user wrote it. */
export function formatTableName(table: QualifiedName): string {
  return table.schema === null ? table.name : `${table.schema}.${table.name}`;
}
