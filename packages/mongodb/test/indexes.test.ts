/**
 * What the store makes of the indexes it finds, and its first-use check with the real driver and
 * no server. That the indexes are created, moved to the grace period and reported against a
 * real server is in mongo-store.test.ts.
 */
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, test } from 'vitest';
import { createMongoStore, TTL_GRACE_SECONDS } from '../src/index';
import { collModCommand, ttlAdvice, ttlState } from '../src/indexes';
import { captureIndexWarnings, closedPort } from './helpers';

const ID = { key: { _id: 1 }, name: '_id_' };

describe('ttlState reads the TTL index from listIndexes output', () => {
  test('ready only with the grace period', () => {
    expect(ttlState([ID, { key: { expiresAt: 1 }, name: 'expiresAt_1', expireAfterSeconds: 300 }])).toEqual({
      kind: 'ready',
    });
  });

  test('an index from before the grace period is stale, and the advice is the collMod that fixes it', () => {
    const state = ttlState([ID, { key: { expiresAt: 1 }, name: 'expiresAt_1', expireAfterSeconds: 0 }]);
    expect(state).toEqual({ kind: 'stale', name: 'expiresAt_1', expireAfterSeconds: 0 });
    expect(ttlAdvice(state, 'web_sessions')).toContain(collModCommand('web_sessions'));
    expect(collModCommand('web_sessions')).toBe(
      `db.runCommand({ collMod: "web_sessions", index: { keyPattern: { expiresAt: 1 }, expireAfterSeconds: ${TTL_GRACE_SECONDS} } })`,
    );
  });

  test('an index on expiresAt without TTL, and none at all, say that nothing expires', () => {
    const notTtl = ttlState([ID, { key: { expiresAt: 1 }, name: 'mine' }]);
    expect(notTtl).toEqual({ kind: 'not-ttl', name: 'mine' });
    expect(ttlAdvice(notTtl, 's')).toMatch(/mine on expiresAt is not a TTL index.*prune\(\)/);
    // A compound index is not a TTL index either (MongoDB ignores expireAfterSeconds on it).
    const missing = ttlState([ID, { key: { expiresAt: 1, ownerId: 1 }, name: 'c', expireAfterSeconds: 300 }]);
    expect(missing).toEqual({ kind: 'missing' });
    expect(ttlAdvice(missing, 's')).toMatch(/no TTL index on expiresAt.*createIndex privilege/);
    expect(ttlAdvice({ kind: 'ready' }, 's')).toBeNull();
  });
});

describe('the first-use index check with the real driver and no server', () => {
  const clients: MongoClient[] = [];
  afterAll(() => Promise.all(clients.map((client) => client.close())));

  test('an unreachable server tells nothing: nativeExpiry stays true, no warning, the operation fails as before', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${await closedPort()}/app`, {
      serverSelectionTimeoutMS: 200,
    });
    clients.push(client);
    const warnings = captureIndexWarnings();
    try {
      const store = createMongoStore(client.db('app'));
      await expect(store.get('k')).rejects.toMatchObject({ code: 'SESSION_STORE_ERROR' });
      // No operation succeeded, so the first-use check has not started; ensureIndexes() fails alike.
      await expect(store.ensureIndexes()).rejects.toMatchObject({ code: 'SESSION_STORE_ERROR' });
      expect(store.capabilities.nativeExpiry).toBe(true);
      expect(warnings.messages).toEqual([]);
    } finally {
      warnings.stop();
    }
  });
});
