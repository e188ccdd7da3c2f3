import { describe, expect } from 'vitest';
import { expectExpiry, expectRaw, expiredAt, type Suite, storeTest } from './harness';
import { randomKey, record } from './helpers';

/** A details text as core writes it (the store keeps it opaque). */
const DETAILS = JSON.stringify({
  c: 1_700_000_000_000,
  m: { userAgent: 'Firefox 140 — Linux ✓', ip: '203.0.113.7' },
});

/** Asserts `at` is an epoch ms within [from, to], widened by the backend's resolution. */
function expectWithin(at: unknown, from: number, to: number, resolution: number, what: string): void {
  expect(typeof at, `${what} is a number`).toBe('number');
  expect(at as number, `${what} not before the call`).toBeGreaterThanOrEqual(from - resolution);
  expect(at as number, `${what} not after the call`).toBeLessThanOrEqual(to + resolution);
}

/** details / lastActiveAt / destroyOwned: "your devices" (capabilities.ownerDetails). */
export function ownerDetailsTests(suite: Suite): void {
  describe('owner details', () => {
    storeTest(
      suite,
      'details are kept with the owner, returned by get and listed with a last-active time',
      async ({ store, resolution }) => {
        const key = randomKey();
        const plain = randomKey();
        const before = Date.now();
        await store.set(key, record({ ownerId: 'alice', details: DETAILS }));
        const after = Date.now();
        await store.set(plain, record({ ownerId: 'alice' }));

        expect((await store.get(key))?.details, 'get returns the details as written').toBe(DETAILS);
        expect(
          (await store.get(plain))?.details ?? null,
          'a record written without details has none',
        ).toBeNull();
        const listed = await store.listByOwner!('alice');
        const entry = listed.find((owned) => owned.key === key);
        expect(entry?.details, 'listByOwner returns the details').toBe(DETAILS);
        expectWithin(entry?.lastActiveAt, before, after, resolution, 'lastActiveAt after the insert');
        expect(listed.find((owned) => owned.key === plain)?.details ?? null).toBeNull();
      },
      { requires: ['ownerDetails'] },
    );

    storeTest(
      suite,
      'a compare-and-set and a touch move lastActiveAt; a rewrite without details drops them',
      async ({ store, resolution }) => {
        const key = randomKey();
        await store.set(key, record({ ownerId: 'alice', details: DETAILS }));
        const first = (await store.listByOwner!('alice'))[0]?.lastActiveAt as number;
        // The clock must move past the backend's resolution for a later stamp to be told apart.
        await new Promise((resolve) => setTimeout(resolve, resolution + 5));
        const held = await store.get(key);
        const beforeWrite = Date.now();
        await store.set(
          key,
          { ...record({ ownerId: 'alice', details: DETAILS }), version: (held?.version ?? 0) + 1 },
          {
            expectedVersion: held?.version as number,
          },
        );
        const written = (await store.listByOwner!('alice'))[0];
        expectWithin(
          written?.lastActiveAt,
          beforeWrite,
          Date.now(),
          resolution,
          'lastActiveAt after the write',
        );
        expect(written?.lastActiveAt as number, 'later than the insert').toBeGreaterThan(first);

        await new Promise((resolve) => setTimeout(resolve, resolution + 5));
        const beforeTouch = Date.now();
        const expiresAt = Date.now() + 600_000;
        expect(await store.touch(key, expiresAt)).toBe(true);
        const touched = (await store.listByOwner!('alice'))[0];
        expectWithin(
          touched?.lastActiveAt,
          beforeTouch,
          Date.now(),
          resolution,
          'lastActiveAt after the touch',
        );
        expectExpiry(touched?.expiresAt, expiresAt, resolution, 'listed expiry after the touch');
        expect(touched?.details, 'a touch keeps the details').toBe(DETAILS);

        const current = await store.get(key);
        await store.set(
          key,
          { ...record({ ownerId: 'alice' }), version: (current?.version ?? 0) + 1 },
          {
            expectedVersion: current?.version as number,
          },
        );
        expect((await store.get(key))?.details ?? null, 'details after a rewrite without them').toBeNull();
      },
      { requires: ['ownerDetails'] },
    );

    storeTest(
      suite,
      "destroyOwned ends one session, and only the owner's",
      async ({ store, raw, resolution }) => {
        const mine = randomKey();
        const other = randomKey();
        const theirs = randomKey();
        const kept = record({ ownerId: 'alice', details: DETAILS });
        await store.set(mine, record({ ownerId: 'alice', details: DETAILS }));
        await store.set(other, kept);
        const bobs = record({ ownerId: 'bob' });
        await store.set(theirs, bobs);

        expect(await store.destroyOwned!('alice', theirs), "bob's session named by alice").toBe(false);
        await expectRaw(raw, theirs, bobs, resolution, "bob's record after alice's attempt");
        expect(await store.destroyOwned!('ALICE', mine), 'owner ids match exactly').toBe(false);
        expect(await store.destroyOwned!('alice', randomKey()), 'a key that holds nothing').toBe(false);

        expect(await store.destroyOwned!('alice', mine), "alice's own session").toBe(true);
        expect(await store.get(mine)).toBeNull();
        expect(await raw.read(mine), 'raw record of the ended session').toBeNull();
        expect((await store.listByOwner!('alice')).map((owned) => owned.key)).toEqual([other]);
        expect(await store.destroyOwned!('alice', mine), 'a second time').toBe(false);
      },
      { requires: ['ownerDetails'] },
    );

    storeTest(
      suite,
      'destroyOwned of an expired record resolves false and leaves nothing live',
      async ({ store }) => {
        const key = randomKey();
        await store.set(key, record({ ownerId: 'alice', expiresAt: expiredAt(suite.resolution) }));
        expect(await store.destroyOwned!('alice', key)).toBe(false);
        expect(await store.get(key)).toBeNull();
      },
      { requires: ['ownerDetails'] },
    );

    storeTest(
      suite,
      'tally counts live, owned and owners (and expired records still held)',
      async ({ store, resolution }) => {
        await store.set(randomKey(), record({ ownerId: 'alice' }));
        await store.set(randomKey(), record({ ownerId: 'alice' }));
        await store.set(randomKey(), record({ ownerId: 'bob' }));
        await store.set(randomKey(), record({ ownerId: null }));
        await store.set(randomKey(), record({ ownerId: 'carol', expiresAt: expiredAt(resolution) }));
        const stats = await store.tally!();
        // A store without an owner index keeps no owners (the suite drops them on the way in).
        const ownerIndex = store.capabilities.listByOwner || store.capabilities.destroyByOwner;
        expect({ live: stats.live, owned: stats.owned, owners: stats.owners }).toEqual({
          live: 4,
          owned: ownerIndex ? 3 : 0,
          owners: ownerIndex ? 2 : 0,
        });
        // A backend that expires by itself may already have dropped it; one that prunes still holds it.
        if (stats.expired !== null) expect(stats.expired, 'expired, not yet pruned').toBeLessThanOrEqual(1);
        if (store.capabilities.prune) {
          expect(stats.expired, 'a store that prunes holds the expired record until then').toBe(1);
          await store.prune!();
          expect((await store.tally!()).expired).toBe(0);
        }
      },
      { requires: ['tally'] },
    );
  });
}
