import type { OwnedSession, SessionStore } from '@sessionkit/core';
import { describe, expect } from 'vitest';
import { expectExpiry, expectRaw, expiredAt, type Suite, sorted, storeTest } from './harness';
import { randomKey, record } from './helpers';

/** The keys listByOwner lists for `ownerId`, sorted. */
export async function ownedKeys(store: SessionStore, ownerId: string): Promise<string[]> {
  const listed = (await store.listByOwner?.(ownerId)) ?? [];
  return sorted(listed.map((entry) => entry.key));
}

/** listByOwner / destroyByOwner: "show me my sessions" and "log me out everywhere". */
export function ownerIndexTests(suite: Suite): void {
  describe('owner index', () => {
    storeTest(
      suite,
      'listByOwner lists the live records of exactly that owner, with their expiry',
      async ({ store, resolution }) => {
        const expiry = new Map<string, number>();
        for (let i = 0; i < 3; i++) {
          const key = randomKey();
          const expiresAt = Date.now() + 60_000 + i * 1_000;
          expiry.set(key, expiresAt);
          await store.set(key, record({ ownerId: 'alice', expiresAt }));
        }
        await store.set(randomKey(), record({ ownerId: 'bob' }));
        await store.set(randomKey(), record({ ownerId: null }));

        const listed: OwnedSession[] = await store.listByOwner!('alice');
        expect(sorted(listed.map((entry) => entry.key)), "alice's sessions").toEqual(
          sorted([...expiry.keys()]),
        );
        for (const entry of listed) {
          expectExpiry(entry.expiresAt, expiry.get(entry.key) as number, resolution, `entry ${entry.key}`);
        }
        expect(await ownedKeys(store, 'bob')).toHaveLength(1);
        expect(await store.listByOwner!('nobody'), 'an unknown owner').toEqual([]);
      },
      { requires: ['listByOwner'] },
    );

    storeTest(
      suite,
      'owner ids match exactly, never as a pattern, a prefix or case-insensitively',
      async ({ store, raw, resolution }, ctx) => {
        if (!store.capabilities.listByOwner && !store.capabilities.destroyByOwner) {
          ctx.skip('store declares neither listByOwner() nor destroyByOwner()');
        }
        const key = randomKey();
        const written = record({ ownerId: 'alice_1' });
        await store.set(key, written);
        for (const other of [
          '%',
          '*',
          '_',
          '.*',
          'alice',
          'alice_',
          'alice%',
          'ALICE_1',
          'alice_1 ',
          'alice?1',
          '',
        ]) {
          if (store.capabilities.listByOwner) {
            expect(await store.listByOwner!(other), `listByOwner(${JSON.stringify(other)})`).toEqual([]);
          }
          if (store.capabilities.destroyByOwner) {
            expect(await store.destroyByOwner!(other), `destroyByOwner(${JSON.stringify(other)})`).toBe(0);
          }
        }
        await expectRaw(raw, key, written, resolution);
      },
    );

    storeTest(
      suite,
      'destroyByOwner deletes every record of the owner and nothing else',
      async ({ store, raw, resolution }) => {
        const alice = [randomKey(), randomKey(), randomKey()];
        for (const key of alice) await store.set(key, record({ ownerId: 'alice' }));
        const bobKey = randomKey();
        const bob = record({ ownerId: 'bob' });
        await store.set(bobKey, bob);
        const loneKey = randomKey();
        const lone = record({ ownerId: null });
        await store.set(loneKey, lone);

        expect(await store.destroyByOwner!('alice'), 'deleted count').toBe(3);
        for (const key of alice) {
          expect(await store.get(key)).toBeNull();
          expect(await raw.read(key), 'raw record of a destroyed session').toBeNull();
        }
        await expectRaw(raw, bobKey, bob, resolution, "bob's record");
        await expectRaw(raw, loneKey, lone, resolution, 'the unowned record');
        expect(await raw.list(), 'raw.list() keeps only the two other records').toHaveLength(2);
        expect(await store.destroyByOwner!('alice'), 'a second destroyByOwner').toBe(0);
        if (store.capabilities.listByOwner) expect(await store.listByOwner!('alice')).toEqual([]);
      },
      { requires: ['destroyByOwner'] },
    );

    storeTest(
      suite,
      'destroyByOwner counts the live records it deleted, not the expired ones',
      async ({ store, raw, resolution }) => {
        // One meaning for every store: "N sessions logged out". An expired record that the
        // backend has not removed yet is not a session any more, whether or not it goes too.
        const live = [randomKey(), randomKey()];
        for (const key of live) await store.set(key, record({ ownerId: 'alice' }));
        const expired = [randomKey(), randomKey()];
        for (const key of expired) {
          await store.set(key, record({ ownerId: 'alice', expiresAt: expiredAt(resolution) }));
        }
        expect(await store.destroyByOwner!('alice'), 'deleted count (live records only)').toBe(live.length);
        for (const key of live) expect(await raw.read(key), 'raw record of a destroyed session').toBeNull();
        for (const key of [...live, ...expired]) expect(await store.get(key)).toBeNull();
        expect(await store.destroyByOwner!('alice'), 'a second destroyByOwner').toBe(0);
      },
      { requires: ['destroyByOwner'] },
    );

    storeTest(
      suite,
      'changing or clearing ownerId moves the record between owners',
      async ({ store }) => {
        const key = randomKey();
        await store.set(key, record({ ownerId: 'alice' }));
        await store.set(key, record({ version: 2, ownerId: 'bob' }), { expectedVersion: 1 });
        expect(await ownedKeys(store, 'alice'), 'alice after the move').toEqual([]);
        expect(await ownedKeys(store, 'bob'), 'bob after the move').toEqual([key]);
        await store.set(key, record({ version: 3, ownerId: null }), { expectedVersion: 2 });
        expect(await ownedKeys(store, 'bob'), 'bob after clearing the owner').toEqual([]);
      },
      { requires: ['listByOwner'] },
    );

    storeTest(
      suite,
      'destroy, touch and expiry keep the index in step',
      async ({ store, resolution }) => {
        const destroyed = randomKey();
        const touched = randomKey();
        const expired = randomKey();
        await store.set(destroyed, record({ ownerId: 'alice' }));
        await store.set(touched, record({ ownerId: 'alice' }));
        await store.set(expired, record({ ownerId: 'alice', expiresAt: expiredAt(resolution) }));
        await store.destroy(destroyed);
        const later = Date.now() + 300_000;
        await store.touch(touched, later);

        const listed = await store.listByOwner!('alice');
        expect(sorted(listed.map((entry) => entry.key)), 'only the touched record is listed').toEqual([
          touched,
        ]);
        expectExpiry(listed[0]?.expiresAt, later, resolution, 'listed expiry after touch');
      },
      { requires: ['listByOwner'] },
    );

    storeTest(
      suite,
      'an insert over an expired record drops it from its old owner',
      async ({ store, resolution }) => {
        const key = randomKey();
        await store.set(key, record({ ownerId: 'alice', expiresAt: expiredAt(resolution) }));
        await store.set(key, record({ ownerId: 'bob' }));
        expect(await ownedKeys(store, 'alice')).toEqual([]);
        expect(await ownedKeys(store, 'bob')).toEqual([key]);
      },
      { requires: ['listByOwner'] },
    );

    storeTest(
      suite,
      'destroyByOwner stays within this store instance',
      async ({ store, raw, another, resolution }) => {
        const other = await another();
        const mineKey = randomKey();
        const theirsKey = randomKey();
        const theirs = record({ ownerId: 'alice' });
        await store.set(mineKey, record({ ownerId: 'alice' }));
        await other.store.set(theirsKey, theirs);
        expect(await store.destroyByOwner!('alice')).toBe(1);
        expect(await raw.read(mineKey)).toBeNull();
        await expectRaw(other.raw, theirsKey, theirs, resolution, "the other store's record");
        if (other.store.capabilities.listByOwner) {
          expect(await ownedKeys(other.store, 'alice')).toEqual([theirsKey]);
        }
      },
      { requires: ['destroyByOwner'] },
    );
  });
}
