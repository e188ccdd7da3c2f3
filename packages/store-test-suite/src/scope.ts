import { describe, expect } from 'vitest';
import { expectRaw, expectRecord, expiredAt, type Suite, storeTest } from './harness';
import { randomKey, record } from './helpers';

/**
 * Isolation between store instances on one backend (prefix / table / directory), and the
 * instance-wide operations count() and clear() that must respect it.
 */
export function scopeTests(suite: Suite): void {
  describe('isolation, count and clear', () => {
    storeTest(
      suite,
      'two isolated stores on one backend do not see each other',
      async ({ store, raw, another }) => {
        const other = await another();
        const key = randomKey();
        await store.set(key, record());
        expect(await other.store.get(key), "the other store's get").toBeNull();
        expect(await other.raw.list(), "the other store's raw.list()").toEqual([]);
        expect(await other.store.destroy(key), "the other store's destroy").toBe(false);
        expect(await raw.read(key)).not.toBeNull();
        // The same key in both stores holds two independent records.
        await other.store.set(key, record({ version: 9 }));
        expect((await store.get(key))?.version).toBe(1);
        expect((await other.store.get(key))?.version).toBe(9);
      },
    );

    storeTest(
      suite,
      'count counts the live records of this store only',
      async ({ store, another, resolution }) => {
        expect(await store.count!(), 'count of a fresh store').toBe(0);
        const keys = [randomKey(), randomKey(), randomKey()];
        for (const key of keys) await store.set(key, record());
        await store.set(randomKey(), record({ expiresAt: expiredAt(resolution) }));
        expect(await store.count!(), 'three live records and one expired').toBe(3);
        await store.destroy(keys[0] as string);
        expect(await store.count!(), 'after one destroy').toBe(2);

        const other = await another();
        await other.store.set(randomKey(), record());
        expect(await store.count!(), 'after a write to another store').toBe(2);
        if (other.store.capabilities.count) expect(await other.store.count!()).toBe(1);
      },
      { requires: ['count'] },
    );

    storeTest(
      suite,
      'clear deletes every record of this store and nothing of another',
      async ({ store, raw, another, resolution }) => {
        const other = await another();
        const theirsKey = randomKey();
        const theirs = record({ ownerId: 'alice' });
        await other.store.set(theirsKey, theirs);
        const keys = [randomKey(), randomKey(), randomKey()];
        for (const key of keys) await store.set(key, record({ ownerId: 'alice' }));
        await store.set(randomKey(), record({ expiresAt: expiredAt(resolution) }));

        await store.clear!();
        for (const key of keys) expect(await store.get(key)).toBeNull();
        expect(await raw.list(), 'raw.list() after clear').toEqual([]);
        if (store.capabilities.count) expect(await store.count!()).toBe(0);
        if (store.capabilities.listByOwner) expect(await store.listByOwner!('alice')).toEqual([]);
        await expectRaw(other.raw, theirsKey, theirs, resolution, "the other store's record");

        // Still usable afterwards, and clearing an empty store is fine.
        const after = record();
        const afterKey = randomKey();
        await store.set(afterKey, after);
        expectRecord(await store.get(afterKey), after, resolution, 'insert after clear');
        await store.destroy(afterKey);
        await store.clear!();
      },
      { requires: ['clear'] },
    );
  });
}
