import type {
  BatchDeleteOptions,
  BatchDeletePlan,
  InsertPlan,
  InsertRow,
  SqlDialect,
  SqlErrorKind,
  SqlResult,
  Statement,
} from '@sessionkit/sql';
import { type Params, type TableSql, whereClause } from '@sessionkit/sql/internal';
import { quoteIdentifier, renderSchema } from './schema';

/** Server error numbers. */
const DUPLICATE = new Set([2627 /* PRIMARY KEY / UNIQUE constraint */, 2601 /* unique index */]);
const DEADLOCK_VICTIM = 1205;
const EXISTS = new Set([2714 /* object already exists */, 1913 /* index already exists */]);

const EXISTING = '[sk_existing]';
const INCOMING = '[sk_incoming]';
const AFFECTED = 'sk_affected';
/** The MERGE's row count, inside insertReplacing's batch. */
const INSERTED = '@sk_inserted';

/**
 * `SELECT @@ROWCOUNT` instead of the driver's row counts: with `SET NOCOUNT ON` (a common server
 * or connection default) SQL Server sends no counts at all, and every write would look like a
 * conflict.
 */
function writeStatement(text: string): string {
  return `${text};\nSELECT @@ROWCOUNT AS [${AFFECTED}];`;
}

function affectedRows(result: SqlResult): number {
  return Number(result.rows[0]?.[AFFECTED] ?? 0);
}

/**
 * Insert unless a live row holds the key, in one MERGE. WITH (HOLDLOCK) runs it at SERIALIZABLE
 * on the key's range: without it two MERGEs can both see "not matched" and the second fails with
 * a primary-key violation. The MATCHED branch only fires for an expired row of this namespace,
 * so a row count of 0 means a live session won.
 */
function mergeText(sql: TableSql, p: Params, row: InsertRow): string {
  const values = sql.insertValues(row).map(([column, value]) => [column, p.add(value)] as const);
  const keyPlaceholder = values[0]?.[1] as string;
  const updates = values
    .filter(([column]) => column !== sql.key && column !== sql.namespace)
    .map(([column, placeholder]) => `${column} = ${placeholder}`);
  const when = [`${sql.expiry(EXISTING)} <= ${p.add(row.now)}`, ...sql.scope(p, EXISTING)];
  return (
    `MERGE INTO ${sql.table} WITH (HOLDLOCK) AS ${EXISTING} ` +
    `USING (SELECT ${keyPlaceholder} AS [sk_key]) AS ${INCOMING} ON ${EXISTING}.${sql.key} = ${INCOMING}.[sk_key] ` +
    `WHEN MATCHED AND ${when.join(' AND ')} THEN UPDATE SET ${updates.join(', ')} ` +
    `WHEN NOT MATCHED THEN INSERT (${values.map(([column]) => column).join(', ')}) ` +
    `VALUES (${values.map(([, placeholder]) => placeholder).join(', ')})`
  );
}

function insert(sql: TableSql, row: InsertRow): InsertPlan {
  const p = sql.params();
  return { kind: 'upsert', statement: p.statement(writeStatement(mergeText(sql, p, row))) };
}

/**
 * The MERGE and the deletion of the replaced row in one batch (one round trip), the DELETE only
 * when the MERGE wrote. Each statement commits on its own: no explicit transaction, because a
 * batch cancelled by a client timeout would leave it open on the pooled connection (mssql does
 * not reset connections), and no SET XACT_ABORT, which would stay on the app's connections. A
 * failed DELETE is re-raised as error 50000, which the store does not retry: re-running the
 * batch after the MERGE committed would find the new row and report a conflict.
 */
function insertReplacing(sql: TableSql, row: InsertRow, replaces: string): Statement {
  const p = sql.params();
  const merge = mergeText(sql, p, row);
  const remove = sql.deleteRowText(p, replaces, `${INSERTED} > 0`);
  return p.statement(
    `DECLARE ${INSERTED} INT;\n${merge};\nSET ${INSERTED} = @@ROWCOUNT;\n` +
      `BEGIN TRY\n${remove};\nEND TRY\nBEGIN CATCH\n` +
      `DECLARE @sk_error NVARCHAR(2048) = CONCAT(N'The new session was written, but the one it replaces was not deleted: ', ERROR_MESSAGE());\n` +
      `THROW 50000, @sk_error, 1;\nEND CATCH;\nSELECT ${INSERTED} AS [${AFFECTED}];`,
  );
}

/**
 * One batch: DELETE TOP (n). READPAST (prune) skips rows that a write or another node's prune
 * has locked, so pruners never queue behind traffic; ROWLOCK keeps the batch from escalating to
 * page locks that would block unrelated sessions.
 */
function batchDelete(
  sql: TableSql,
  { expiredBefore, batchSize, skipLocked }: BatchDeleteOptions,
): BatchDeletePlan {
  const p = sql.params();
  const hints = skipLocked ? 'ROWLOCK, READPAST' : 'ROWLOCK';
  const where = whereClause(sql.batchConditions(p, expiredBefore));
  return {
    kind: 'single',
    statement: p.statement(
      writeStatement(`DELETE TOP (${Math.trunc(batchSize)}) FROM ${sql.table} WITH (${hints})${where}`),
    ),
  };
}

function errorNumber(error: unknown): unknown {
  const candidate = error as {
    number?: unknown;
    originalError?: { number?: unknown; info?: { number?: unknown } };
  };
  return candidate?.number ?? candidate?.originalError?.info?.number ?? candidate?.originalError?.number;
}

function classifyError(error: unknown): SqlErrorKind {
  const number = errorNumber(error);
  if (typeof number !== 'number') return 'other';
  if (DUPLICATE.has(number)) return 'duplicate';
  if (number === DEADLOCK_VICTIM) return 'transient';
  if (EXISTS.has(number)) return 'exists';
  return 'other';
}

/** The SQL Server dialect of the shared SQL layer (mssql named parameters `@p1`, `@p2`…). */
export const mssqlDialect: SqlDialect = Object.freeze<SqlDialect>({
  label: 'SQL Server',
  quoteIdentifier,
  placeholder: (index: number) => `@p${index}`,
  reusablePlaceholders: true,
  toBigint: (expression: string) => `CAST(${expression} AS BIGINT)`,
  writeStatement,
  affectedRows,
  insert,
  insertReplacing,
  batchDelete,
  schemaStatements: renderSchema,
  classifyError,
});
