import { describe, expect, test } from 'vitest';
import {
  isSessionError,
  SessionConflictError,
  SessionCorruptRecordError,
  SessionStoreError,
  SessionStoreTimeoutError,
} from '../src/errors';
import { checkSetArguments } from '../src/store/set-arguments';
import type { SetOptions, StoredRecord } from '../src/store/store';
import { storeError } from '../src/store/store-errors';

describe('storeError, the one mapping of driver errors', () => {
  test('wraps a driver error: store, operation, target and cause in the message, the error as cause', () => {
    const driver = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    const error = storeError('PostgreSQL store', 'get', driver, { on: 'sessions' });
    expect(error).toBeInstanceOf(SessionStoreError);
    expect(error.code).toBe('SESSION_STORE_ERROR');
    expect(error.message).toBe(
      'PostgreSQL store get on sessions failed: connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(error.cause).toBe(driver);
    expect(storeError('File store', 'set', 'EISDIR').message).toBe('File store set failed: EISDIR');
  });

  test('passes SessionErrors through unchanged: conflicts, corrupt records, timeouts, argument errors', () => {
    for (const passing of [
      new SessionConflictError(),
      new SessionCorruptRecordError('k', 'version is not a non-negative integer'),
      new SessionStoreTimeoutError('get', 100),
      new SessionStoreError('File store set: record.payload must be a Uint8Array.'),
    ]) {
      expect(storeError('File store', 'set', passing)).toBe(passing);
    }
  });

  test('never puts a password a driver echoed into the message', () => {
    const driver = new Error('cannot connect to redis://app:s3cret@cache:6379 (password=hunter2)');
    const { message } = storeError('Redis session store', 'get', driver);
    expect(message).not.toMatch(/s3cret|hunter2/);
    expect(message).toContain('redis://app:***@cache:6379');
  });

  test('an empty message (a dual-stack AggregateError) is told by its members', () => {
    const refused = new AggregateError(
      [new Error('connect ECONNREFUSED ::1:6379'), new Error('connect ECONNREFUSED 127.0.0.1:6379')],
      '',
    );
    expect(storeError('Redis session store', 'get', refused).message).toBe(
      'Redis session store get failed: connect ECONNREFUSED ::1:6379; connect ECONNREFUSED 127.0.0.1:6379',
    );
  });

  test('a driver timeout can be reported as SESSION_STORE_TIMEOUT', () => {
    const error = storeError('Redis session store', 'get', new Error('Command timed out'), {
      code: 'SESSION_STORE_TIMEOUT',
    });
    expect(isSessionError(error, 'SESSION_STORE_TIMEOUT')).toBe(true);
  });

  test('rewrap names the store a layer above, keeps a timeout a timeout, and lets conflicts pass', () => {
    const inner = storeError('PostgreSQL store', 'count', new Error('relation "x" does not exist'));
    const outer = storeError('', 'count', inner, {
      on: 'postgres db:5432/app',
      rewrap: true,
      explain: () => 'the table x does not exist',
    });
    expect(outer.message).toBe('count on postgres db:5432/app failed: the table x does not exist');
    expect(outer.cause).toBe(inner);
    const timeout = new SessionStoreTimeoutError('get', 100);
    expect(storeError('', 'get', timeout, { on: 'x', rewrap: true }).code).toBe('SESSION_STORE_TIMEOUT');
    const conflict = new SessionConflictError();
    let explained = false;
    const explain = () => {
      explained = true;
      return 'never';
    };
    expect(storeError('', 'set', conflict, { rewrap: true, explain })).toBe(conflict);
    expect(explained).toBe(false);
  });
});

describe('checkSetArguments, the one check of what reaches set', () => {
  const good: StoredRecord = { payload: new Uint8Array([1]), version: 1, expiresAt: 1_700_000_000_000 };

  test('returns the owner normalised and the expected version', () => {
    expect(checkSetArguments('Acme store', 'k', good, undefined)).toEqual({
      ownerId: null,
      expectedVersion: undefined,
      replaces: undefined,
      details: null,
    });
    expect(checkSetArguments('Acme store', 'k', { ...good, ownerId: 'u1' }, { expectedVersion: 3 })).toEqual({
      ownerId: 'u1',
      expectedVersion: 3,
      replaces: undefined,
      details: null,
    });
    expect(
      checkSetArguments('Acme store', 'k', good, { replaces: 'old' }, { replaceOnInsert: true }),
    ).toEqual({ ownerId: null, expectedVersion: undefined, replaces: 'old', details: null });
    // An unlimited session: Infinity is a valid expiry.
    expect(() =>
      checkSetArguments('Acme store', 'k', { ...good, expiresAt: Number.POSITIVE_INFINITY }, undefined),
    ).not.toThrow();
  });

  test.each([
    ['a numeric key', 42, good, undefined, 'Acme store set: the key must be a string (got number).'],
    ['no record', 'k', null, undefined, 'Acme store set: the record must be an object (got null).'],
    ['a string payload', 'k', { ...good, payload: 'x' }, undefined, 'record.payload must be a Uint8Array'],
    [
      'version 1.5',
      'k',
      { ...good, version: 1.5 },
      undefined,
      'record.version must be a non-negative integer',
    ],
    ['version -1', 'k', { ...good, version: -1 }, undefined, 'record.version must be a non-negative integer'],
    ['expiresAt NaN', 'k', { ...good, expiresAt: Number.NaN }, undefined, 'record.expiresAt must be epoch'],
    ['expiresAt "1"', 'k', { ...good, expiresAt: '1' }, undefined, 'record.expiresAt must be epoch'],
    ['ownerId 7', 'k', { ...good, ownerId: 7 }, undefined, 'record.ownerId must be a string or null'],
    ['expectedVersion NaN', 'k', good, { expectedVersion: Number.NaN }, 'expectedVersion must be an integer'],
    ['replaces 7', 'k', good, { replaces: 7 }, 'options.replaces must be a string (got number)'],
    [
      'replaces with expectedVersion',
      'k',
      good,
      { replaces: 'old', expectedVersion: 1 },
      'options.replaces must not be given with expectedVersion',
    ],
    ['replaces naming the key itself', 'k', good, { replaces: 'k' }, 'must not be the key being written'],
  ])('%s is rejected with a SessionStoreError naming it', (_, key, record, options, message) => {
    const error = (() => {
      try {
        checkSetArguments('Acme store', key, record, options as SetOptions, { replaceOnInsert: true });
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).toMatch(/^Acme store set: /);
  });

  test('replaces is refused by a store that does not declare replaceOnInsert', () => {
    for (const capabilities of [undefined, { replaceOnInsert: false }]) {
      expect(() => checkSetArguments('Acme store', 'k', good, { replaces: 'old' }, capabilities)).toThrow(
        'Acme store set: options.replaces is not supported by this store (capabilities.replaceOnInsert is false).',
      );
    }
  });
});
