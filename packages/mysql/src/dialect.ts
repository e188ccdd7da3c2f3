import type {
  BatchDeleteOptions,
  BatchDeletePlan,
  InsertPlan,
  InsertRow,
  SqlDialect,
  SqlErrorKind,
  SqlValue,
} from '@sessionkit/sql';
import { ALIAS, type TableSql, whereClause } from '@sessionkit/sql/internal';
import { quoteIdentifier, renderSchema } from './schema';

/** Server error numbers (errno), the same in MySQL and MariaDB. */
const ER_DUP_ENTRY = 1062;
const ER_LOCK_DEADLOCK = 1213;
/** "Record has changed since last read": MariaDB's snapshot-isolation conflict; the statement rolled back. */
const ER_CHECKREAD = 1020;
const ER_TABLE_EXISTS = 1050;
const ER_DUP_KEYNAME = 1061;

/**
 * MySQL has no INSERT that reports "a live row won" unambiguously: with ON DUPLICATE KEY UPDATE,
 * an unchanged row and an inserted one both count 1 row when the client sets CLIENT_FOUND_ROWS
 * (mysql2 does by default), and its assignments see the columns they already changed. So the
 * insert is plain; only a duplicate-key error (a row holds the key) leads to an UPDATE that can
 * only match an expired row. Both statements are atomic on the primary key, so of any number of
 * racing writers exactly one succeeds.
 */
function insert(sql: TableSql, row: InsertRow): InsertPlan {
  const p = sql.params();
  const values = sql.insertValues(row);
  const placeholders = values.map(([, value]) => p.add(value));
  return {
    kind: 'insert-then-replace',
    insert: p.statement(
      `INSERT INTO ${sql.table} (${values.map(([column]) => column).join(', ')}) VALUES (${placeholders.join(', ')})`,
    ),
    replace: sql.replaceExpired(row),
  };
}

/**
 * A locking range delete (`DELETE … WHERE expires_at <= ? LIMIT n`) takes next-key locks on the
 * secondary index first and the primary key second, the opposite order of the writes it races,
 * which InnoDB resolves by killing one of them as a deadlock victim. So a batch first reads
 * expired keys without locking anything, then deletes exactly those by primary key, re-checking
 * expiry (a row touched in between survives). The key list is padded to the batch size with a
 * repeated key, so every batch is the same prepared statement.
 */
function batchDelete(sql: TableSql, { expiredBefore, batchSize }: BatchDeleteOptions): BatchDeletePlan {
  const size = Math.trunc(batchSize);
  const p = sql.params();
  const select = p.statement(
    `SELECT ${sql.key} AS ${sql.q(ALIAS.key)} FROM ${sql.table}` +
      `${whereClause(sql.batchConditions(p, expiredBefore))} LIMIT ${size}`,
  );
  const remove = (keys: readonly SqlValue[]) => {
    const d = sql.params();
    const padded = Array.from({ length: size }, (_, i) => keys[Math.min(i, keys.length - 1)] ?? null);
    const list = padded.map((key) => d.add(key)).join(', ');
    const conditions = [`${sql.key} IN (${list})`, ...sql.batchConditions(d, expiredBefore)];
    return d.statement(`DELETE FROM ${sql.table} WHERE ${conditions.join(' AND ')}`);
  };
  return { kind: 'select-then-delete', select, remove };
}

function classifyError(error: unknown): SqlErrorKind {
  const errno = (error as { errno?: unknown } | null)?.errno;
  if (errno === ER_DUP_ENTRY) return 'duplicate';
  if (errno === ER_LOCK_DEADLOCK || errno === ER_CHECKREAD) return 'transient';
  if (errno === ER_TABLE_EXISTS || errno === ER_DUP_KEYNAME) return 'exists';
  return 'other';
}

/** The MySQL / MariaDB dialect of the shared SQL layer (mysql2 placeholders `?`). */
export const mysqlDialect: SqlDialect = Object.freeze<SqlDialect>({
  label: 'MySQL',
  quoteIdentifier,
  placeholder: () => '?',
  reusablePlaceholders: false,
  // INT × 1000 is already computed in 64 bits by MySQL; the cast documents the intent.
  toBigint: (expression: string) => `CAST(${expression} AS SIGNED)`,
  writeStatement: (text: string) => text,
  affectedRows: (result) => result.affected,
  insert,
  batchDelete,
  schemaStatements: renderSchema,
  classifyError,
});
