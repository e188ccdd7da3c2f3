/**
 * Records the store did not write (issue 14). Whatever broke a record, it must end one way: the
 * store's get rejects with SESSION_RECORD_CORRUPT naming the key and what is wrong, destroy
 * removes it, and a real SessionManager reports it through the payloadError hook, serves a fresh
 * session and lets the next write succeed, so the record can never lock its user out.
 */
import { createEnvelope, createSessionManager, type SessionError, type SessionStore } from '@sessionkit/core';
import { assert, describe, expect, type TestContext } from 'vitest';
import { expectSessionError, type Fixture, type Suite, storeTest } from './harness';
import { randomKey, record } from './helpers';
import type { Corruption, RawWriter } from './types';

/** Every corruption the suite knows, with the words the store's reason must contain. */
export const CORRUPTIONS: Readonly<Record<Corruption, { label: string; reason: RegExp }>> = {
  'version-not-integer': { label: 'a version that is not an integer', reason: /version/i },
  'version-negative': { label: 'a negative version', reason: /version/i },
  'expiry-not-integer': { label: 'an expiry that is not an integer', reason: /expir/i },
  'expiry-negative': { label: 'a negative expiry', reason: /expir/i },
  'payload-missing': { label: 'no payload', reason: /payload/i },
  'payload-wrong-type': { label: 'a payload that is not bytes', reason: /payload/i },
  'not-a-record': { label: 'something that is not a record under the key', reason: /./ },
};

const SECRET = 'store-conformance-suite-secret-0123456789';

/** A manager on the store under test, recording its payloadError and storeError events. */
function managerOn(store: SessionStore, maxPayloadBytes = 1024 * 1024) {
  const payloadErrors: { key: string; error: SessionError }[] = [];
  const storeErrors: SessionError[] = [];
  const created: string[] = [];
  const manager = createSessionManager({
    store,
    secrets: [SECRET],
    maxPayloadBytes,
    // The suite counts the store's records and calls: a startup probe record would be one more.
    verifyOnStart: 'off',
    hooks: {
      payloadError: (event) => payloadErrors.push(event),
      storeError: (event) => storeErrors.push(event.error),
      created: (event) => created.push(event.key),
    },
  });
  /** Saves a new session; resolves its Cookie header and storage key. */
  const login = async (userId: string) => {
    const session = await manager.load(null);
    session.set('userId', userId);
    const cookie = cookieOf(await manager.commit(session));
    return { cookie, key: created.at(-1) as string };
  };
  return { manager, payloadErrors, storeErrors, login };
}

function cookieOf(setCookie: string | null): string {
  if (setCookie === null) assert.fail('commit() of a changed session returned no Set-Cookie');
  return setCookie.split(';')[0] as string;
}

function writerFor(fixture: Fixture, corruption: Corruption, ctx: TestContext): RawWriter {
  const writer = fixture.rawWriter;
  if (writer === undefined)
    ctx.skip('setup() supplies no rawWriter, so the suite cannot plant corrupt records');
  if (!writer.corruptions.includes(corruption)) {
    ctx.skip(`the rawWriter declares that this backend cannot hold ${corruption}`);
  }
  return writer;
}

/**
 * After a corrupt or unreadable record under `oldKey`: the manager served a fresh session and
 * reported it; a write now succeeds under a new key and leaves exactly that one record.
 */
async function expectRecovered(
  fixture: Fixture,
  on: ReturnType<typeof managerOn>,
  cookie: string,
  oldKey: string,
  code: string,
  reason: RegExp,
): Promise<void> {
  const { manager, payloadErrors, storeErrors } = on;
  const session = await manager.load(cookie);
  expect(session.isNew, 'the session of a corrupt record is new (anonymous)').toBe(true);
  expect(session.get('userId'), 'nothing of the corrupt record is served').toBeUndefined();
  expect(
    payloadErrors.map((e) => e.key),
    'payloadError fired once, with the storage key',
  ).toEqual([oldKey]);
  const error = payloadErrors[0]?.error;
  expect(error?.code, 'payloadError error code').toBe(code);
  expect(error?.message, 'payloadError says what was wrong').toMatch(reason);
  expect(storeErrors, 'a corrupt record is not a store outage (no storeError)').toEqual([]);

  session.set('userId', 'after');
  const next = cookieOf(await manager.commit(session));
  expect((await manager.load(next)).get('userId'), 'the new session reads back').toBe('after');
  expect(await fixture.raw.list(), 'the bad record is gone: one record is left').toHaveLength(1);
}

/** Corrupt records are reported and removed, never served and never a lockout. */
export function corruptRecordTests(suite: Suite): void {
  describe('corrupt records (written behind the store)', () => {
    for (const [corruption, { label, reason }] of Object.entries(CORRUPTIONS) as [
      Corruption,
      (typeof CORRUPTIONS)[Corruption],
    ][]) {
      storeTest(
        suite,
        `${label}: get rejects with SESSION_RECORD_CORRUPT naming the key, destroy removes it`,
        async (fixture, ctx) => {
          const writer = writerFor(fixture, corruption, ctx);
          const { store, raw } = fixture;
          const key = randomKey();
          await store.set(key, record());
          await writer.corrupt(key, corruption);
          const error = await expectSessionError(store.get(key), 'SESSION_RECORD_CORRUPT', 'get');
          expect((error as { key?: unknown }).key, 'error.key').toBe(key);
          expect(error.message, 'the error says what is wrong').toMatch(reason);
          await store.destroy(key);
          expect(await raw.list(), 'raw.list() after destroy').toEqual([]);
          expect(await store.get(key), 'get after destroy').toBeNull();
          await store.set(key, record());
        },
      );

      storeTest(
        suite,
        `${label}: a SessionManager serves a fresh session, reports it, and the next write succeeds`,
        async (fixture, ctx) => {
          const writer = writerFor(fixture, corruption, ctx);
          const on = managerOn(fixture.store);
          const { cookie, key } = await on.login('before');
          await writer.corrupt(key, corruption);
          await expectRecovered(fixture, on, cookie, key, 'SESSION_RECORD_CORRUPT', reason);
        },
      );
    }

    storeTest(
      suite,
      'an uncompressed payload 40x maxPayloadBytes is refused unread and replaced on the next write',
      async (fixture) => {
        const on = managerOn(fixture.store, 1024);
        const { cookie, key } = await on.login('before');
        const held = await fixture.store.get(key);
        if (held === null) assert.fail('the session just saved is not there');
        // A valid envelope, only far too large: what a writer with access to the backend can plant.
        const planted = await createEnvelope({ compression: false, maxPayloadBytes: 64 * 1024 }).seal(
          { c: Date.now(), d: { userId: 'x'.repeat(40 * 1024) }, f: {} },
          key,
        );
        await fixture.store.set(
          key,
          { ...held, payload: planted, version: held.version + 1 },
          {
            expectedVersion: held.version,
          },
        );
        await expectRecovered(fixture, on, cookie, key, 'SESSION_PAYLOAD_INVALID', /maxDecodedBytes/);
      },
    );
  });
}
