import type { ColumnFamily, SqlFailureKind, SqlVerifySpec } from '@sessionkit/sql';
import { quoteIdentifier } from './schema';

/** SQL Server error numbers (`number` on the driver's RequestError, `originalError.info.number`). */
const LOGIN_FAILED = 18456;
const PERMISSION_DENIED = 229;
const READ_ONLY_DATABASE = 3906;
const INVALID_OBJECT = 208;
const INVALID_COLUMN = 207;
const UNREACHABLE = new Set(['ESOCKET', 'ETIMEOUT', 'ECONNREFUSED']);

const FAMILIES: Readonly<Record<string, ColumnFamily>> = {
  nvarchar: 'text',
  varchar: 'text',
  nchar: 'text',
  char: 'text',
  bigint: 'bigint',
  int: 'int',
  smallint: 'int',
  varbinary: 'binary',
  binary: 'binary',
  image: 'binary',
};

function classify(error: unknown): SqlFailureKind {
  const { number, code } = (error ?? {}) as { number?: unknown; code?: unknown };
  if (number === LOGIN_FAILED || code === 'ELOGIN') return 'auth';
  if (number === PERMISSION_DENIED || number === READ_ONLY_DATABASE) return 'read-only';
  if (number === INVALID_OBJECT) return 'missing-table';
  if (number === INVALID_COLUMN) return 'missing-column';
  if (typeof code === 'string' && UNREACHABLE.has(code)) return 'unreachable';
  return 'other';
}

/**
 * SQL Server's part of `verify()`: the server's time from SYSUTCDATETIME() as epoch milliseconds
 * (DATEDIFF_BIG, SQL Server 2016+), the columns from INFORMATION_SCHEMA in the table's schema or
 * the user's default one. SQL Server has no `ADD COLUMN`: it is `ALTER TABLE … ADD`.
 */
export const mssqlVerify: SqlVerifySpec = {
  serverTime: "SELECT DATEDIFF_BIG(millisecond, '1970-01-01', SYSUTCDATETIME()) AS sk_now",
  columns: (table) => ({
    text:
      'SELECT COLUMN_NAME AS sk_name, DATA_TYPE AS sk_type, IS_NULLABLE AS sk_nullable FROM INFORMATION_SCHEMA.COLUMNS ' +
      'WHERE TABLE_NAME = @p1 AND TABLE_SCHEMA = COALESCE(@p2, SCHEMA_NAME())',
    values: [table.name, table.schema],
  }),
  family: (type) => FAMILIES[type] ?? 'other',
  classify,
  quote: quoteIdentifier,
  addColumn: (table, column, definition) => `ALTER TABLE ${table} ADD ${column} ${definition}`,
  types: {
    text: 'NVARCHAR(255) COLLATE Latin1_General_100_BIN2',
    bytes: 'VARBINARY(MAX)',
    emptyText: "N''",
    detailsText: 'NVARCHAR(1024)',
  },
  createHint: 'sessionkit schema mssql --apply -s mssql://…',
};
