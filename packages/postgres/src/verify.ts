import type { ColumnFamily, SqlFailureKind, SqlVerifySpec } from '@sessionkit/sql';
import { quoteIdentifier } from './schema';

/** SQLSTATE classes and codes, from PostgreSQL's errcodes table. */
const AUTH = new Set(['28P01' /* invalid_password */, '28000' /* invalid_authorization_specification */]);
const READ_ONLY = new Set(['42501' /* insufficient_privilege */, '25006' /* read_only_sql_transaction */]);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P03' /* cannot_connect_now */,
]);

const FAMILIES: Readonly<Record<string, ColumnFamily>> = {
  'character varying': 'text',
  character: 'text',
  text: 'text',
  bigint: 'bigint',
  integer: 'int',
  smallint: 'int',
  bytea: 'binary',
};

function classify(error: unknown): SqlFailureKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (AUTH.has(code)) return 'auth';
  if (READ_ONLY.has(code)) return 'read-only';
  if (UNREACHABLE.has(code)) return 'unreachable';
  if (code === '42P01') return 'missing-table';
  if (code === '42703') return 'missing-column';
  return 'other';
}

/**
 * PostgreSQL's part of `verify()`: the server's time from `clock_timestamp()` (the wall clock at
 * the moment of reading, not the transaction's start, which `now()` gives), the columns from
 * information_schema in the table's schema, or the first schema of the search path that has it.
 */
export const postgresVerify: SqlVerifySpec = {
  serverTime: 'SELECT (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint AS sk_now',
  columns: (table) => ({
    text:
      'SELECT column_name AS sk_name, data_type AS sk_type, is_nullable AS sk_nullable FROM information_schema.columns ' +
      'WHERE table_name = $1::text AND table_schema = COALESCE($2::text, (SELECT n.nspname::text FROM pg_class c ' +
      'JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(quote_ident($1::text))))',
    values: [table.name, table.schema],
  }),
  family: (type) => FAMILIES[type] ?? 'other',
  classify,
  quote: quoteIdentifier,
  addColumn: (table, column, definition) => `ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`,
  types: { text: 'VARCHAR(255) COLLATE "C"', bytes: 'BYTEA', emptyText: "''" },
  createHint: 'sessionkit schema postgres --apply -s postgres://…',
};
