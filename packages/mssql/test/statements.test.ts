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
import { MSSQL_SCHEMA_SQL, mssqlDialect, schemaSql, schemaStatements } from '../src/index';

// SQL Server cannot run here, so these text-level tests are what checks this dialect locally;
// the database suites run wherever SESSIONKIT_MSSQL_URL or a container runtime is available.
describe('statement shapes (SQL text only, no database)', () => {
  // The default layout without the session-list columns, whose statements have their own block below.
  const statements = allStatements(mssqlDialect, { columns: { details: null, activeAt: null } });

  test('every @p placeholder has a value, and no statement reads the database clock', () => {
    for (const [name, statement] of Object.entries({
      ...statements,
      ...allStatements(mssqlDialect, tomcatOptions('t')),
    })) {
      expect(placeholderCount(statement.text, '@p'), name).toBe(statement.values.length);
      expect(statement.text, name).not.toMatch(DB_CLOCK);
    }
  });

  test('writes report their row count with SELECT @@ROWCOUNT (correct under SET NOCOUNT ON)', () => {
    for (const name of [
      'insert',
      'cas',
      'touch',
      'destroyLive',
      'destroyExpired',
      'destroyOwner',
      'prune',
      'clear',
    ]) {
      expect(statements[name]?.text, name).toMatch(/;\nSELECT @@ROWCOUNT AS \[sk_affected\];$/);
    }
    expect(mssqlDialect.affectedRows({ rows: [{ sk_affected: 1 }], affected: 0 })).toBe(1);
    expect(mssqlDialect.affectedRows({ rows: [], affected: 3 })).toBe(0);
  });

  test('insert: one MERGE WITH (HOLDLOCK) that inserts, or replaces only an expired row of the namespace', () => {
    expect(statements.insert?.text).toBe(
      'MERGE INTO [sessionkit_sessions] WITH (HOLDLOCK) AS [sk_existing] USING (SELECT @p1 AS [sk_key]) AS [sk_incoming] ' +
        'ON [sk_existing].[session_key] = [sk_incoming].[sk_key] ' +
        'WHEN MATCHED AND [sk_existing].[expires_at] <= @p8 AND [sk_existing].[app] = @p9 THEN UPDATE SET ' +
        '[version] = @p3, [payload] = @p4, [expires_at] = @p5, [owner_id] = @p6, [created_at] = @p7 ' +
        'WHEN NOT MATCHED THEN INSERT ([session_key], [app], [version], [payload], [expires_at], [owner_id], [created_at]) ' +
        'VALUES (@p1, @p2, @p3, @p4, @p5, @p6, @p7);\nSELECT @@ROWCOUNT AS [sk_affected];',
    );
    // Each value is bound once and referenced twice: the 1 MiB payload is not sent twice.
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

  // Unverified against a server here (none runs): the batch's text is what these lines check.
  test('insert replacing another row: one batch, the MERGE, then a DELETE only when it wrote', () => {
    const merge = (statements.insert?.text ?? '').replace(/;\nSELECT @@ROWCOUNT AS \[sk_affected\];$/, '');
    expect(statements.insertReplacing?.text).toBe(
      `DECLARE @sk_inserted INT;\n${merge};\nSET @sk_inserted = @@ROWCOUNT;\n` +
        'BEGIN TRY\nDELETE FROM [sessionkit_sessions] WHERE [session_key] = @p10 AND [app] = @p11 AND @sk_inserted > 0;\n' +
        'END TRY\nBEGIN CATCH\n' +
        "DECLARE @sk_error NVARCHAR(2048) = CONCAT(N'The new session was written, but the one it replaces was not deleted: ', ERROR_MESSAGE());\n" +
        'THROW 50000, @sk_error, 1;\nEND CATCH;\nSELECT @sk_inserted AS [sk_affected];',
    );
    expect(merge).toMatch(/^MERGE INTO \[sessionkit_sessions\] WITH \(HOLDLOCK\)/);
    expect(statements.insertReplacing?.values).toEqual([...(statements.insert?.values ?? []), 'old', '']);
    // No explicit transaction and no session option: either would outlive the batch on a pooled
    // connection (a cancelled batch leaves its transaction open).
    expect(statements.insertReplacing?.text).not.toMatch(/TRANSACTION|XACT_ABORT|NOCOUNT/);
    // A failed DELETE comes back as error 50000, which the store does not re-run (the MERGE committed).
    expect(mssqlDialect.classifyError({ number: 50000 })).toBe('other');
  });

  test('compare-and-set: an UPDATE matching only the live row at the expected version', () => {
    expect(statements.cas?.text).toBe(
      'UPDATE [sessionkit_sessions] SET [version] = @p1, [payload] = @p2, [expires_at] = @p3, [owner_id] = @p4 ' +
        'WHERE [session_key] = @p5 AND [app] = @p6 AND [version] = @p7 AND [expires_at] > @p8;\n' +
        'SELECT @@ROWCOUNT AS [sk_affected];',
    );
  });

  test('prune: DELETE TOP (n) that reads past locked rows; clear does not skip them', () => {
    expect(statements.prune?.text).toBe(
      'DELETE TOP (4) FROM [sessionkit_sessions] WITH (ROWLOCK, READPAST) WHERE [app] = @p1 AND [expires_at] <= @p2;\n' +
        'SELECT @@ROWCOUNT AS [sk_affected];',
    );
    expect(statements.clear?.text).toBe(
      'DELETE TOP (4) FROM [sessionkit_sessions] WITH (ROWLOCK) WHERE [app] = @p1;\nSELECT @@ROWCOUNT AS [sk_affected];',
    );
  });

  test('Tomcat mapping: expiry is last_access + max_inactive (as BIGINT) × 1000, written to the millisecond', () => {
    const tomcat = allStatements(mssqlDialect, tomcatOptions('tomcat_sessions'));
    expect(tomcat.get?.text).toContain(
      '([last_access] + CAST([max_inactive] AS BIGINT) * 1000) AS [sk_expires_at]',
    );
    const text = tomcat.insert?.text ?? '';
    const list = text.slice(text.indexOf('INSERT (') + 8);
    const columns = list.slice(0, list.indexOf(')')).split(', ');
    const values = tomcat.insert?.values ?? [];
    const at = (column: string) => values[columns.indexOf(column)] as number;
    expect(at('[last_access]') + at('[max_inactive]') * 1000).toBe(ROW.expiresAt);
    expect(values[columns.indexOf('[valid_session]')]).toBe('1');
  });

  test('classifies SQL Server error numbers, also when mssql nests them', () => {
    expect(mssqlDialect.classifyError({ number: 2627 })).toBe('duplicate');
    expect(mssqlDialect.classifyError({ number: 2601 })).toBe('duplicate');
    expect(mssqlDialect.classifyError({ originalError: { info: { number: 1205 } } })).toBe('transient');
    expect(mssqlDialect.classifyError({ number: 2714 })).toBe('exists');
    expect(mssqlDialect.classifyError(new Error('boom'))).toBe('other');
  });
});

describe('DDL (text only, no database)', () => {
  test('the default schema: one batch guarded by OBJECT_ID, BIN2 NVARCHAR text, VARBINARY(MAX), indexes', () => {
    expect(MSSQL_SCHEMA_SQL).toBe(schemaSql());
    const [batch, ...rest] = schemaStatements();
    expect(rest).toEqual([]);
    expect(batch).toMatch(/^IF OBJECT_ID\(N'\[sessionkit_sessions\]', N'U'\) IS NULL\nBEGIN\n/);
    expect(batch).toContain('[session_key] NVARCHAR(255) COLLATE Latin1_General_100_BIN2 NOT NULL');
    expect(batch).toContain('[payload] VARBINARY(MAX) NOT NULL');
    expect(batch).toContain('[expires_at] BIGINT NOT NULL');
    expect(batch).toContain('PRIMARY KEY CLUSTERED ([session_key])');
    expect(batch).toContain(
      'CREATE INDEX [sessionkit_sessions_expires_idx] ON [sessionkit_sessions] ([app], [expires_at]);',
    );
    expect(batch).toContain(
      'CREATE INDEX [sessionkit_sessions_owner_idx] ON [sessionkit_sessions] ([owner_id], [app]);',
    );
    expect(batch).toMatch(/\nEND;$/);
  });

  test('a schema-qualified name; unsafe names are refused', () => {
    expect(schemaSql({ tableName: 'dbo.sessions' })).toContain(
      "IF OBJECT_ID(N'[dbo].[sessions]', N'U') IS NULL",
    );
    expect(() => schemaSql({ tableName: "x'; DROP TABLE y; --" })).toThrow(/plain SQL identifier/);
  });
});

versionlessAndDetailsStatementTests(mssqlDialect, '@p', tomcatSeedOptions('tomcat_sessions'));
