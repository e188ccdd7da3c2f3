/**
 * Shared plumbing of the MongoDB test files: a client for SESSIONKIT_MONGODB_URL (or a
 * container), stores on random collections, and the raw reader that checks what really reached
 * MongoDB. The reader decodes documents with its own code, following the shape documented in the
 * README, instead of importing the store's decoder, so a change of the shape fails a test.
 */
import { createServer } from 'node:net';
import type {
  ConformanceTarget,
  Corruption,
  RawReader,
  RawRecord,
  RawWriter,
} from '@sessionkit/store-test-suite';
import { type Provisioned, uniquePrefix, useBackend } from '@sessionkit/testing';
import { Binary, type Collection, type Document, MongoClient, type MongoClientOptions } from 'mongodb';
import { afterAll } from 'vitest';
import { createMongoStore, type MongoStore } from '../src/index';

/** Bounded waits, so a broken server fails a test instead of hanging it. */
export const FAIL_FAST: MongoClientOptions = { serverSelectionTimeoutMS: 5_000, connectTimeoutMS: 5_000 };

/** Decodes one session document per the README; throws on anything else. */
export function decodeDocument(doc: Document): RawRecord {
  if (!(doc.payload instanceof Binary) || doc.payload.sub_type !== 0) {
    throw new Error(`document ${String(doc._id)}: payload is not a BSON Binary of subtype 0`);
  }
  if (typeof doc.version !== 'number')
    throw new Error(`document ${String(doc._id)}: version is not a number`);
  if (!(doc.expiresAt instanceof Date))
    throw new Error(`document ${String(doc._id)}: expiresAt is not a Date`);
  if (doc.ownerId === null) throw new Error(`document ${String(doc._id)}: ownerId is stored as null`);
  if (doc.ownerId !== undefined && typeof doc.ownerId !== 'string') {
    throw new Error(`document ${String(doc._id)}: ownerId is not a string`);
  }
  return {
    payload: new Uint8Array(doc.payload.value()),
    version: doc.version,
    expiresAt: doc.expiresAt.getTime(),
    ownerId: doc.ownerId ?? null,
  };
}

/** The back door of the conformance suite: one document per session, nothing else. */
export function rawReader(collection: Collection): RawReader {
  return {
    async read(key) {
      const doc = await collection.findOne({ _id: key as never });
      return doc === null ? null : decodeDocument(doc);
    },
    async list() {
      const docs = await collection.find({}, { projection: { _id: 1 } }).toArray();
      return docs.map((doc) => String(doc._id)).sort();
    },
  };
}

/**
 * The write side of the back door: breaks a session document in place with the driver's own
 * update operators, as a script or another app could. A document store holds any type, so every
 * corruption the suite knows is possible here.
 */
export function rawWriter(collection: Collection): RawWriter {
  const updates: Record<Exclude<Corruption, 'not-a-record'>, Record<string, unknown>> = {
    'version-not-integer': { $set: { version: 'abc' } },
    'version-negative': { $set: { version: -3 } },
    'expiry-not-integer': { $set: { expiresAt: 'soon' } },
    'expiry-negative': { $set: { expiresAt: new Date(-5_000) } },
    'payload-missing': { $unset: { payload: '' } },
    'payload-wrong-type': { $set: { payload: 'not bytes' } },
  };
  return {
    corruptions: [...(Object.keys(updates) as Corruption[]), 'not-a-record'],
    async corrupt(key, corruption) {
      const filter = { _id: key as never };
      if (corruption === 'not-a-record') await collection.replaceOne(filter, { note: 'not a session' });
      else await collection.updateOne(filter, updates[corruption]);
    },
  };
}

/** Drops a collection; one that was never created is fine. */
export async function drop(collection: Collection): Promise<void> {
  try {
    await collection.drop();
  } catch (error) {
    // NamespaceNotFound: servers before 7.0 report dropping a missing collection as an error.
    if ((error as { code?: unknown }).code !== 26) throw error;
  }
}

/** What a MongoDB test file works with. */
export interface MongoFixture {
  provisioned: Provisioned;
  /** The file's shared client (closed after the file's last test). */
  client(): Promise<MongoClient>;
  /** A random collection name that no other test uses. */
  collection(): Promise<Collection>;
  /** A store on a fresh random collection with its indexes, its raw reader, and a teardown that drops it. */
  target(): Promise<ConformanceTarget & { store: MongoStore; collection: Collection }>;
}

/** Provisions MongoDB for this test file (top-level await). */
export async function useMongo(): Promise<MongoFixture> {
  const provisioned = await useBackend('mongodb');
  let shared: Promise<MongoClient> | undefined;
  const client = () => {
    if (!provisioned.available) throw new Error(`mongodb is not available: ${provisioned.reason}`);
    shared ??= new MongoClient(provisioned.url, FAIL_FAST).connect();
    return shared;
  };
  afterAll(async () => {
    if (shared) await (await shared).close();
  });
  const collection = async () => (await client()).db().collection(uniquePrefix('mongodb'));
  return {
    provisioned,
    client,
    collection,
    async target() {
      const coll = await collection();
      const store = createMongoStore(coll);
      await store.ensureIndexes();
      return {
        store,
        collection: coll,
        raw: rawReader(coll),
        rawWriter: rawWriter(coll),
        teardown: () => drop(coll),
      };
    },
  };
}

/** A loopback port that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

/** Collects the store's index warnings (process warnings with code SESSIONKIT_MONGODB_INDEXES) until stop(). */
export function captureIndexWarnings(): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const onWarning = (warning: Error & { code?: string }) => {
    if (warning.code === 'SESSIONKIT_MONGODB_INDEXES') messages.push(warning.message);
  };
  process.on('warning', onWarning);
  return { messages, stop: () => process.off('warning', onWarning) };
}
