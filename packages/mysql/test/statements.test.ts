import {
  allStatements,
  DB_CLOCK,
  NOW,
  placeholderCount,
  ROW,
  tomcatOptions,
  tomcatSeedOptions,
  versionlessAndDetailsStatementTests,
} from '@sessionkit/sql/testing';
import { describe, expect, test } from 'vitest';
import { MYSQL_SCHEMA_SQL, mysqlDialect, schemaSql, schemaStatements } from '../src/index';

describe('statement shapes (SQL text only, no database)', () => {
  // The default layout without the session-list columns, whose statements have their own block below.
  const statements = allStatements(mysqlDialect, { columns: { details: null, activeAt: null } });

  test('every ? has a value, and no statement reads the database clock', () => {
    for (const [name, statement] of Object.entries({
      ...statements,
      ...allStatements(mysqlDialect, tomcatOptions('t')),
    })) {
      expect(placeholderCount(statement.text, '?'), name).toBe(statement.values.length);
      expect(statement.text, name).not.toMatch(DB_CLOCK);
    }
  });

  test('insert: a plain INSERT, then on a duplicate key an UPDATE that only matches an expired row', () => {
    expect(statements.insert?.text).toBe(
      'INSERT INTO `sessionkit_sessions` (`session_key`, `app`, `version`, `payload`, `expires_at`, `owner_id`, ' +
        '`created_at`) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    expect(statements.insert?.values).toEqual(['k', '', 2, Buffer.from([1, 2]), NOW + 60_000, 'alice', NOW]);
    expect(statements.replaceExpired?.text).toBe(
      'UPDATE `sessionkit_sessions` SET `version` = ?, `payload` = ?, `expires_at` = ?, `owner_id` = ?, `created_at` = ? ' +
        'WHERE `session_key` = ? AND `app` = ? AND `expires_at` <= ?',
    );
    expect(statements.replaceExpired?.values).toEqual([
      2,
      Buffer.from([1, 2]),
      NOW + 60_000,
      'alice',
      NOW,
      'k',
      '',
      NOW,
    ]);
  });

  test('no replacing insert: MySQL has no statement that inserts and deletes another row', () => {
    // Data-modifying CTEs do not exist, and a second statement in one call needs
    // multipleStatements, which the app's pool does not enable (and should not, for injection's
    // sake): a login inserts, then destroys the old row in a second call.
    expect(mysqlDialect.insertReplacing).toBeUndefined();
  });

  test('compare-and-set: an UPDATE matching only the live row at the expected version', () => {
    expect(statements.cas?.text).toBe(
      'UPDATE `sessionkit_sessions` SET `version` = ?, `payload` = ?, `expires_at` = ?, `owner_id` = ? ' +
        'WHERE `session_key` = ? AND `app` = ? AND `version` = ? AND `expires_at` > ?',
    );
  });

  test('prune: a non-locking read of at most n keys, then a delete of those keys by primary key, padded to n', () => {
    expect(statements.pruneSelect?.text).toBe(
      'SELECT `session_key` AS `sk_key` FROM `sessionkit_sessions` WHERE `app` = ? AND `expires_at` <= ? LIMIT 4',
    );
    expect(statements.pruneDelete?.text).toBe(
      'DELETE FROM `sessionkit_sessions` WHERE `session_key` IN (?, ?, ?, ?) AND `app` = ? AND `expires_at` <= ?',
    );
    // Two keys fill a batch of four by repetition: one prepared statement for every batch.
    expect(statements.pruneDelete?.values).toEqual(['a', 'b', 'b', 'b', '', NOW]);
    expect(statements.clearDelete?.text).toBe(
      'DELETE FROM `sessionkit_sessions` WHERE `session_key` IN (?, ?, ?, ?) AND `app` = ?',
    );
  });

  test('Tomcat mapping: expiry is last_access + max_inactive × 1000, written to the millisecond', () => {
    const tomcat = allStatements(mysqlDialect, tomcatOptions('tomcat_sessions'));
    expect(tomcat.get?.text).toContain(
      '(`last_access` + CAST(`max_inactive` AS SIGNED) * 1000) AS `sk_expires_at`',
    );
    const text = tomcat.insert?.text ?? '';
    const columns = text.slice(text.indexOf('(') + 1, text.indexOf(')')).split(', ');
    const values = tomcat.insert?.values ?? [];
    const at = (column: string) => values[columns.indexOf(column)] as number;
    expect(at('`last_access`') + at('`max_inactive`') * 1000).toBe(ROW.expiresAt);
    expect(values[columns.indexOf('`valid_session`')]).toBe('1');
  });
});

describe('DDL (text only, no database)', () => {
  test('the default schema: one idempotent CREATE TABLE with binary-collated text, LONGBLOB, inline indexes', () => {
    expect(MYSQL_SCHEMA_SQL).toBe(schemaSql());
    const [table, ...rest] = schemaStatements();
    expect(rest).toEqual([]);
    expect(table).toContain('CREATE TABLE IF NOT EXISTS `sessionkit_sessions`');
    expect(table).toContain('`session_key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL');
    expect(table).toContain('`payload` LONGBLOB NOT NULL');
    expect(table).toContain('`expires_at` BIGINT NOT NULL');
    expect(table).toContain('PRIMARY KEY (`session_key`)');
    expect(table).toContain('KEY `sessionkit_sessions_expires_idx` (`app`, `expires_at`)');
    expect(table).toContain('KEY `sessionkit_sessions_owner_idx` (`owner_id`, `app`)');
    expect(table).toMatch(/ENGINE=InnoDB$/);
  });

  test('a database-qualified name; unsafe names are refused', () => {
    expect(schemaSql({ tableName: 'app.sessions' })).toContain('CREATE TABLE IF NOT EXISTS `app`.`sessions`');
    expect(() => schemaSql({ tableName: 'x`; DROP TABLE y; --' })).toThrow(/plain SQL identifier/);
  });
});

versionlessAndDetailsStatementTests(mysqlDialect, '?', tomcatSeedOptions('tomcat_sessions'));
