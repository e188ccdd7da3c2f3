/**
 * MongoDB-specific behaviour against a real server (SESSIONKIT_MONGODB_URL or a container): the
 * documented document shape and indexes, expiry filtering while the TTL monitor has not run yet,
 * and duplicate keys turned into conflicts. Skipped, with the reason in the title, when no
 * server can be provisioned.
 */
import { isSessionError } from '@sessionkit/core';
import { suiteTitle } from '@sessionkit/testing';
import { Binary, type Collection, type Document, MongoClient } from 'mongodb';
import { describe, expect, test, vi } from 'vitest';
import { createMongoStore, SESSION_INDEXES, TTL_GRACE_SECONDS } from '../src/index';
import { captureIndexWarnings, decodeDocument, drop, FAIL_FAST, useMongo } from './helpers';

const mongo = await useMongo();

/** Runs `body` with a fresh collection, dropped afterwards whatever happens. */
async function withCollection(body: (collection: Collection) => Promise<void>): Promise<void> {
  const collection = await mongo.collection();
  try {
    await body(collection);
  } finally {
    await drop(collection);
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** The raw document under `_id`, which must exist. */
async function found(collection: Collection, id: string): Promise<Document> {
  const doc = await collection.findOne({ _id: id as never });
  if (doc === null) throw new Error(`no document with _id ${JSON.stringify(id)}`);
  return doc;
}

describe.skipIf(!mongo.provisioned.available)(suiteTitle('mongodb store', mongo.provisioned), () => {
  test('ensureIndexes creates the documented TTL and sparse owner indexes, idempotently', async () => {
    await withCollection(async (collection) => {
      const store = createMongoStore(collection);
      await store.ensureIndexes();
      await store.ensureIndexes();
      const indexes = await collection.listIndexes().toArray();
      expect(indexes.map((index) => index.name).sort()).toEqual(['_id_', 'expiresAt_1', 'ownerId_1']);
      const ttl = indexes.find((index) => index.name === 'expiresAt_1');
      expect(ttl?.key).toEqual({ expiresAt: 1 });
      expect(ttl?.expireAfterSeconds).toBe(TTL_GRACE_SECONDS);
      const owner = indexes.find((index) => index.name === 'ownerId_1');
      expect(owner?.key).toEqual({ ownerId: 1 });
      expect(owner?.sparse).toBe(true);
      expect(SESSION_INDEXES).toHaveLength(2);
    });
  });

  test('ensureIndexes reports an index on expiresAt without TTL, saying how to fix it', async () => {
    await withCollection(async (collection) => {
      await collection.createIndex({ expiresAt: 1 });
      const failure = await createMongoStore(collection)
        .ensureIndexes()
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isSessionError(failure, 'SESSION_RECORD_CORRUPT'), `got ${String(failure)}`).toBe(true);
      expect(failure).toMatchObject({ key: 'foreign', reason: expect.stringMatching(/payload/) });
      expect((failure as Error).message).toMatch(/dropIndex/);
    });
  });

  test('the first operation creates the indexes without ensureIndexes() (the configuration path)', async () => {
    await withCollection(async (collection) => {
      const store = createMongoStore(collection);
      await store.set('k', { payload: bytes('a'), version: 1, expiresAt: Date.now() + 60_000 });
      // In the background, best effort: wait for it (a readiness wait, not a timed assertion).
      await vi.waitFor(
        async () => {
          const names = (await collection.listIndexes().toArray()).map((index) => index.name);
          expect(names.sort()).toEqual(['_id_', 'expiresAt_1', 'ownerId_1']);
        },
        { timeout: 10_000, interval: 50 },
      );
      expect(store.capabilities.nativeExpiry).toBe(true);
    });
  });

  test('an old TTL index (expireAfterSeconds 0) gets the grace period through collMod when given a Db', async () => {
    await withCollection(async (collection) => {
      await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      const db = (await mongo.client()).db();
      await createMongoStore(db, { collectionName: collection.collectionName }).ensureIndexes();
      const ttl = (await collection.listIndexes().toArray()).find((index) => index.name === 'expiresAt_1');
      expect(ttl?.expireAfterSeconds).toBe(TTL_GRACE_SECONDS);
    });
  });

  test('with only a Collection, an old TTL index is reported with the collMod command that fixes it', async () => {
    await withCollection(async (collection) => {
      await collection.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
      const failure = await createMongoStore(collection)
        .ensureIndexes()
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isSessionError(failure, 'SESSION_STORE_ERROR'), `got ${String(failure)}`).toBe(true);
      expect((failure as Error).message).toContain(`collMod: "${collection.collectionName}"`);
      expect((failure as Error).message).toContain(`expireAfterSeconds: ${TTL_GRACE_SECONDS}`);
    });
  });

  test('an index on expiresAt without TTL turns nativeExpiry off and warns once', async () => {
    await withCollection(async (collection) => {
      await collection.createIndex({ expiresAt: 1 });
      const warnings = captureIndexWarnings();
      try {
        const store = createMongoStore(collection);
        await store.get('a');
        await vi.waitFor(() => expect(store.capabilities.nativeExpiry).toBe(false), {
          timeout: 10_000,
          interval: 50,
        });
        await vi.waitFor(() => expect(warnings.messages).toHaveLength(1), { timeout: 10_000, interval: 50 });
        await store.get('b');
        expect(warnings.messages).toHaveLength(1);
        expect(warnings.messages[0]).toMatch(/not a TTL index.*prune\(\)/);
      } finally {
        warnings.stop();
      }
    });
  });

  test('destroyByOwner counts the live documents and removes the expired ones too', async () => {
    await withCollection(async (collection) => {
      const store = createMongoStore(collection);
      await store.set('live', {
        payload: bytes('a'),
        version: 1,
        expiresAt: Date.now() + 60_000,
        ownerId: 'o',
      });
      // Expired, and still there: the TTL monitor has not run (and would wait for the grace period).
      await collection.insertOne({
        _id: 'old' as never,
        payload: new Binary(bytes('b')),
        version: 1,
        expiresAt: new Date(Date.now() - 1_000),
        ownerId: 'o',
      });
      expect(await store.destroyByOwner('o')).toBe(1);
      expect(await collection.countDocuments({ ownerId: 'o' })).toBe(0);
    });
  });

  test('stores the documented document shape; ownerId is left out when there is none', async () => {
    await withCollection(async (collection) => {
      const store = createMongoStore(collection);
      const before = Date.now();
      const expiresAt = Date.now() + 60_000;
      await store.set('owned', { payload: bytes('a'), version: 1, expiresAt, ownerId: 'alice' });
      await store.set('anonymous', { payload: bytes('b'), version: 1, expiresAt });
      const after = Date.now();

      const owned = await found(collection, 'owned');
      expect(Object.keys(owned).sort()).toEqual(
        ['_id', 'createdAt', 'expiresAt', 'ownerId', 'payload', 'version'].sort(),
      );
      expect(owned.payload).toBeInstanceOf(Binary);
      expect((owned.payload as Binary).sub_type).toBe(0);
      expect(owned.expiresAt).toEqual(new Date(expiresAt));
      expect(owned.createdAt).toBeInstanceOf(Date);
      const createdAt = (owned.createdAt as Date).getTime();
      expect(createdAt).toBeGreaterThanOrEqual(before);
      expect(createdAt).toBeLessThanOrEqual(after);
      expect(decodeDocument(owned)).toMatchObject({ version: 1, expiresAt, ownerId: 'alice' });

      expect('ownerId' in (await found(collection, 'anonymous'))).toBe(false);

      // A compare-and-set that clears the owner removes the field and keeps createdAt.
      await store.set(
        'owned',
        { payload: bytes('c'), version: 2, expiresAt, ownerId: null },
        { expectedVersion: 1 },
      );
      const rewritten = await found(collection, 'owned');
      expect('ownerId' in rewritten).toBe(false);
      expect(rewritten.createdAt).toEqual(owned.createdAt);
      expect(rewritten.version).toBe(2);
    });
  });

  test('an expired document the TTL monitor has not removed yet is never served', async () => {
    await withCollection(async (collection) => {
      const store = createMongoStore(collection);
      await store.ensureIndexes();
      // Written behind the store's back, as the TTL monitor (every ~60 s) would find it.
      await collection.insertOne({
        _id: 'stale' as never,
        payload: new Binary(bytes('stale')),
        version: 1,
        expiresAt: new Date(Date.now() - 1_000),
        createdAt: new Date(Date.now() - 60_000),
        ownerId: 'alice',
      });
      expect(await store.get('stale')).toBeNull();
      expect(await store.touch('stale', Date.now() + 60_000)).toBe(false);
      expect(await store.count()).toBe(0);
      expect(await store.listByOwner('alice')).toEqual([]);
      expect(await collection.countDocuments({ _id: 'stale' as never })).toBe(1);
      // An insert replaces it in place, with a new createdAt.
      await store.set('stale', { payload: bytes('fresh'), version: 1, expiresAt: Date.now() + 60_000 });
      const fresh = await store.get('stale');
      expect(new TextDecoder().decode(fresh?.payload)).toBe('fresh');
      expect(await store.prune()).toBe(0);
    });
  });

  test('an insert over a live document is a conflict whose cause is the duplicate-key error', async () => {
    await withCollection(async (collection) => {
      // Two stores on one collection, as two app nodes would have.
      const first = createMongoStore(collection);
      const second = createMongoStore(collection);
      const record = { payload: bytes('x'), version: 1, expiresAt: Date.now() + 60_000 };
      await first.set('k', record);
      const failure = await second.set('k', record).then(
        () => null,
        (error: unknown) => error,
      );
      expect(isSessionError(failure, 'SESSION_CONFLICT'), `got ${String(failure)}`).toBe(true);
      expect(((failure as Error).cause as { code?: unknown }).code).toBe(11000);
    });
  });

  test('a Db with collectionName writes to that collection', async () => {
    await withCollection(async (collection) => {
      const db = (await mongo.client()).db(collection.dbName);
      const store = createMongoStore(db, { collectionName: collection.collectionName });
      await store.set('k', { payload: bytes('x'), version: 1, expiresAt: Date.now() + 60_000 });
      expect(await collection.countDocuments({ _id: 'k' as never })).toBe(1);
    });
  });

  test('payloads read back as plain Uint8Array also with promoteBuffers', async () => {
    if (!mongo.provisioned.available) return;
    const client = await new MongoClient(mongo.provisioned.url, {
      ...FAIL_FAST,
      promoteBuffers: true,
    }).connect();
    try {
      await withCollection(async (collection) => {
        const store = createMongoStore(client.db(collection.dbName).collection(collection.collectionName));
        await store.set('k', { payload: bytes('buffers'), version: 1, expiresAt: Date.now() + 60_000 });
        const read = await store.get('k');
        expect(read?.payload.constructor).toBe(Uint8Array);
        expect(new TextDecoder().decode(read?.payload)).toBe('buffers');
      });
    } finally {
      await client.close();
    }
  });

  test('a foreign document under a key is reported as a corrupt record, not served', async () => {
    await withCollection(async (collection) => {
      await collection.insertOne({
        _id: 'foreign' as never,
        payload: 'text',
        version: 1,
        expiresAt: new Date(Date.now() + 60_000),
      });
      const failure = await createMongoStore(collection)
        .get('foreign')
        .then(
          () => null,
          (error: unknown) => error,
        );
      expect(isSessionError(failure, 'SESSION_RECORD_CORRUPT'), `got ${String(failure)}`).toBe(true);
      expect(failure).toMatchObject({ key: 'foreign', reason: expect.stringMatching(/payload/) });
    });
  });
});
