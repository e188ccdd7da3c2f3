import { describe, expect } from 'vitest';
import { expectRaw, expectSessionError, expectStored, type Suite, storeTest } from './harness';
import { randomKey, record, textBytes } from './helpers';

/** `set` with `expectedVersion`: the lost-update protection core builds on. */
export function compareAndSetTests(suite: Suite): void {
  describe('compare-and-set', () => {
    storeTest(
      suite,
      'succeeds on the current version and stores the new one',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        await store.set(key, record({ ownerId: 'alice' }));
        const second = record({ version: 2, ownerId: 'alice', payload: textBytes('second') });
        await store.set(key, second, { expectedVersion: 1 });
        await expectStored({ store, raw, resolution }, key, second, 'after the first CAS');

        const third = record({ version: 3, ownerId: 'alice', payload: textBytes('third') });
        await store.set(key, third, { expectedVersion: 2 });
        await expectStored({ store, raw, resolution }, key, third, 'after the second CAS');
        expect(await raw.list(), 'raw.list(): one record, rewritten in place').toHaveLength(1);
      },
    );

    storeTest(suite, 'may move expiresAt in either direction', async ({ store, raw, resolution }) => {
      const key = randomKey();
      await store.set(key, record({ expiresAt: Date.now() + 60_000 }));
      const later = record({ version: 2, expiresAt: Date.now() + 120_000 });
      await store.set(key, later, { expectedVersion: 1 });
      await expectRaw(raw, key, later, resolution, 'raw after extending');
      const sooner = record({ version: 3, expiresAt: Date.now() + 30_000 });
      await store.set(key, sooner, { expectedVersion: 2 });
      await expectStored({ store, raw, resolution }, key, sooner, 'after shortening');
    });

    storeTest(
      suite,
      'a stale expectedVersion rejects with SessionConflictError and changes nothing',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        await store.set(key, record());
        const current = record({ version: 2, payload: textBytes('current') });
        await store.set(key, current, { expectedVersion: 1 });
        await expectSessionError(
          store.set(key, record({ version: 2, payload: textBytes('stale') }), { expectedVersion: 1 }),
          'SESSION_CONFLICT',
          'CAS with a stale version',
        );
        await expectStored({ store, raw, resolution }, key, current, 'after the failed CAS');
      },
    );

    storeTest(
      suite,
      'an expectedVersion ahead of the stored one also conflicts',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const current = record({ version: 3 });
        await store.set(key, current);
        await expectSessionError(
          store.set(key, record({ version: 6 }), { expectedVersion: 5 }),
          'SESSION_CONFLICT',
          'CAS with a future version',
        );
        await expectRaw(raw, key, current, resolution);
      },
    );

    storeTest(
      suite,
      'on a missing key rejects with SessionConflictError and creates nothing',
      async ({ store, raw }) => {
        const key = randomKey();
        await expectSessionError(
          store.set(key, record({ version: 2 }), { expectedVersion: 1 }),
          'SESSION_CONFLICT',
          'CAS on a missing key',
        );
        expect(await store.get(key)).toBeNull();
        expect(await raw.read(key)).toBeNull();
        expect(await raw.list()).toEqual([]);
      },
    );

    storeTest(suite, 'on a destroyed key rejects with SessionConflictError', async ({ store, raw }) => {
      const key = randomKey();
      await store.set(key, record());
      await store.destroy(key);
      await expectSessionError(
        store.set(key, record({ version: 2 }), { expectedVersion: 1 }),
        'SESSION_CONFLICT',
        'CAS after destroy',
      );
      expect(await raw.read(key), 'the CAS must not resurrect the record').toBeNull();
    });

    storeTest(suite, 'can change the owner and clear it', async ({ store, raw, resolution }) => {
      const key = randomKey();
      await store.set(key, record({ ownerId: 'alice' }));
      const toBob = record({ version: 2, ownerId: 'bob' });
      await store.set(key, toBob, { expectedVersion: 1 });
      await expectRaw(raw, key, toBob, resolution, 'raw after moving to bob');
      const toNobody = record({ version: 3, ownerId: null });
      await store.set(key, toNobody, { expectedVersion: 2 });
      await expectStored({ store, raw, resolution }, key, toNobody, 'after clearing the owner');
    });
  });
}
