/**
 * Construction with the real driver and no server: a `MongoClient` connects lazily, so building
 * `Db` and `Collection` objects and the store sends nothing. Invalid input fails fast with a
 * SessionConfigError that says how to fix it.
 */
import { isSessionError } from '@sessionkit/core';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, test } from 'vitest';
import { createMongoStore, type MongoStoreOptions } from '../src/index';

// Never connected: no operation is run in this file.
const client = new MongoClient('mongodb://127.0.0.1:27017/app');
afterAll(() => client.close());

function configError(body: () => unknown): Error {
  try {
    body();
  } catch (error) {
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID'), `threw ${String(error)}`).toBe(true);
    return error as Error;
  }
  throw new Error('expected a SessionConfigError, nothing was thrown');
}

describe('createMongoStore with the real driver, no server needed', () => {
  test('accepts a driver Collection and a driver Db (the structural types fit the driver)', () => {
    const byCollection = createMongoStore(client.db('app').collection('my_sessions'));
    const byDb = createMongoStore(client.db('app'));
    const named = createMongoStore(client.db('app'), { collectionName: 'web_sessions' });
    for (const store of [byCollection, byDb, named]) {
      expect(store.capabilities).toEqual({
        destroyByOwner: true,
        listByOwner: true,
        count: true,
        clear: true,
        prune: true,
        nativeExpiry: true,
        replaceOnInsert: false,
        verify: true,
        ownerDetails: true,
        tally: true,
        assignsVersions: false,
      });
      expect(typeof store.ensureIndexes).toBe('function');
    }
  });

  test('refuses a replacing insert before sending anything (capabilities.replaceOnInsert is false)', async () => {
    const store = createMongoStore(client.db('app'));
    const record = { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 };
    const error = await store.set('new', record, { replaces: 'old' }).catch((thrown: unknown) => thrown);
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    expect((error as Error).message).toContain('capabilities.replaceOnInsert is false');
  });

  test('with a Db, collectionName picks the collection, "sessions" by default', () => {
    const asked: string[] = [];
    const db = client.db('app');
    const recording = {
      collection(name: string) {
        asked.push(name);
        return db.collection(name);
      },
    };
    createMongoStore(recording);
    createMongoStore(recording, { collectionName: 'web_sessions' });
    expect(asked).toEqual(['sessions', 'web_sessions']);
  });

  test('rejects values that are neither a Collection nor a Db, naming what is missing', () => {
    for (const bad of [undefined, null, 'sessions', 42, {}]) {
      const error = configError(() => createMongoStore(bad as never));
      expect(error.message).toMatch(/pass a MongoDB Collection or Db/);
    }
    expect(configError(() => createMongoStore(client as never)).message).toMatch(
      /looks like a MongoClient; pass client\.db\('app'\)/,
    );
    const partial = { findOne: async () => null };
    expect(configError(() => createMongoStore(partial as never)).message).toMatch(/no find, replaceOne/);
  });

  test('collectionName with a Collection is ambiguous and rejected', () => {
    const error = configError(() =>
      createMongoStore(client.db('app').collection('a'), { collectionName: 'b' }),
    );
    expect(error.message).toMatch(/applies only when a Db is passed/);
  });

  test('rejects invalid collection names', () => {
    for (const name of ['', 'a$b', 'nul\0', 'system.sessions', 42]) {
      const error = configError(() => createMongoStore(client.db('app'), { collectionName: name as never }));
      expect(error.message).toMatch(/collectionName/);
    }
  });

  test('rejects unknown options such as the prefix of other stores', () => {
    const error = configError(() =>
      createMongoStore(client.db('app'), { prefix: 'sess:' } as MongoStoreOptions),
    );
    expect(error.message).toMatch(/unknown option `prefix`.*own collection/);
    expect(configError(() => createMongoStore(client.db('app'), null as never)).message).toMatch(
      /options must be an object/,
    );
  });
});
