import { describe, expect } from 'vitest';
import { expectRecord, expectSessionError, expiredAt, type Suite, storeTest } from './harness';
import { randomKey, record, textBytes } from './helpers';

/**
 * Writes whose deadline has already passed when they reach the store: a slow request, a clock
 * step, an absolute timeout reached mid-request. A store must accept them quietly (Redis rejects
 * `SET … PX` with a negative TTL, SQL has no such problem) and never serve them.
 */
export function pastDeadlineTests(suite: Suite): void {
  describe('a deadline already past', () => {
    for (const [label, ago] of [
      [`${suite.resolution} ms ago`, suite.resolution],
      ['a day ago', 86_400_000],
    ] as const) {
      storeTest(
        suite,
        `insert with expiresAt ${label} resolves and is never served`,
        async ({ store, raw }) => {
          const key = randomKey();
          await store.set(key, record({ expiresAt: Date.now() - ago, ownerId: 'owner' }));
          expect(await store.get(key), 'get').toBeNull();
          expect(await store.touch(key, Date.now() + 60_000), 'touch').toBe(false);
          expect(await store.get(key), 'get after touch').toBeNull();
          const held = await raw.read(key);
          if (held !== null) expect(held.expiresAt, 'raw expiresAt').toBeLessThanOrEqual(Date.now());
        },
      );
    }

    storeTest(suite, 'an expired record can be replaced by an insert', async ({ store, raw, resolution }) => {
      const key = randomKey();
      await store.set(key, record({ expiresAt: expiredAt(resolution) }));
      const fresh = record({ payload: textBytes('fresh') });
      await store.set(key, fresh);
      expectRecord(await store.get(key), fresh, resolution, 'get');
      expectRecord(await raw.read(key), fresh, resolution, 'raw');
    });

    storeTest(suite, 'compare-and-set on an expired record conflicts', async ({ store, raw, resolution }) => {
      const key = randomKey();
      await store.set(key, record({ expiresAt: expiredAt(resolution) }));
      await expectSessionError(
        store.set(key, record({ version: 2 }), { expectedVersion: 1 }),
        'SESSION_CONFLICT',
        'CAS on an expired record',
      );
      expect(await store.get(key)).toBeNull();
      const held = await raw.read(key);
      if (held !== null) expect(held.version, 'the failed CAS must not write').toBe(1);
    });

    storeTest(
      suite,
      'compare-and-set to a past deadline resolves and ends the session',
      async ({ store, resolution }) => {
        const key = randomKey();
        await store.set(key, record());
        await store.set(key, record({ version: 2, expiresAt: expiredAt(resolution) }), {
          expectedVersion: 1,
        });
        expect(await store.get(key)).toBeNull();
      },
    );

    storeTest(
      suite,
      'touch of a live record to a past deadline resolves true and ends it',
      async ({ store, resolution }) => {
        const key = randomKey();
        await store.set(key, record());
        expect(await store.touch(key, expiredAt(resolution))).toBe(true);
        expect(await store.get(key)).toBeNull();
        expect(await store.touch(key, Date.now() + 60_000), 'a second touch must not resurrect').toBe(false);
        expect(await store.get(key)).toBeNull();
      },
    );
  });
}
