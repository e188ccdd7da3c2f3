import { isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { assertIdentifier, formatTableName, IDENTIFIER_PATTERN, parseTableName } from '../src/index';

const INJECTIONS = [
  'sessions; DROP TABLE users',
  'sessions--',
  "sessions'",
  'sessions"',
  'sessions`',
  'sessions]',
  'a b',
  'a\tb',
  'a\nb',
  'a/*x*/b',
  '',
  '1sessions',
  'séssions',
  'a'.repeat(64),
  'a\u0000',
  '$1',
  '@p1',
  '?',
];

describe('identifiers', () => {
  test.each(INJECTIONS)('rejects %j with a SessionConfigError naming the option', (name) => {
    let thrown: unknown;
    try {
      assertIdentifier(name, 'columns.key', 'createTestStore');
    } catch (error) {
      thrown = error;
    }
    expect(isSessionError(thrown, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((thrown as Error).message).toMatch(
      /^createTestStore: columns\.key must be a plain SQL identifier/,
    );
  });

  test('accepts letters, digits and underscores up to 63 characters', () => {
    for (const name of ['sessions', '_x', 'Sessions_2', 'a'.repeat(63)]) {
      expect(assertIdentifier(name, 'tableName', 'ctx')).toBe(name);
      expect(IDENTIFIER_PATTERN.test(name)).toBe(true);
    }
  });

  test('rejects non-strings', () => {
    for (const value of [undefined, null, 42, {}, ['a']]) {
      expect(() => assertIdentifier(value, 'tableName', 'ctx')).toThrow(/plain SQL identifier/);
    }
  });

  test('table names: one or two validated parts', () => {
    expect(parseTableName('sessions', 'ctx')).toEqual({ schema: null, name: 'sessions' });
    expect(parseTableName('auth.sessions', 'ctx')).toEqual({ schema: 'auth', name: 'sessions' });
    expect(formatTableName({ schema: 'auth', name: 'sessions' })).toBe('auth.sessions');
    expect(() => parseTableName('a.b.c', 'ctx')).toThrow(/more than two parts/);
    expect(() => parseTableName('.sessions', 'ctx')).toThrow(/schema part/);
    expect(() => parseTableName('auth.', 'ctx')).toThrow(/table part/);
    expect(() => parseTableName('auth.x;y', 'ctx')).toThrow(/table part/);
    expect(() => parseTableName(7, 'ctx')).toThrow(/tableName must be a string/);
  });
});
