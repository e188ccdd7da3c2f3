import { describe, expect } from 'vitest';
import { expectRecord, expectSessionError, expectStored, type Suite, storeTest } from './harness';
import { randomKey, record, textBytes } from './helpers';

const CAPABILITY_FLAGS = [
  'destroyByOwner',
  'listByOwner',
  'count',
  'clear',
  'prune',
  'nativeExpiry',
  'replaceOnInsert',
] as const;
const CAPABILITY_METHODS = ['destroyByOwner', 'listByOwner', 'count', 'clear', 'prune'] as const;

/** The required methods: capabilities, get, insert, destroy. */
export function basicTests(suite: Suite): void {
  describe('basic', () => {
    storeTest(
      suite,
      'declares every capability as a boolean, and each true one has its method',
      async ({ store }) => {
        expect(typeof store.capabilities, 'capabilities').toBe('object');
        for (const flag of CAPABILITY_FLAGS) {
          expect(typeof store.capabilities[flag], `capabilities.${flag}`).toBe('boolean');
        }
        for (const method of CAPABILITY_METHODS) {
          if (store.capabilities[method]) {
            expect(typeof store[method], `capabilities.${method} is true, so store.${method}`).toBe(
              'function',
            );
          }
        }
      },
    );

    storeTest(suite, 'starts empty: setup() gives an isolated store', async ({ raw }) => {
      expect(await raw.list(), 'raw.list() of a fresh store').toEqual([]);
    });

    storeTest(suite, 'get of a missing key resolves null', async ({ store, raw }) => {
      const key = randomKey();
      expect(await store.get(key)).toBeNull();
      expect(await raw.read(key)).toBeNull();
    });

    storeTest(
      suite,
      'insert then get returns exactly what was written',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const written = record({ ownerId: 'owner-1', expiresAt: Date.now() + 60_123 });
        await store.set(key, written);
        await expectStored({ store, raw, resolution }, key, written);
        expect(await raw.list(), 'raw.list() after one insert').toHaveLength(1);
      },
    );

    storeTest(
      suite,
      'a record without ownerId reads back with no owner',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const written = { payload: textBytes('no owner'), version: 1, expiresAt: Date.now() + 60_000 };
        await store.set(key, written);
        const read = await store.get(key);
        expectRecord(read, written, resolution, 'get');
        expect(read?.ownerId ?? null).toBeNull();
        expect((await raw.read(key))?.ownerId).toBeNull();
      },
    );

    storeTest(
      suite,
      'get twice returns the same record (reads change nothing)',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const written = record({ version: 7 });
        await store.set(key, written);
        expectRecord(await store.get(key), written, resolution, 'first get');
        await expectStored({ store, raw, resolution }, key, written, 'second get');
      },
    );

    storeTest(
      suite,
      'insert over a live record rejects with SessionConflictError and changes nothing',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const first = record({ ownerId: 'first' });
        await store.set(key, first);
        await expectSessionError(
          store.set(key, record({ ownerId: 'second', payload: textBytes('intruder') })),
          'SESSION_CONFLICT',
          'second insert',
        );
        await expectStored({ store, raw, resolution }, key, first, 'after the failed insert');
      },
    );

    storeTest(suite, 'keys are independent', async ({ store, raw, resolution }) => {
      const a = randomKey();
      const b = randomKey();
      const ra = record();
      const rb = record({ version: 3 });
      await store.set(a, ra);
      await store.set(b, rb);
      expectRecord(await store.get(a), ra, resolution, 'get a');
      expectRecord(await store.get(b), rb, resolution, 'get b');
      expect(await store.destroy(a)).toBe(true);
      await expectStored({ store, raw, resolution }, b, rb, 'b after destroying a');
      expect(await raw.list()).toHaveLength(1);
    });

    storeTest(suite, 'destroy deletes, resolves true once, then false', async ({ store, raw }) => {
      const key = randomKey();
      await store.set(key, record({ ownerId: 'owner' }));
      expect(await store.destroy(key), 'first destroy').toBe(true);
      expect(await store.get(key)).toBeNull();
      expect(await raw.read(key), 'raw record after destroy').toBeNull();
      expect(await raw.list(), 'raw.list() after destroy').toEqual([]);
      expect(await store.destroy(key), 'second destroy').toBe(false);
    });

    storeTest(suite, 'destroy of a key that never existed resolves false', async ({ store, raw }) => {
      expect(await store.destroy(randomKey())).toBe(false);
      expect(await raw.list()).toEqual([]);
    });

    storeTest(suite, 'a destroyed key can be inserted again', async ({ store, raw, resolution }) => {
      const key = randomKey();
      await store.set(key, record({ version: 4 }));
      await store.destroy(key);
      const again = record({ version: 1, ownerId: 'new-owner' });
      await store.set(key, again);
      await expectStored({ store, raw, resolution }, key, again);
    });
  });
}
