import { describe, expect } from 'vitest';
import { expectRaw, expiredAt, type Suite, storeTest } from './harness';
import { randomKey, record } from './helpers';

/** prune(): removes expired records now, for backends that do not expire them by themselves. */
export function pruneTests(suite: Suite): void {
  describe('prune', () => {
    storeTest(
      suite,
      'removes only expired records and resolves how many',
      async ({ store, raw, resolution }) => {
        const expired = [randomKey(), randomKey(), randomKey()];
        for (const key of expired) {
          await store.set(key, record({ ownerId: 'alice', expiresAt: expiredAt(resolution) }));
        }
        const live = new Map([
          [randomKey(), record({ ownerId: 'alice' })],
          [randomKey(), record({ expiresAt: Date.now() + 120_000 })],
        ]);
        for (const [key, value] of live) await store.set(key, value);

        const pruned = await store.prune!();
        if (store.capabilities.nativeExpiry) {
          // The backend may have dropped some of them on its own already.
          expect(pruned, 'pruned count').toBeGreaterThanOrEqual(0);
          expect(pruned, 'pruned count').toBeLessThanOrEqual(expired.length);
        } else {
          expect(pruned, 'pruned count').toBe(expired.length);
        }
        for (const key of expired) expect(await raw.read(key), 'raw record of a pruned session').toBeNull();
        for (const [key, value] of live) await expectRaw(raw, key, value, resolution, 'a live record');
        expect(await raw.list()).toHaveLength(live.size);
        expect(await store.prune!(), 'a second prune').toBe(0);
      },
      { requires: ['prune'] },
    );

    storeTest(
      suite,
      'resolves 0 on an empty store',
      async ({ store }) => {
        expect(await store.prune!()).toBe(0);
      },
      { requires: ['prune'] },
    );
  });
}
