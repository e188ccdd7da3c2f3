/**
 * Helpers of the statement-shape tests: they build every statement a dialect produces, without a
 * database, so the SQL text of all three dialects is checked here even where no server runs.
 */
import { describe, expect, test } from 'vitest';
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
  details: '{"c":1,"m":{}}',
  now: NOW,
};

/** Every statement the store can send for one mapping, by name. */
export function allStatements(dialect: SqlDialect, options: SqlStoreOptions = {}): Record<string, Statement> {
  const sql = new TableSql(resolveSqlOptions(options, 'test').mapping, dialect);
  const statements: Record<string, Statement> = {
    get: sql.selectByKey('k'),
    coalescedGet: sql.selectByKeys(['k', 'l', 'm']),
    cas: sql.updateIfVersion(ROW, 1),
    touch: sql.touch('k', NOW + 120_000, NOW),
    destroyLive: sql.deleteKey('k', NOW, true),
    destroyExpired: sql.deleteKey('k', NOW, false),
    count: sql.countLive(NOW),
    stats: sql.stats(NOW),
  };
  if (sql.ownerId !== null) {
    statements.listOwner = sql.listOwner(sql.ownerId, 'alice', NOW);
    statements.destroyOwner = sql.deleteOwner(sql.ownerId, 'alice', NOW, true);
    statements.destroyOwned = sql.deleteOwnedKey(sql.ownerId, 'alice', 'k', NOW, true);
  }
  if (dialect.insertReplacing) statements.insertReplacing = dialect.insertReplacing(sql, ROW, 'old');
  if (dialect.combinedUpdates) {
    statements.combinedCas = dialect.combinedUpdates.statement(sql, [
      { row: ROW, expected: 1 },
      { row: { ...ROW, key: 'l', ownerId: null }, expected: 5 },
    ]);
  }
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

/**
 * Statement checks of a session list and of a table without a version column, for any dialect:
 * what each statement must name and bind, not its exact text (each dialect's own tests pin that).
 * Registers one vitest `describe` block.
 */
export function versionlessAndDetailsStatementTests(
  dialect: SqlDialect,
  style: '?' | '$' | '@p',
  seedOptions: SqlStoreOptions,
): void {
  const q = (name: string) => dialect.quoteIdentifier(name);
  describe(`${dialect.label}: session-list columns and a table without a version column`, () => {
    const defaults = allStatements(dialect);
    const seed = allStatements(dialect, seedOptions);

    test('every statement binds exactly the values its placeholders name', () => {
      for (const [name, statement] of Object.entries({ ...defaults, ...prefixed('seed ', seed) })) {
        expect(placeholderCount(statement.text, style), name).toBe(statement.values.length);
        expect(statement.text, name).not.toMatch(DB_CLOCK);
      }
    });

    test('the default layout reads and writes details and active_at, and lists them', () => {
      expect(defaults.get?.text).toContain(`${q('details')} AS ${q('sk_details')}`);
      expect(defaults.cas?.text).toContain(`${q('details')} = `);
      expect(defaults.cas?.values).toContain(ROW.details);
      expect(defaults.touch?.text).toContain(`${q('active_at')} = `);
      expect(defaults.listOwner?.text).toContain(`${q('active_at')} AS ${q('sk_active_at')}`);
      expect(defaults.destroyOwned?.text).toMatch(/^DELETE/);
      expect(defaults.destroyOwned?.values).toEqual(expect.arrayContaining(['k', 'alice']));
      expect(defaults.stats?.text).toContain(`COUNT(DISTINCT CASE WHEN`);
    });

    test('without a version column, compare-and-set matches last_access and a touch leaves it alone', () => {
      expect(seed.get?.text).toContain(`${q('last_access')} AS ${q('sk_version')}`);
      expect(seed.cas?.text).toMatch(new RegExp(`WHERE .*${escapeRegExp(q('last_access'))} = `));
      expect(seed.cas?.text).not.toContain('sk_version"');
      const assignments = seed.touch?.text.split(' WHERE ')[0] ?? '';
      expect(assignments).toContain(`${q('max_inactive')} = `);
      expect(assignments).not.toContain(`${q('last_access')} =`);
      // The seconds: the deadline minus last access, rounded down, capped to an INT.
      expect(assignments).toContain('FLOOR(');
      expect(assignments).toContain('2147483647');
      expect(Object.keys(seed)).not.toContain('listOwner');
    });
  });
}

function prefixed(prefix: string, statements: Record<string, Statement>): Record<string, Statement> {
  return Object.fromEntries(
    Object.entries(statements).map(([name, statement]) => [`${prefix}${name}`, statement]),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
