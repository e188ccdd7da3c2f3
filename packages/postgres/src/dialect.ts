import type {
  BatchDeleteOptions,
  BatchDeletePlan,
  InsertPlan,
  InsertRow,
  SqlDialect,
  SqlErrorKind,
  Statement,
} from '@sessionkit/sql';
import { type Params, type TableSql, whereClause } from '@sessionkit/sql/internal';
import { quoteIdentifier as quote, renderSchema } from './schema';

/** SQLSTATE codes, from PostgreSQL's errcodes table. */
const UNIQUE_VIOLATION = '23505';
const TRANSIENT = new Set(['40P01' /* deadlock_detected */, '40001' /* serialization_failure */]);
const EXISTS = new Set(['42P07' /* duplicate_table */, '42710' /* duplicate_object */]);

/** Alias of the row already in the table, inside an upsert. */
const EXISTING = '"sk_existing"';
/** The CTEs of insertReplacing. */
const INSERTED = '"sk_inserted"';
const REPLACED = '"sk_replaced"';

/**
 * Insert unless a live row holds the key. ON CONFLICT makes the insert and the conflict check one
 * atomic step: concurrent inserts of one key never raise a unique violation, one of them writes
 * and the others find the row. The DO UPDATE only fires on an expired row of this namespace, so a
 * row count of 0 means a live session won.
 */
function upsertText(sql: TableSql, p: Params, row: InsertRow): string {
  const values = sql.insertValues(row);
  const columns = values.map(([column]) => column);
  const placeholders = values.map(([, value]) => p.add(value));
  const updates = columns
    .filter((column) => column !== sql.key && column !== sql.namespace)
    .map((column) => `${column} = EXCLUDED.${column}`);
  const when = [`${sql.expiry(EXISTING)} <= ${p.add(row.now)}`, ...sql.scope(p, EXISTING)];
  return (
    `INSERT INTO ${sql.table} AS ${EXISTING} (${columns.join(', ')}) VALUES (${placeholders.join(', ')}) ` +
    `ON CONFLICT (${sql.key}) DO UPDATE SET ${updates.join(', ')} WHERE ${when.join(' AND ')}`
  );
}

function insert(sql: TableSql, row: InsertRow): InsertPlan {
  const p = sql.params();
  return { kind: 'upsert', statement: p.statement(upsertText(sql, p, row)) };
}

/**
 * The upsert and the deletion of the replaced row in one statement, through data-modifying CTEs.
 * The DELETE reads the upsert's RETURNING rows, so it only runs when the upsert wrote; the
 * statement returns that row too, so its row count is the insert's (0: a live session won, and
 * nothing was deleted). One statement is one transaction: both happen, or neither.
 */
function insertReplacing(sql: TableSql, row: InsertRow, replaces: string): Statement {
  const p = sql.params();
  const upsert = upsertText(sql, p, row);
  const remove = sql.deleteRowText(p, replaces, `EXISTS (SELECT 1 FROM ${INSERTED})`);
  return p.statement(
    `WITH ${INSERTED} AS (${upsert} RETURNING 1), ${REPLACED} AS (${remove}) SELECT 1 FROM ${INSERTED}`,
  );
}

/**
 * One batch: the subquery picks at most `batchSize` rows and locks them. SKIP LOCKED (prune) passes
 * over rows that a write or another node's prune holds, so pruners never queue behind traffic or
 * deadlock with each other. The outer condition re-checks expiry at delete time.
 */
function batchDelete(
  sql: TableSql,
  { expiredBefore, batchSize, skipLocked }: BatchDeleteOptions,
): BatchDeletePlan {
  const p = sql.params();
  const conditions = sql.batchConditions(p, expiredBefore);
  const lock = skipLocked ? 'FOR UPDATE SKIP LOCKED' : 'FOR UPDATE';
  const recheck = conditions.map((condition) => ` AND ${condition}`).join('');
  return {
    kind: 'single',
    statement: p.statement(
      `DELETE FROM ${sql.table} WHERE ${sql.key} IN (SELECT ${sql.key} FROM ${sql.table}${whereClause(conditions)} ` +
        `LIMIT ${Math.trunc(batchSize)} ${lock})${recheck}`,
    ),
  };
}

function classifyError(error: unknown): SqlErrorKind {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (code === UNIQUE_VIOLATION) return 'duplicate';
  if (TRANSIENT.has(code)) return 'transient';
  if (EXISTS.has(code)) return 'exists';
  return 'other';
}

/** The PostgreSQL dialect of the shared SQL layer (node-postgres placeholders `$1`, `$2`…). */
export const postgresDialect: SqlDialect = Object.freeze<SqlDialect>({
  label: 'PostgreSQL',
  quoteIdentifier: quote,
  placeholder: (index: number) => `$${index}`,
  reusablePlaceholders: true,
  toBigint: (expression: string) => `CAST(${expression} AS BIGINT)`,
  writeStatement: (text: string) => text,
  affectedRows: (result) => result.affected,
  insert,
  insertReplacing,
  batchDelete,
  schemaStatements: (layout) => renderSchema(layout, quote),
  classifyError,
});
