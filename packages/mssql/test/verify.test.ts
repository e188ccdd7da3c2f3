/**
 * SQL Server's verify without a SQL Server (none runs here): the statements it sends, how it reads
 * the driver's errors, the exact ALTER TABLE it names, and the real driver with no server behind
 * it. The read-only user, the missing table or column and the clock skew on a live server are
 * tested on PostgreSQL and MariaDB through the same shared code (packages/sql/src/verify.ts).
 */
import { isSessionError, type SessionVerifyError } from '@sessionkit/core';
import { alterStatementsFor } from '@sessionkit/sql';
import { tomcatOptions } from '@sessionkit/sql/testing';
import mssql from 'mssql';
import { describe, expect, test } from 'vitest';
import { createMssqlStore, mssqlVerify } from '../src/index';

describe('SQL Server verify: statements and messages', () => {
  test("reads the server's UTC clock as epoch milliseconds", () => {
    expect(mssqlVerify.serverTime).toBe(
      "SELECT DATEDIFF_BIG(millisecond, '1970-01-01', SYSUTCDATETIME()) AS sk_now",
    );
  });

  test('lists the columns of the table in its schema, or the default one', () => {
    expect(mssqlVerify.columns({ schema: null, name: 'sessions' })).toEqual({
      text:
        'SELECT COLUMN_NAME AS sk_name, DATA_TYPE AS sk_type, IS_NULLABLE AS sk_nullable FROM INFORMATION_SCHEMA.COLUMNS ' +
        'WHERE TABLE_NAME = @p1 AND TABLE_SCHEMA = COALESCE(@p2, SCHEMA_NAME())',
      values: ['sessions', null],
    });
    expect(mssqlVerify.columns({ schema: 'auth', name: 'sessions' }).values).toEqual(['sessions', 'auth']);
  });

  test('maps the types of INFORMATION_SCHEMA to what the store writes', () => {
    expect(['nvarchar', 'bigint', 'int', 'varbinary', 'datetime2'].map(mssqlVerify.family)).toEqual([
      'text',
      'bigint',
      'int',
      'binary',
      'other',
    ]);
  });

  test('reads the error numbers of the driver', () => {
    expect(mssqlVerify.classify({ number: 18456 })).toBe('auth');
    expect(mssqlVerify.classify({ code: 'ELOGIN' })).toBe('auth');
    expect(mssqlVerify.classify({ number: 229 })).toBe('read-only');
    expect(mssqlVerify.classify({ number: 3906 })).toBe('read-only');
    expect(mssqlVerify.classify({ number: 208 })).toBe('missing-table');
    expect(mssqlVerify.classify({ number: 207 })).toBe('missing-column');
    expect(mssqlVerify.classify({ code: 'ESOCKET' })).toBe('unreachable');
  });

  test('names the exact ALTER TABLE for the columns a Tomcat table lacks (ADD, not ADD COLUMN)', () => {
    expect(alterStatementsFor(tomcatOptions('dbo.tomcat_sessions'), mssqlVerify)).toEqual(
      [
        '[dbo].[tomcat_sessions] ADD [sk_version] BIGINT NOT NULL DEFAULT 0',
        '[dbo].[tomcat_sessions] ADD [sk_owner_id] NVARCHAR(255) COLLATE Latin1_General_100_BIN2 NULL',
      ].map((statement) => `ALTER TABLE ${statement}`),
    );
  });
});

describe('SQL Server verify with the real driver and no server', () => {
  test('a pool that never connected is reported as unreachable', async () => {
    const pool = new mssql.ConnectionPool({
      server: '127.0.0.1',
      port: 1,
      user: 'sa',
      password: 'x',
      options: { trustServerCertificate: true },
    });
    const store = createMssqlStore(pool, { pruneInterval: 0 });
    expect(store.capabilities.verify).toBe(true);
    const error = await store.verify!({ timeout: 2_000 }).catch((failure: unknown) => failure);
    expect(isSessionError(error, 'SESSION_VERIFY_FAILED')).toBe(true);
    const { problems } = error as SessionVerifyError;
    expect(problems.map((p) => p.check)).toEqual(['reachable']);
    expect(problems[0]?.message).toMatch(/^the server could not be reached: /);
  });
});
