import { isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { resolveSchemaLayout, type SqlStoreOptions } from '../src/index';
import { indexName, resolveSqlOptions } from '../src/internal';

function configError(options: unknown): string {
  try {
    resolveSqlOptions(options as SqlStoreOptions, 'createTestStore');
  } catch (error) {
    if (isSessionError(error, 'SESSION_CONFIG_INVALID')) return error.message;
    throw error;
  }
  throw new Error('expected a SessionConfigError');
}

describe('resolveSqlOptions', () => {
  test('defaults: the documented table, columns, prune settings', () => {
    const { mapping, pruneInterval, pruneBatchSize } = resolveSqlOptions(undefined, 'ctx');
    expect(mapping).toEqual({
      table: { schema: null, name: 'sessionkit_sessions' },
      key: 'session_key',
      version: 'version',
      payload: 'payload',
      expiry: { kind: 'absolute', column: 'expires_at' },
      createdAt: 'created_at',
      ownerId: 'owner_id',
      namespace: 'app',
      details: 'details',
      activeAt: 'active_at',
      namespaceValue: '',
      fixedValues: [],
    });
    expect(pruneInterval).toBe(300_000);
    expect(pruneBatchSize).toBe(1000);
  });

  test('every message names the factory and says how to fix the option', () => {
    expect(configError({ table: 'x' })).toMatch(
      /^createTestStore: unknown option "table"; the options are tableName/,
    );
    expect(configError({ columns: { owner: 'x' } })).toMatch(/columns\.owner is not a column option/);
    expect(configError({ columns: { key: 'bad name' } })).toMatch(
      /columns\.key must be a plain SQL identifier/,
    );
    expect(configError({ columns: { version: null } })).toMatch(
      /columns\.version is null, which needs `expiry`/,
    );
    expect(configError({ columns: { payload: 'data', version: 'DATA' } })).toMatch(/mapped twice/);
    expect(configError({ fixedValues: { payload: 'x' } })).toMatch(/mapped twice/);
    expect(configError({ fixedValues: { 'x y': 1 } })).toMatch(/fixedValues column/);
    expect(configError({ fixedValues: { flag: {} } })).toMatch(/fixedValues\.flag must be/);
    expect(configError({ fixedValues: { flag: Number.NaN } })).toMatch(/fixedValues\.flag must be/);
    expect(configError({ expiry: 'tomcat' })).toMatch(
      /expiry must be \{ lastAccessColumn, maxInactiveColumn \}/,
    );
    expect(
      configError({ expiry: { lastAccessColumn: 'a', maxInactiveColumn: 'b' }, columns: { expiresAt: 'c' } }),
    ).toMatch(/not both/);
    expect(configError({ namespace: 7 })).toMatch(/namespace must be a string/);
    expect(configError({ namespace: 'shop ' })).toMatch(/ends with a space/);
    expect(configError({ namespace: 'shop', columns: { namespace: null } })).toMatch(
      /columns\.namespace is null/,
    );
    expect(configError({ pruneInterval: 50 })).toMatch(/pruneInterval must be 0 .* from 100 to 2147483647/);
    expect(configError({ pruneInterval: 2 ** 31 })).toMatch(/pruneInterval/);
    expect(configError({ pruneInterval: 1.5 })).toMatch(/pruneInterval/);
    expect(configError({ pruneBatchSize: 0 })).toMatch(
      /pruneBatchSize must be a whole number from 1 to 5000/,
    );
    expect(configError({ pruneBatchSize: 5001 })).toMatch(/pruneBatchSize/);
    expect(configError({ coalesceReads: 'yes' })).toMatch(
      /coalesceReads must be true or false \(got "yes"\)/,
    );
    expect(configError({ coalesceWrites: 1 })).toMatch(/coalesceWrites must be true or false \(got 1\)/);
    expect(configError('sessions')).toMatch(/options must be an object/);
  });

  test('an existing table: renamed, absent and extra columns, idle expiry', () => {
    const { mapping } = resolveSqlOptions(
      {
        tableName: 'legacy.tomcat_sessions',
        columns: {
          key: 'session_id',
          payload: 'session_data',
          namespace: 'app_name',
          createdAt: null,
          ownerId: null,
        },
        expiry: { lastAccessColumn: 'last_access', maxInactiveColumn: 'max_inactive' },
        fixedValues: { valid_session: '1' },
        namespace: '/Catalina/localhost/app',
        pruneInterval: 0,
      },
      'ctx',
    );
    expect(mapping.table).toEqual({ schema: 'legacy', name: 'tomcat_sessions' });
    expect(mapping.expiry).toEqual({ kind: 'idle', lastAccess: 'last_access', maxInactive: 'max_inactive' });
    expect(mapping.createdAt).toBeNull();
    expect(mapping.ownerId).toBeNull();
    expect(mapping.fixedValues).toEqual([['valid_session', '1']]);
  });
});

describe('schema layout', () => {
  test('index names stay within 63 characters and stay distinct for long table names', () => {
    expect(indexName('sessions', 'expires_idx')).toBe('sessions_expires_idx');
    const a = indexName(`${'a'.repeat(60)}1`, 'expires_idx');
    const b = indexName(`${'a'.repeat(60)}2`, 'expires_idx');
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^a+_[0-9a-f]{8}_expires_idx$/);
  });

  test('the DDL generator only creates the default layout', () => {
    expect(() =>
      resolveSchemaLayout(
        { tableName: 'x', expiry: { lastAccessColumn: 'a', maxInactiveColumn: 'b' } } as never,
        'ctx',
      ),
    ).toThrow(/unknown option "expiry"/);
    expect(resolveSchemaLayout({ columns: { namespace: null } }, 'ctx').expiresIndex.columns).toEqual([
      'expires_at',
    ]);
  });
});
