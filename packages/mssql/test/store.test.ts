import { SessionConfigError } from '@sessionkit/core';
import { storeBehaviourTests } from '@sessionkit/sql/testing';
import type mssql from 'mssql';
import { describe, expect, test } from 'vitest';
import { createMssqlStore, MSSQL_MAX_PRUNE_BATCH, type MssqlPool } from '../src/index';
import { mssqlConfig, mssqlKit } from './helpers';

const kit = await mssqlKit();
storeBehaviourTests(kit);

describe('createMssqlStore (no database needed)', () => {
  test('rejects anything that is not a pool, and unsafe table names, at construction', () => {
    expect(() => createMssqlStore({} as MssqlPool)).toThrow(SessionConfigError);
    expect(() => createMssqlStore(null as unknown as MssqlPool)).toThrow(/ConnectionPool/);
    const pool: MssqlPool = {
      request: () => {
        throw new Error('no statement may run at construction');
      },
    };
    expect(() => createMssqlStore(pool, { tableName: 'dbo.sessions]; DROP TABLE users; --' })).toThrow(
      /plain SQL identifier/,
    );
    const store = createMssqlStore(pool, { tableName: 'dbo.sessions', pruneInterval: 0 });
    expect(store.tableName).toBe('dbo.sessions');
  });

  test('pruneBatchSize is capped below SQL Server lock escalation, with a message that says why', () => {
    const pool: MssqlPool = {
      request: () => {
        throw new Error('no statement may run at construction');
      },
    };
    expect(MSSQL_MAX_PRUNE_BATCH).toBe(2000);
    expect(createMssqlStore(pool, { pruneInterval: 0, pruneBatchSize: 2000 })).toBeDefined();
    expect(() => createMssqlStore(pool, { pruneInterval: 0, pruneBatchSize: 2001 })).toThrow(
      /pruneBatchSize must be at most 2000 on SQL Server \(got 2001\): a larger batch can escalate to a table lock/,
    );
    // The shared SQL options allow 5,000 elsewhere; the default (1000) is below the cap.
    expect(() => createMssqlStore(pool, { pruneInterval: 0, pruneBatchSize: 5000 })).toThrow(
      SessionConfigError,
    );
  });

  test('an mssql ConnectionPool satisfies the structural pool type', () => {
    // Compile-time check (tsc runs over the tests): the real driver type fits MssqlPool.
    const accepts = (pool: mssql.ConnectionPool) => createMssqlStore(pool, { pruneInterval: 0 });
    expect(typeof accepts).toBe('function');
  });

  test('the test URL parser understands the provisioning URL shape', () => {
    const config = mssqlConfig('mssql://sa:Secret%21@127.0.0.1:14330/master');
    expect(config).toMatchObject({
      user: 'sa',
      password: 'Secret!',
      server: '127.0.0.1',
      port: 14330,
      database: 'master',
    });
  });
});
