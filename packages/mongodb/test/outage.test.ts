/**
 * The real driver against a loopback port where no server listens: every call must reject with
 * a SessionStoreError that keeps the driver's error as `cause` (core's outage policy relies on
 * it), never hang and never throw synchronously. Needs no MongoDB server.
 */
import { isSessionError, type SessionError } from '@sessionkit/core';
import { MongoClient, MongoServerSelectionError } from 'mongodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createMongoStore, type MongoStore } from '../src/index';
import { closedPort } from './helpers';

let port: number;
const clients: MongoClient[] = [];

beforeAll(async () => {
  port = await closedPort();
});
afterAll(async () => {
  for (const client of clients) await client.close();
});

/**
 * A store on a fresh client per call: after a failed first connection the driver closes the
 * client's topology, so a shared client would report "Topology is closed" from the second call on.
 */
function unreachableStore(): MongoStore {
  const client = new MongoClient(`mongodb://127.0.0.1:${port}/test?directConnection=true`, {
    serverSelectionTimeoutMS: 300,
    connectTimeoutMS: 300,
  });
  clients.push(client);
  return createMongoStore(client.db(), { collectionName: 'sessions' });
}

async function rejection(promise: Promise<unknown>): Promise<SessionError> {
  try {
    await promise;
  } catch (error) {
    expect(isSessionError(error), `rejected with ${String(error)}`).toBe(true);
    return error as SessionError;
  }
  throw new Error('resolved, expected a rejection');
}

const record = { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000, ownerId: 'alice' };

describe('store unreachable (real driver, no server on the port)', () => {
  const calls: Array<[string, (store: MongoStore) => Promise<unknown>]> = [
    ['get', (store) => store.get('k')],
    ['set', (store) => store.set('k', record)],
    ['set', (store) => store.set('k', { ...record, version: 2 }, { expectedVersion: 1 })],
    ['touch', (store) => store.touch('k', Date.now() + 1_000)],
    ['destroy', (store) => store.destroy('k')],
    ['destroyByOwner', (store) => store.destroyByOwner('alice')],
    ['listByOwner', (store) => store.listByOwner('alice')],
    ['count', (store) => store.count()],
    ['clear', (store) => store.clear()],
    ['prune', (store) => store.prune()],
    ['ensureIndexes', (store) => store.ensureIndexes()],
  ];

  test.each(calls)(
    '%s rejects with SessionStoreError, the driver error as cause',
    async (operation, call) => {
      const error = await rejection(call(unreachableStore()));
      expect(error.code).toBe('SESSION_STORE_ERROR');
      expect(error.name).toBe('SessionStoreError');
      expect(error.message).toContain(`MongoDB store ${operation} failed`);
      expect(error.cause).toBeInstanceOf(MongoServerSelectionError);
    },
  );

  test('invalid input is rejected before anything is sent', async () => {
    const store = unreachableStore();
    const rejections = await Promise.all([
      rejection(store.get({ $gt: '' } as never)),
      rejection(store.destroy('\uD800')),
      rejection(store.listByOwner({ $ne: null } as never)),
      rejection(store.set('k', { ...record, version: 2 }, { expectedVersion: { $gte: 0 } as never })),
      rejection(store.touch('k', Number.NaN)),
    ]);
    for (const error of rejections) {
      expect(error.code).toBe('SESSION_STORE_ERROR');
      // A driver call would have failed server selection and left its error as the cause.
      expect(error.cause).toBeUndefined();
    }
  });
});
