import type {
  BatchDeleteOptions,
  BatchDeletePlan,
  CompareAndSet,
  InsertPlan,
  InsertRow,
  SqlDialect,
  SqlErrorKind,
  Statement,
} from '@sessionkit/sql';
import { ALIAS, type Params, type TableSql, whereClause } from '@sessionkit/sql/internal';
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

/**
 * Compare-and-sets as data-modifying CTEs of one statement: each is the UPDATE a lone
 * compare-and-set sends, with its own parameters, returning its position when it matched. The
 * statement is one transaction, and each UPDATE re-checks its row's token after waiting for a
 * concurrent writer's lock, as a statement of its own does. Keys are distinct (the store sends a
 * second write of a key in a later statement).
 */
function combinedStatement(sql: TableSql, writes: readonly CompareAndSet[]): Statement {
  const p = sql.params();
  const index = quote(ALIAS.index);
  const updates = writes.map(
    ({ row, expected }, i) =>
      `"sk_w${i}" AS (${sql.updateIfVersionText(p, row, expected)} RETURNING ${i} AS ${index})`,
  );
  const matched = writes.map((_, i) => `SELECT ${index} FROM "sk_w${i}"`).join(' UNION ALL ');
  return p.statement(`WITH ${updates.join(', ')} ${matched}`);
}

/** SQLSTATE codes are five digits or upper-case letters. */
const SQLSTATE = /^[0-9A-Z]{5}$/;

/**
 * An ErrorResponse of the server (pg's DatabaseError carries its severity and SQLSTATE): the
 * statement was rolled back whole. A lost connection has neither, and may come after the commit.
 */
function refused(error: unknown): boolean {
  const { severity, code } = (error ?? {}) as { severity?: unknown; code?: unknown };
  return typeof severity === 'string' && typeof code === 'string' && SQLSTATE.test(code);
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
  combinedUpdates: Object.freeze({ statement: combinedStatement, refused }),
  schemaStatements: (layout) => renderSchema(layout, quote),
  classifyError,
});
