/**
 * MongoDB's verify without a MongoDB server (none runs here): the real driver against a loopback
 * port where nothing listens (the stopped server), and the pure parts (the TTL index check, the
 * error classification, the commands and projection it sends) on the documents and errors the
 * server and driver return. The read-only user, the missing collection and the clock skew need
 * a server and are not tested here.
 */
import { isSessionError, type SessionVerifyError } from '@sessionkit/core';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  classifyMongoError,
  createMongoStore,
  SERVER_TIME_PROJECTION,
  ttlIndexCommand,
  ttlIndexProblem,
} from '../src/index';
import { closedPort } from './helpers';

describe('MongoDB verify: the TTL index', () => {
  const id = { v: 2, key: { _id: 1 }, name: '_id_' };
  test('accepts the index ensureIndexes() creates', () => {
    expect(
      ttlIndexProblem([id, { v: 2, key: { expiresAt: 1 }, name: 'expiresAt_1', expireAfterSeconds: 300 }]),
    ).toBeNull();
  });
  test('names the index of a deployment from before the grace period, with the collMod to run', () => {
    expect(
      ttlIndexProblem(
        [id, { key: { expiresAt: 1 }, name: 'expiresAt_1', expireAfterSeconds: 0 }],
        'web_sessions',
      ),
    ).toBe(
      "the TTL index expiresAt_1 deletes sessions 0 s after they expire on the server's clock, so a server clock " +
        "ahead of the app's deletes live sessions; give it the grace period: " +
        'db.runCommand({ collMod: "web_sessions", index: { keyPattern: { expiresAt: 1 }, expireAfterSeconds: 300 } })',
    );
  });
  test('names a missing, a non-TTL and an offset TTL index, as the first-use check does', () => {
    expect(ttlIndexProblem([id])).toMatch(/^there is no TTL index on expiresAt/);
    expect(ttlIndexProblem([id, { key: { expiresAt: 1 }, name: 'expiresAt_1' }])).toMatch(
      /the index expiresAt_1 on expiresAt is not a TTL index/,
    );
    expect(ttlIndexProblem([id, { key: { expiresAt: 1 }, name: 'e', expireAfterSeconds: 3600 }])).toMatch(
      /^the TTL index e deletes sessions 3600 s after they expire, not 300 s: expired sessions take that much longer/,
    );
    // A compound index is never a TTL index.
    expect(ttlIndexProblem([{ key: { expiresAt: 1, ownerId: 1 }, expireAfterSeconds: 0 }])).toMatch(
      /no TTL index/,
    );
  });
  test('gives the mongosh command that creates it', () => {
    expect(ttlIndexCommand('sessions')).toBe(
      'db.getCollection("sessions").createIndex({ expiresAt: 1 }, { expireAfterSeconds: 300 })',
    );
  });
});

describe('MongoDB verify: what errors mean', () => {
  test('by server code and driver error name, through the cause chain', () => {
    expect(classifyMongoError({ code: 18, codeName: 'AuthenticationFailed' })).toBe('auth');
    expect(classifyMongoError({ code: 13, codeName: 'Unauthorized' })).toBe('unauthorized');
    expect(classifyMongoError(new Error('wrapped', { cause: { code: 26 } }))).toBe('missing-collection');
    expect(classifyMongoError({ name: 'MongoServerSelectionError' })).toBe('unreachable');
    expect(classifyMongoError(new Error('other'))).toBe('other');
  });
  test("reads the server's clock as $$NOW in the probe's projection", () => {
    expect(SERVER_TIME_PROJECTION).toEqual({ _id: 1, skNow: '$$NOW' });
  });
});

describe('MongoDB verify with the real driver and no server', () => {
  let port: number;
  const clients: MongoClient[] = [];
  beforeAll(async () => {
    port = await closedPort();
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
  });

  test('declares verify and reports the server as unreachable', async () => {
    const client = new MongoClient(`mongodb://127.0.0.1:${port}/test?directConnection=true`, {
      serverSelectionTimeoutMS: 300,
      connectTimeoutMS: 300,
    });
    clients.push(client);
    const store = createMongoStore(client.db('test'), { collectionName: 'sessions' });
    expect(store.capabilities.verify).toBe(true);
    const error = await store.verify!({ timeout: 3_000 }).catch((failure: unknown) => failure);
    expect(isSessionError(error, 'SESSION_VERIFY_FAILED')).toBe(true);
    const { problems, report } = error as SessionVerifyError;
    expect(problems.map((p) => p.check)).toEqual(['reachable']);
    expect(problems[0]?.message).toMatch(/could not be reached: .*ECONNREFUSED/);
    expect(report.checks.filter((c) => c.status === 'skipped').map((c) => c.check)).toEqual([
      'write',
      'clock',
    ]);
  });
});
