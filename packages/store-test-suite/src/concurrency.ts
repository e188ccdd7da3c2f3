import { isSessionError, type StoredRecord } from '@sessionkit/core';
import { assert, describe, expect } from 'vitest';
import { expectRaw, expectRecord, expiredAt, type Suite, sameExpiry, show, storeTest } from './harness';
import { randomKey, record, textBytes } from './helpers';

const WRITERS = 20;
const ROUNDS = 10;

/**
 * Settles concurrent writes and asserts that exactly one won and every other one lost with a
 * SessionConflictError (never a deadlock, a duplicate-key error or a timeout). Returns the
 * winner's index.
 */
async function exactlyOneWins(writes: Array<Promise<unknown>>, what: string): Promise<number> {
  const results = await Promise.allSettled(writes);
  const winners = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
  for (const result of results) {
    if (result.status === 'rejected' && !isSessionError(result.reason, 'SESSION_CONFLICT')) {
      assert.fail(
        `${what}: a losing writer failed with ${show(result.reason)} instead of SessionConflictError`,
      );
    }
  }
  expect(winners, `${what}: indexes of the writers that succeeded`).toHaveLength(1);
  return winners[0] as number;
}

/** Two writers at once: the atomicity every store must get right. */
export function concurrencyTests(suite: Suite): void {
  describe('concurrency', () => {
    storeTest(
      suite,
      `${WRITERS} concurrent compare-and-set writers from one version: exactly one wins`,
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        await store.set(key, record());
        const candidates = Array.from({ length: WRITERS }, (_, i) =>
          record({ version: 2, payload: textBytes(`writer ${i}`), ownerId: `owner ${i}` }),
        );
        const winner = await exactlyOneWins(
          candidates.map((candidate) => store.set(key, candidate, { expectedVersion: 1 })),
          'CAS',
        );
        const expected = candidates[winner] as StoredRecord;
        expectRecord(await store.get(key), expected, resolution, "get: the winner's record");
        await expectRaw(raw, key, expected, resolution, "raw: the winner's record");
      },
    );

    storeTest(
      suite,
      `${WRITERS} concurrent inserts of one key: exactly one wins, the others conflict`,
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const candidates = Array.from({ length: WRITERS }, (_, i) =>
          record({ payload: textBytes(`insert ${i}`) }),
        );
        const winner = await exactlyOneWins(
          candidates.map((candidate) => store.set(key, candidate)),
          'insert',
        );
        await expectRaw(raw, key, candidates[winner] as StoredRecord, resolution, "raw: the winner's record");
        expect(await raw.list()).toHaveLength(1);
      },
    );

    storeTest(
      suite,
      `${WRITERS} concurrent inserts over an expired record: exactly one wins`,
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        await store.set(key, record({ expiresAt: expiredAt(resolution) }));
        const candidates = Array.from({ length: WRITERS }, (_, i) =>
          record({ payload: textBytes(`insert ${i}`) }),
        );
        const winner = await exactlyOneWins(
          candidates.map((candidate) => store.set(key, candidate)),
          'insert over expired',
        );
        expectRecord(await store.get(key), candidates[winner] as StoredRecord, resolution, 'get');
        expect(await raw.list()).toHaveLength(1);
      },
    );

    storeTest(
      suite,
      `${WRITERS} concurrent writers on different keys all succeed`,
      async ({ store, raw }) => {
        const keys = Array.from({ length: WRITERS }, () => randomKey());
        await Promise.all(keys.map((key) => store.set(key, record())));
        await Promise.all(keys.map((key) => store.set(key, record({ version: 2 }), { expectedVersion: 1 })));
        const versions = await Promise.all(keys.map(async (key) => (await store.get(key))?.version));
        expect(versions).toEqual(keys.map(() => 2));
        expect(await raw.list()).toHaveLength(WRITERS);
      },
    );

    storeTest(
      suite,
      'touch racing a compare-and-set never undoes the write',
      async ({ store, resolution }) => {
        for (let round = 0; round < ROUNDS; round++) {
          const key = randomKey();
          await store.set(key, record());
          const touchedTo = Date.now() + 300_000;
          const written = record({
            version: 2,
            payload: textBytes(`round ${round}`),
            expiresAt: Date.now() + 200_000,
          });
          const [touched] = await Promise.all([
            store.touch(key, touchedTo),
            store.set(key, written, { expectedVersion: 1 }),
          ]);
          expect(touched, 'touch of a live record').toBe(true);
          const after = await store.get(key);
          expect(after?.version, `round ${round}: version`).toBe(2);
          expect(new TextDecoder().decode(after?.payload), `round ${round}: payload`).toBe(`round ${round}`);
          const expiry = after?.expiresAt;
          const either = [touchedTo, written.expiresAt].some((t) => sameExpiry(expiry, t, resolution));
          expect(either, `round ${round}: expiresAt ${expiry} is the touch's or the write's`).toBe(true);
        }
      },
    );

    storeTest(suite, 'touch racing a destroy never resurrects the record', async ({ store, raw }) => {
      for (let round = 0; round < ROUNDS; round++) {
        const key = randomKey();
        await store.set(key, record());
        const [, destroyed] = await Promise.all([store.touch(key, Date.now() + 60_000), store.destroy(key)]);
        expect(destroyed, `round ${round}: destroy`).toBe(true);
        expect(await store.get(key), `round ${round}: get`).toBeNull();
        expect(await raw.read(key), `round ${round}: raw`).toBeNull();
      }
    });
  });
}
