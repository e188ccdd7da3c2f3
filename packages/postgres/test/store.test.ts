import { SessionConfigError } from '@sessionkit/core';
import { storeBehaviourTests } from '@sessionkit/sql/testing';
import pg from 'pg';
import { describe, expect, test } from 'vitest';
import { createPostgresStore } from '../src/index';
import { postgresKit } from './helpers';

const kit = await postgresKit();
storeBehaviourTests(kit);

describe('createPostgresStore', () => {
  test('takes a pg.Pool without connecting, and rejects anything else', async () => {
    // Never connects: the pool is lazy and the store only queries on demand.
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const store = createPostgresStore(pool, { pruneInterval: 0 });
    expect(store.tableName).toBe('sessionkit_sessions');
    await store.close();
    await pool.end();
    expect(() => createPostgresStore({} as pg.Pool)).toThrow(SessionConfigError);
    expect(() => createPostgresStore(null as unknown as pg.Pool)).toThrow(/pg\.Pool/);
  });

  test('fails fast on an unsafe table name before any statement runs', () => {
    const pool = new pg.Pool();
    expect(() => createPostgresStore(pool, { tableName: 'sessions"; DROP TABLE users; --' })).toThrow(
      /plain SQL identifier/,
    );
    void pool.end();
  });
});
