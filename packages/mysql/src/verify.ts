import type { ColumnFamily, SqlFailureKind, SqlVerifySpec } from '@sessionkit/sql';
import { quoteIdentifier } from './schema';

/** Server error numbers (errno), the same in MySQL and MariaDB. */
const ER_DBACCESS_DENIED = 1044;
const ER_ACCESS_DENIED = 1045;
const ER_TABLEACCESS_DENIED = 1142;
const ER_COLUMNACCESS_DENIED = 1143;
const ER_OPTION_PREVENTS_STATEMENT = 1290; // --read-only
const ER_NO_SUCH_TABLE = 1146;
const ER_BAD_FIELD = 1054;
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'PROTOCOL_CONNECTION_LOST',
]);

const FAMILIES: Readonly<Record<string, ColumnFamily>> = {
  varchar: 'text',
  char: 'text',
  text: 'text',
  tinytext: 'text',
  mediumtext: 'text',
  longtext: 'text',
  bigint: 'bigint',
  int: 'int',
  mediumint: 'int',
  smallint: 'int',
  blob: 'binary',
  mediumblob: 'binary',
  longblob: 'binary',
  varbinary: 'binary',
  binary: 'binary',
};

function classify(error: unknown): SqlFailureKind {
  const { errno, code } = (error ?? {}) as { errno?: unknown; code?: unknown };
  if (errno === ER_ACCESS_DENIED || errno === ER_DBACCESS_DENIED) return 'auth';
  if (
    errno === ER_TABLEACCESS_DENIED ||
    errno === ER_COLUMNACCESS_DENIED ||
    errno === ER_OPTION_PREVENTS_STATEMENT
  )
    return 'read-only';
  if (errno === ER_NO_SUCH_TABLE) return 'missing-table';
  if (errno === ER_BAD_FIELD) return 'missing-column';
  if (typeof code === 'string' && UNREACHABLE.has(code)) return 'unreachable';
  return 'other';
}

/**
 * MySQL's and MariaDB's part of `verify()`: the server's time from `NOW(3)` (in the session's
 * time zone, which UNIX_TIMESTAMP converts back, so the result is epoch time whatever the zone),
 * the columns from information_schema in the connection's database unless the name has one.
 */
export const mysqlVerify: SqlVerifySpec = {
  serverTime: 'SELECT CAST(ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000) AS SIGNED) AS sk_now',
  columns: (table) => ({
    text:
      'SELECT COLUMN_NAME AS sk_name, DATA_TYPE AS sk_type, IS_NULLABLE AS sk_nullable FROM information_schema.COLUMNS ' +
      'WHERE TABLE_NAME = ? AND TABLE_SCHEMA = COALESCE(?, DATABASE())',
    values: [table.name, table.schema],
  }),
  family: (type) => FAMILIES[type] ?? 'other',
  classify,
  quote: quoteIdentifier,
  addColumn: (table, column, definition) => `ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`,
  types: {
    text: 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
    bytes: 'LONGBLOB',
    emptyText: "''",
    detailsText: 'VARCHAR(1024) CHARACTER SET utf8mb4',
  },
  createHint: 'sessionkit schema mysql --apply -s mysql://…',
};
