import { describe, expect } from 'vitest';
import {
  expectRecord,
  expectSessionError,
  expectStored,
  type Suite,
  shortTtl,
  storeTest,
  waitPast,
} from './harness';
import { randomKey, record, textBytes } from './helpers';

/** Year 2100 in epoch ms: beyond 2038, where 32-bit second timestamps (MySQL TIMESTAMP) end. */
const YEAR_2100 = Date.UTC(2100, 0, 1, 0, 0, 0, 123);

/** Records that expire while the test waits. See also past-deadline.ts for already-expired writes. */
export function expiryTests(suite: Suite): void {
  const waitTimeout = 30_000 + 4 * (shortTtl(suite.resolution) + suite.resolution);

  describe('expiry', () => {
    storeTest(
      suite,
      'a record is readable until expiresAt and not after, even if the backend still holds it',
      async ({ store, raw, resolution }) => {
        const shortKey = randomKey();
        const longKey = randomKey();
        const short = record({ expiresAt: Date.now() + shortTtl(resolution), ownerId: 'owner' });
        const long = record({ expiresAt: Date.now() + 120_000, ownerId: 'owner' });
        await store.set(shortKey, short);
        await store.set(longKey, long);
        expectRecord(await store.get(shortKey), short, resolution, 'get before expiry');

        await waitPast(short.expiresAt, resolution);
        expect(await store.get(shortKey), 'get after expiresAt').toBeNull();
        // Whether the backend still holds it (no native TTL, or a lazy one) must not matter to get.
        const held = await raw.read(shortKey);
        if (held !== null) expect(held.expiresAt).toBeLessThanOrEqual(Date.now());
        await expectStored({ store, raw, resolution }, longKey, long, 'the long-lived record');
      },
      { timeout: waitTimeout },
    );

    storeTest(
      suite,
      'once expired: touch resolves false, compare-and-set conflicts, insert succeeds',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const short = record({ expiresAt: Date.now() + shortTtl(resolution) });
        await store.set(key, short);
        await waitPast(short.expiresAt, resolution);

        expect(await store.touch(key, Date.now() + 60_000), 'touch of an expired record').toBe(false);
        expect(await store.get(key), 'touch must not resurrect').toBeNull();
        await expectSessionError(
          store.set(key, record({ version: 2 }), { expectedVersion: 1 }),
          'SESSION_CONFLICT',
          'CAS on an expired record',
        );
        expect(await store.get(key), 'a failed CAS must not resurrect').toBeNull();

        const fresh = record({ payload: textBytes('fresh'), ownerId: 'new' });
        await store.set(key, fresh);
        await expectStored({ store, raw, resolution }, key, fresh, 'after inserting over the expired record');
        expect(await raw.list(), 'the expired record was replaced, not duplicated').toHaveLength(1);
      },
      { timeout: waitTimeout },
    );

    storeTest(
      suite,
      'an expiry far in the future (year 2100) round-trips',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const written = record({ expiresAt: YEAR_2100 });
        await store.set(key, written);
        await expectStored({ store, raw, resolution }, key, written);
        const touched = YEAR_2100 + 86_400_000;
        expect(await store.touch(key, touched)).toBe(true);
        expectRecord(await store.get(key), { ...written, expiresAt: touched }, resolution, 'get after touch');
      },
    );

    storeTest(
      suite,
      'expiresAt keeps millisecond precision within the resolution',
      async ({ store, resolution }) => {
        const key = randomKey();
        const written = record({ expiresAt: Date.now() + 60_000 + 789 });
        await store.set(key, written);
        expectRecord(await store.get(key), written, resolution, 'get');
      },
    );
  });
}
