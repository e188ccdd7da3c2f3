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
import { POSTGRES_SCHEMA_SQL, postgresDialect, schemaSql, schemaStatements } from '../src/index';

describe('statement shapes (SQL text only, no database)', () => {
  // The default layout without the session-list columns, whose statements have their own block below.
  const statements = allStatements(postgresDialect, { columns: { details: null, activeAt: null } });

  test('every placeholder has a value, and no statement reads the database clock', () => {
    for (const [name, statement] of Object.entries({
      ...statements,
      ...allStatements(postgresDialect, tomcatOptions('t')),
    })) {
      expect(placeholderCount(statement.text, '$'), name).toBe(statement.values.length);
      expect(statement.text, name).not.toMatch(DB_CLOCK);
    }
  });

  test('insert: one INSERT … ON CONFLICT DO UPDATE that only replaces an expired row of the namespace', () => {
    expect(statements.insert?.text).toBe(
      'INSERT INTO "sessionkit_sessions" AS "sk_existing" ("session_key", "app", "version", "payload", "expires_at", ' +
        '"owner_id", "created_at") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ("session_key") DO UPDATE SET ' +
        '"version" = EXCLUDED."version", "payload" = EXCLUDED."payload", "expires_at" = EXCLUDED."expires_at", ' +
        '"owner_id" = EXCLUDED."owner_id", "created_at" = EXCLUDED."created_at" ' +
        'WHERE "sk_existing"."expires_at" <= $8 AND "sk_existing"."app" = $9',
    );
    expect(statements.insert?.values).toEqual([
      'k',
      '',
      2,
      Buffer.from([1, 2]),
      NOW + 60_000,
      'alice',
      NOW,
      NOW,
      '',
    ]);
  });

  test('insert replacing another row: the upsert and a DELETE that runs only on its RETURNING row', () => {
    const upsert = statements.insert?.text ?? '';
    expect(statements.insertReplacing?.text).toBe(
      `WITH "sk_inserted" AS (${upsert} RETURNING 1), "sk_replaced" AS (DELETE FROM "sessionkit_sessions" ` +
        'WHERE "session_key" = $10 AND "app" = $11 AND EXISTS (SELECT 1 FROM "sk_inserted")) SELECT 1 FROM "sk_inserted"',
    );
    expect(statements.insertReplacing?.values).toEqual([...(statements.insert?.values ?? []), 'old', '']);
  });

  test('compare-and-set: an UPDATE matching only the live row at the expected version', () => {
    expect(statements.cas?.text).toBe(
      'UPDATE "sessionkit_sessions" SET "version" = $1, "payload" = $2, "expires_at" = $3, "owner_id" = $4 ' +
        'WHERE "session_key" = $5 AND "app" = $6 AND "version" = $7 AND "expires_at" > $8',
    );
    expect(statements.cas?.values).toEqual([2, Buffer.from([1, 2]), NOW + 60_000, 'alice', 'k', '', 1, NOW]);
  });

  test('combined compare-and-sets: each UPDATE as sent alone, in a CTE returning its position when it matched', () => {
    const update = (n: number) =>
      `UPDATE "sessionkit_sessions" SET "version" = $${n}, "payload" = $${n + 1}, "expires_at" = $${n + 2}, ` +
      `"owner_id" = $${n + 3} WHERE "session_key" = $${n + 4} AND "app" = $${n + 5} AND "version" = $${n + 6} ` +
      `AND "expires_at" > $${n + 7}`;
    expect(statements.combinedCas?.text).toBe(
      `WITH "sk_w0" AS (${update(1)} RETURNING 0 AS "sk_index"), "sk_w1" AS (${update(9)} RETURNING 1 AS "sk_index") ` +
        'SELECT "sk_index" FROM "sk_w0" UNION ALL SELECT "sk_index" FROM "sk_w1"',
    );
    expect(update(1)).toBe(statements.cas?.text);
    expect(statements.combinedCas?.values).toEqual([
      ...(statements.cas?.values ?? []),
      2,
      Buffer.from([1, 2]),
      NOW + 60_000,
      null,
      'l',
      '',
      5,
      NOW,
    ]);
  });

  test('only a refusal by the server (an ErrorResponse: severity and SQLSTATE) sends combined writes again alone', () => {
    const refused = postgresDialect.combinedUpdates?.refused;
    expect(refused?.(Object.assign(new Error('value too long'), { severity: 'ERROR', code: '22001' }))).toBe(
      true,
    );
    expect(refused?.(Object.assign(new Error('check'), { severity: 'ERROR', code: '23514' }))).toBe(true);
    expect(refused?.(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(false);
    expect(refused?.(new Error('Connection terminated unexpectedly'))).toBe(false);
    expect(refused?.(undefined)).toBe(false);
  });

  test('prune: a bounded batch of rows locked with SKIP LOCKED, expiry re-checked; clear waits for locks', () => {
    expect(statements.prune?.text).toBe(
      'DELETE FROM "sessionkit_sessions" WHERE "session_key" IN (SELECT "session_key" FROM "sessionkit_sessions" ' +
        'WHERE "app" = $1 AND "expires_at" <= $2 LIMIT 4 FOR UPDATE SKIP LOCKED) AND "app" = $1 AND "expires_at" <= $2',
    );
    expect(statements.clear?.text).toContain('LIMIT 4 FOR UPDATE)');
    expect(statements.clear?.text).not.toContain('expires_at');
  });

  test('reads select the row of a key, expired or not: the store checks it, then its expiry', () => {
    expect(statements.get?.text).toBe(
      'SELECT "version" AS "sk_version", "payload" AS "sk_payload", "expires_at" AS "sk_expires_at", ' +
        '"owner_id" AS "sk_owner_id" FROM "sessionkit_sessions" WHERE "session_key" = $1 AND "app" = $2',
    );
    expect(statements.get?.values).toEqual(['k', '']);
  });

  test('Tomcat mapping: expiry is last_access + max_inactive (as BIGINT) × 1000, written to the millisecond', () => {
    const tomcat = allStatements(postgresDialect, tomcatOptions('tomcat_sessions'));
    expect(tomcat.get?.text).toContain(
      '("last_access" + CAST("max_inactive" AS BIGINT) * 1000) AS "sk_expires_at"',
    );
    expect(tomcat.insert?.text).toContain('"valid_session"');
    const values = tomcat.insert?.values ?? [];
    const text = tomcat.insert?.text ?? '';
    const columns = text.slice(text.indexOf('(') + 1, text.indexOf(')')).split(', ');
    const at = (column: string) => values[columns.indexOf(column)] as number;
    expect(at('"last_access"') + at('"max_inactive"') * 1000).toBe(ROW.expiresAt);
    expect(at('"max_inactive"')).toBe(60);
    expect(values[columns.indexOf('"valid_session"')]).toBe('1');
    expect(text).not.toContain('created_at');
  });

  test('schema-qualified names are quoted part by part', () => {
    const qualified = allStatements(postgresDialect, { tableName: 'auth.Sessions' });
    expect(qualified.count?.text).toContain('FROM "auth"."Sessions"');
  });
});

describe('DDL (text only, no database)', () => {
  test('the default schema: BIGINT epoch-ms times, BYTEA payload, "C"-collated text, indexes', () => {
    expect(POSTGRES_SCHEMA_SQL).toBe(schemaSql());
    const [table, expires, owner] = schemaStatements();
    expect(table).toContain('CREATE TABLE IF NOT EXISTS "sessionkit_sessions"');
    expect(table).toContain('"session_key" VARCHAR(255) COLLATE "C" NOT NULL');
    expect(table).toContain('"payload" BYTEA NOT NULL');
    expect(table).toContain('"expires_at" BIGINT NOT NULL');
    expect(table).toContain('PRIMARY KEY ("session_key")');
    expect(expires).toBe(
      'CREATE INDEX IF NOT EXISTS "sessionkit_sessions_expires_idx" ON "sessionkit_sessions" ("app", "expires_at")',
    );
    expect(owner).toBe(
      'CREATE INDEX IF NOT EXISTS "sessionkit_sessions_owner_idx" ON "sessionkit_sessions" ("owner_id", "app")',
    );
  });

  test('a table name and renamed columns; optional columns can be left out', () => {
    const ddl = schemaSql({
      tableName: 'auth.sessions',
      columns: { key: 'sid', ownerId: null, namespace: null },
    });
    expect(ddl).toContain('CREATE TABLE IF NOT EXISTS "auth"."sessions"');
    expect(ddl).toContain('PRIMARY KEY ("sid")');
    expect(ddl).toContain('ON "auth"."sessions" ("expires_at")');
    expect(ddl).not.toContain('owner');
    expect(ddl).not.toContain('"app"');
  });

  test('invalid names and mappings of existing tables are refused', () => {
    expect(() => schemaSql({ tableName: 'x"; DROP TABLE y; --' })).toThrow(/plain SQL identifier/);
    expect(() => schemaSql({ columns: { key: 'a b' } })).toThrow(/columns\.key/);
    expect(() => schemaSql({ tableName: 'a'.repeat(64) })).toThrow(/at most 63/);
  });
});

versionlessAndDetailsStatementTests(postgresDialect, '$', tomcatSeedOptions('tomcat_sessions'));
