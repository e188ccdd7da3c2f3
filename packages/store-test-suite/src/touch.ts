import { describe, expect } from 'vitest';
import { expectRaw, expectStored, type Suite, shortTtl, storeTest, waitPast } from './harness';
import { randomKey, record } from './helpers';

/** `touch`: moves expiry only; never rewrites the payload, never bumps the version, never resurrects. */
export function touchTests(suite: Suite): void {
  describe('touch', () => {
    storeTest(
      suite,
      'moves expiresAt, resolves true, keeps payload, version and owner',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        const written = record({ version: 5, ownerId: 'alice', expiresAt: Date.now() + 60_000 });
        await store.set(key, written);
        const later = Date.now() + 180_000;
        expect(await store.touch(key, later)).toBe(true);
        const moved = { ...written, expiresAt: later };
        await expectStored({ store, raw, resolution }, key, moved, 'after touch');

        const sooner = Date.now() + 30_000;
        expect(await store.touch(key, sooner), 'touch to an earlier, still future time').toBe(true);
        await expectRaw(raw, key, { ...written, expiresAt: sooner }, resolution, 'raw after shortening');
        expect(await raw.list()).toHaveLength(1);
      },
    );

    storeTest(suite, 'resolves false for a missing key and creates nothing', async ({ store, raw }) => {
      const key = randomKey();
      expect(await store.touch(key, Date.now() + 60_000)).toBe(false);
      expect(await store.get(key)).toBeNull();
      expect(await raw.read(key)).toBeNull();
      expect(await raw.list()).toEqual([]);
    });

    storeTest(
      suite,
      'resolves false after destroy and does not bring the record back',
      async ({ store, raw }) => {
        const key = randomKey();
        await store.set(key, record());
        await store.destroy(key);
        expect(await store.touch(key, Date.now() + 60_000)).toBe(false);
        expect(await store.get(key)).toBeNull();
        expect(await raw.read(key)).toBeNull();
      },
    );

    storeTest(
      suite,
      'really reaches the backend: an extended record outlives its first deadline, a shortened one does not',
      async ({ store, raw, resolution }) => {
        const extendedKey = randomKey();
        const shortenedKey = randomKey();
        const deadline = Date.now() + shortTtl(resolution);
        const extended = record({ expiresAt: deadline });
        const shortened = record({ expiresAt: Date.now() + 120_000 });
        await store.set(extendedKey, extended);
        await store.set(shortenedKey, shortened);
        const farther = Date.now() + 120_000;
        expect(await store.touch(extendedKey, farther)).toBe(true);
        expect(await store.touch(shortenedKey, deadline)).toBe(true);

        await waitPast(deadline, resolution);
        const survivor = { ...extended, expiresAt: farther };
        await expectStored({ store, raw, resolution }, extendedKey, survivor, 'the extended record');
        expect(await store.get(shortenedKey), 'the shortened record').toBeNull();
      },
      { timeout: 30_000 + 4 * (shortTtl(suite.resolution) + suite.resolution) },
    );
  });
}
