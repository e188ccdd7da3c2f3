/**
 * Helpers of the statement-shape tests: they build every statement a dialect produces, without a
 * database, so the SQL text of all three dialects is checked here even where no server runs.
 */
import type { SqlDialect } from '../dialect';
import { TableSql } from '../internal-do-not-import/table-sql';
import { resolveSqlOptions, type SqlStoreOptions } from '../options';
import type { InsertRow, Statement } from '../statement';

/** The fixed app clock of the statement tests (epoch ms). */
export const NOW = 1_700_000_000_000;

/** The row every insert and compare-and-set statement of {@link allStatements} writes. */
export const ROW: InsertRow = {
  key: 'k',
  version: 2,
  payload: new Uint8Array([1, 2]),
  expiresAt: NOW + 60_000,
  ownerId: 'alice',
  now: NOW,
};

/** Every statement the store can send for one mapping, by name. */
export function allStatements(dialect: SqlDialect, options: SqlStoreOptions = {}): Record<string, Statement> {
  const sql = new TableSql(resolveSqlOptions(options, 'test').mapping, dialect);
  const statements: Record<string, Statement> = {
    get: sql.selectByKey('k'),
    cas: sql.updateIfVersion(ROW, 1),
    touch: sql.touch('k', NOW + 120_000, NOW),
    destroyLive: sql.deleteKey('k', NOW, true),
    destroyExpired: sql.deleteKey('k', NOW, false),
    count: sql.countLive(NOW),
  };
  if (sql.ownerId !== null) {
    statements.listOwner = sql.listOwner(sql.ownerId, 'alice', NOW);
    statements.destroyOwner = sql.deleteOwner(sql.ownerId, 'alice', NOW, true);
  }
  if (dialect.insertReplacing) statements.insertReplacing = dialect.insertReplacing(sql, ROW, 'old');
  const insert = dialect.insert(sql, ROW);
  if (insert.kind === 'upsert') statements.insert = insert.statement;
  else Object.assign(statements, { insert: insert.insert, replaceExpired: insert.replace });
  for (const [name, expiredBefore, skipLocked] of [
    ['prune', NOW, true],
    ['clear', null, false],
  ] as const) {
    const plan = dialect.batchDelete(sql, { expiredBefore, batchSize: 4, skipLocked });
    if (plan.kind === 'single') statements[name] = plan.statement;
    else
      Object.assign(statements, {
        [`${name}Select`]: plan.select,
        [`${name}Delete`]: plan.remove(['a', 'b']),
      });
  }
  return statements;
}

/** How many values the placeholders of a statement refer to (`?` count, or the highest $n / @pn). */
export function placeholderCount(text: string, style: '?' | '$' | '@p'): number {
  if (style === '?') return (text.match(/\?/g) ?? []).length;
  const pattern = style === '$' ? /\$(\d+)/g : /@p(\d+)/g;
  return Math.max(0, ...[...text.matchAll(pattern)].map((match) => Number(match[1])));
}

/** Functions that read the database's clock; expiry must use the app's clock (a parameter) instead. */
export const DB_CLOCK =
  /\b(NOW|CURRENT_TIMESTAMP|LOCALTIMESTAMP|GETDATE|GETUTCDATE|SYSDATETIME|SYSUTCDATETIME|UNIX_TIMESTAMP|UTC_TIMESTAMP|clock_timestamp|statement_timestamp)\b/i;
