/**
 * The exact filters and update documents the store sends, checked without a server. These tests
 * pin the statements down; that MongoDB executes them as intended is checked by the conformance
 * suite and mongo-store.test.ts against a real server (SESSIONKIT_MONGODB_URL or a container).
 */
import { isSessionError } from '@sessionkit/core';
import { Binary, BSON } from 'mongodb';
import { describe, expect, test } from 'vitest';
import { toOwnedSession, toStoredRecord } from '../src/records';
import {
  clearFilter,
  compareAndSetStatement,
  countFilter,
  destroyFilter,
  destroyOwnedFilter,
  getStatement,
  insertStatement,
  listByOwnerStatement,
  ownerFilters,
  pruneFilter,
  SESSION_INDEXES,
  TTL_GRACE_SECONDS,
  tallyStatements,
  touchStatement,
} from '../src/statements';

const ownerFilter = (ownerId: string) => ownerFilters(ownerId, NOW).rest;

const NOW = Date.UTC(2030, 0, 2, 3, 4, 5, 678);
const LATER = NOW + 3_600_000;
const payload = new Uint8Array([0, 1, 2, 254, 255]);

/** What the real BSON serializer of the driver makes of a document, read back. */
function throughBson(doc: Record<string, unknown>): BSON.Document {
  return BSON.deserialize(BSON.serialize(doc));
}

function expectStoreError(body: () => unknown, message: RegExp): void {
  let thrown: unknown;
  try {
    body();
  } catch (error) {
    thrown = error;
  }
  expect(isSessionError(thrown, 'SESSION_STORE_ERROR'), `threw ${String(thrown)}`).toBe(true);
  expect((thrown as Error).message).toMatch(message);
}

describe('statement shape, not a database test', () => {
  test('get: findOne by _id, live documents only', () => {
    expect(getStatement('k1')).toEqual({
      filter: { _id: 'k1' },
      options: { projection: { payload: 1, version: 1, expiresAt: 1, ownerId: 1, details: 1 } },
    });
  });

  test('insert: replaceOne with upsert over an expired document only, owner set', () => {
    const statement = insertStatement('k1', { payload, version: 1, expiresAt: LATER, ownerId: 'alice' }, NOW);
    expect(statement).toEqual({
      filter: { _id: 'k1', expiresAt: { $lte: new Date(NOW) } },
      replacement: {
        _id: 'k1',
        payload,
        version: 1,
        expiresAt: new Date(LATER),
        createdAt: new Date(NOW),
        ownerId: 'alice',
      },
      options: { upsert: true },
    });
    // The caller's bytes are passed as they are; the serializer copies them.
    expect(statement.replacement.payload).toBe(payload);
  });

  test('insert without an owner leaves ownerId out (not null), for the sparse index', () => {
    for (const ownerId of [null, undefined]) {
      const { replacement } = insertStatement('k1', { payload, version: 1, expiresAt: LATER, ownerId }, NOW);
      expect(Object.keys(replacement)).toEqual(['_id', 'payload', 'version', 'expiresAt', 'createdAt']);
    }
  });

  test('insert: the driver serializes the payload as Binary subtype 0 and expiry as Date', () => {
    const { replacement } = insertStatement(
      'k1',
      { payload, version: 7, expiresAt: LATER, ownerId: 'a' },
      NOW,
    );
    const stored = throughBson(replacement);
    expect(stored.payload).toBeInstanceOf(Binary);
    expect(stored.payload.sub_type).toBe(0);
    expect([...stored.payload.value()]).toEqual([...payload]);
    expect(stored.expiresAt).toEqual(new Date(LATER));
    expect(stored.createdAt).toEqual(new Date(NOW));
    expect(toStoredRecord('k', stored)).toEqual({ payload, version: 7, expiresAt: LATER, ownerId: 'a' });
  });

  test('a subarray payload serializes only its own bytes', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const { replacement } = insertStatement(
      'k',
      { payload: backing.subarray(2, 5), version: 1, expiresAt: LATER },
      NOW,
    );
    expect([...throughBson(replacement).payload.value()]).toEqual([1, 2, 3]);
  });

  test('compare-and-set: updateOne on _id, expected version and liveness; $set of the new fields', () => {
    expect(
      compareAndSetStatement('k1', { payload, version: 4, expiresAt: LATER, ownerId: 'bob' }, 3, NOW),
    ).toEqual({
      filter: { _id: 'k1', version: 3, expiresAt: { $gt: new Date(NOW) } },
      update: {
        $set: { payload, version: 4, expiresAt: new Date(LATER), ownerId: 'bob' },
        $unset: { details: '', activeAt: '' },
      },
    });
  });

  test('session-list details: written with the time of the write, listed, and an owned-only delete', () => {
    const details = '{"c":1,"m":{"userAgent":"Firefox"}}';
    const record = { payload, version: 4, expiresAt: LATER, ownerId: 'bob', details };
    expect(compareAndSetStatement('k1', record, 3, NOW).update).toEqual({
      $set: {
        payload,
        version: 4,
        expiresAt: new Date(LATER),
        ownerId: 'bob',
        details,
        activeAt: new Date(NOW),
      },
    });
    expect(insertStatement('k1', { ...record, version: 1 }, NOW).replacement).toMatchObject({
      ownerId: 'bob',
      details,
      activeAt: new Date(NOW),
    });
    expect(
      insertStatement('k1', { ...record, version: 1, details: null }, NOW).replacement,
    ).not.toHaveProperty('details');
    expect(destroyOwnedFilter('bob', 'k1', NOW, true)).toEqual({
      _id: 'k1',
      ownerId: 'bob',
      expiresAt: { $gt: new Date(NOW) },
    });
    expect(destroyOwnedFilter('bob', 'k1', NOW, false).expiresAt).toEqual({ $lte: new Date(NOW) });
  });

  test('compare-and-set without an owner unsets ownerId and never touches createdAt', () => {
    const { update } = compareAndSetStatement(
      'k1',
      { payload, version: 2, expiresAt: LATER, ownerId: null },
      1,
      NOW,
    );
    expect(update).toEqual({
      $set: { payload, version: 2, expiresAt: new Date(LATER) },
      $unset: { ownerId: '', details: '', activeAt: '' },
    });
  });

  test('touch: updateOne of a live document, $set of expiresAt and the last-active time only', () => {
    expect(touchStatement('k1', LATER, NOW)).toEqual({
      filter: { _id: 'k1', expiresAt: { $gt: new Date(NOW) } },
      update: { $set: { expiresAt: new Date(LATER), activeAt: new Date(NOW) } },
    });
  });

  test('destroy, owner, count, prune and clear filters', () => {
    expect(destroyFilter('k1')).toEqual({ _id: 'k1' });
    // destroyByOwner counts the live documents it deletes, then removes the owner's expired ones.
    expect(ownerFilters('alice', NOW)).toEqual({
      live: { ownerId: 'alice', expiresAt: { $gt: new Date(NOW) } },
      rest: { ownerId: 'alice' },
    });
    expect(listByOwnerStatement('alice', NOW)).toEqual({
      filter: { ownerId: 'alice', expiresAt: { $gt: new Date(NOW) } },
      options: { projection: { _id: 1, expiresAt: 1, details: 1, activeAt: 1 } },
    });
    expect(countFilter(NOW)).toEqual({ expiresAt: { $gt: new Date(NOW) } });
    expect(pruneFilter(NOW)).toEqual({ expiresAt: { $lte: new Date(NOW) } });
    expect(clearFilter()).toEqual({});
  });

  test('tally: live and expired counts, and the live owned documents projected to their owner', () => {
    expect(tallyStatements(NOW)).toEqual({
      live: { expiresAt: { $gt: new Date(NOW) } },
      expired: { expiresAt: { $lte: new Date(NOW) } },
      owned: {
        filter: { expiresAt: { $gt: new Date(NOW) }, ownerId: { $type: 'string' } },
        options: { projection: { _id: 0, ownerId: 1 } },
      },
    });
  });

  test('indexes: a TTL index on expiresAt with a grace period and a sparse one on ownerId', () => {
    // Not 0: a server clock ahead of the app's must not delete a session the app still serves.
    expect(TTL_GRACE_SECONDS).toBe(300);
    expect(SESSION_INDEXES).toEqual([
      { key: { expiresAt: 1 }, expireAfterSeconds: 300 },
      { key: { ownerId: 1 }, sparse: true },
    ]);
    expect(Object.isFrozen(SESSION_INDEXES) && SESSION_INDEXES.every(Object.isFrozen)).toBe(true);
  });

  test('keys and owner ids that look like operators or patterns stay plain string values', () => {
    for (const hostile of ['$where', '{ "$gt": "" }', '.*', '%', '']) {
      expect(destroyFilter(hostile)).toEqual({ _id: hostile });
      expect(ownerFilter(hostile)).toEqual({ ownerId: hostile });
    }
  });

  test('a non-string key or owner id is rejected before it can become a query operator', () => {
    expectStoreError(() => getStatement({ $gt: '' } as never), /session key must be a string/);
    expectStoreError(() => destroyFilter(42 as never), /session key must be a string/);
    expectStoreError(() => ownerFilter({ $ne: null } as never), /ownerId must be a string/);
    expectStoreError(() => listByOwnerStatement(['a'] as never, NOW), /ownerId must be a string/);
    expectStoreError(
      () =>
        insertStatement('k', { payload, version: 1, expiresAt: LATER, ownerId: { $gt: '' } as never }, NOW),
      /ownerId must be a string/,
    );
  });

  test('lone surrogates are rejected: UTF-8 would turn them into U+FFFD and alias keys', () => {
    // The reason, shown with the real serializer: two different keys become one.
    expect(throughBson({ k: '\uD800' }).k).toBe(throughBson({ k: '\uDBFF' }).k);
    expectStoreError(() => destroyFilter('a\uD800'), /not well-formed Unicode/);
    expectStoreError(() => ownerFilter('\uDC00x'), /not well-formed Unicode/);
    // A proper pair is fine.
    expect(destroyFilter('🔑')).toEqual({ _id: '🔑' });
  });

  test('versions must be non-negative integers, never operator objects', () => {
    const record = { payload, version: 2, expiresAt: LATER };
    for (const bad of [{ $gte: 0 }, Number.NaN, 1.5, -1, '1']) {
      expectStoreError(() => compareAndSetStatement('k', record, bad as never, NOW), /expectedVersion/);
      expectStoreError(() => insertStatement('k', { ...record, version: bad as never }, NOW), /version/);
    }
  });

  test('expiry: NaN is rejected, infinities are clamped to the Date range', () => {
    expectStoreError(() => touchStatement('k', Number.NaN, NOW), /expiresAt must be epoch milliseconds/);
    expectStoreError(
      () => insertStatement('k', { payload, version: 1, expiresAt: '1' as never }, NOW),
      /expiresAt must be epoch milliseconds/,
    );
    expect(touchStatement('k', Number.POSITIVE_INFINITY, NOW).update).toEqual({
      $set: { expiresAt: new Date(8.64e15), activeAt: new Date(NOW) },
    });
    expect(touchStatement('k', Number.NEGATIVE_INFINITY, NOW).update).toEqual({
      $set: { expiresAt: new Date(-8.64e15), activeAt: new Date(NOW) },
    });
  });

  test('a payload that is not a Uint8Array is rejected', () => {
    expectStoreError(
      () => insertStatement('k', { payload: 'text' as never, version: 1, expiresAt: LATER }, NOW),
      /payload must be a Uint8Array/,
    );
  });
});

describe('document decoding, not a database test', () => {
  test('a Binary payload (the driver default) is copied into a plain Uint8Array', () => {
    const doc = throughBson({ _id: 'k', payload, version: 3, expiresAt: new Date(LATER) });
    const record = toStoredRecord('k', doc);
    expect(record.payload.constructor).toBe(Uint8Array);
    expect([...record.payload]).toEqual([...payload]);
    expect(record).toMatchObject({ version: 3, expiresAt: LATER, ownerId: null });
  });

  test('a Buffer payload (promoteBuffers: true) is copied too', () => {
    const doc = BSON.deserialize(
      BSON.serialize({ _id: 'k', payload, version: 1, expiresAt: new Date(LATER) }),
      {
        promoteBuffers: true,
      },
    );
    expect(Buffer.isBuffer(doc.payload)).toBe(true);
    const record = toStoredRecord('k', doc);
    expect(record.payload.constructor).toBe(Uint8Array);
    expect([...record.payload]).toEqual([...payload]);
  });

  test('an empty payload round-trips', () => {
    const { replacement } = insertStatement(
      'k',
      { payload: new Uint8Array(0), version: 1, expiresAt: LATER },
      NOW,
    );
    expect(toStoredRecord('k', throughBson(replacement)).payload).toEqual(new Uint8Array(0));
  });

  test('a foreign document is a corrupt record, not served', () => {
    const base = { _id: 'k', payload, version: 1, expiresAt: new Date(LATER) };
    for (const [field, value] of [
      ['payload', 'text'],
      ['version', '1'],
      ['expiresAt', LATER],
      ['ownerId', 42],
    ] as const) {
      expect(() => toStoredRecord('k', throughBson({ ...base, [field]: value }))).toThrow(
        expect.objectContaining({
          code: 'SESSION_RECORD_CORRUPT',
          key: 'k',
          reason: expect.stringMatching(field),
        }),
      );
    }
  });

  test('listByOwner entries: key from _id, expiry from the Date', () => {
    expect(toOwnedSession({ _id: 'k', expiresAt: new Date(LATER) })).toEqual({
      key: 'k',
      expiresAt: LATER,
      details: null,
      lastActiveAt: null,
    });
    expect(
      toOwnedSession({ _id: 'k', expiresAt: new Date(LATER), details: 'd', activeAt: new Date(NOW) }),
    ).toEqual({
      key: 'k',
      expiresAt: LATER,
      details: 'd',
      lastActiveAt: NOW,
    });
    expectStoreError(() => toOwnedSession({ _id: 7, expiresAt: new Date(LATER) }), /`_id`/);
  });
});
