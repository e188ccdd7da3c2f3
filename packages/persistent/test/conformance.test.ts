import { createMemoryStore, type SessionStore } from '@sessionkit/core';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { expect, test } from 'vitest';
import { createTieredStore, type TieredStore, type TieredStoreOptions, type TierStats } from '../src/index';
import { tierRawReader } from './raw';

/**
 * The tier is a SessionStore, so it passes the suite like any store, over the memory store as
 * the persistent one. Three shapes: sessions stay in memory; everything is swapped out after
 * every call and by a background run every 2 ms (every read goes through a restore, every write
 * through a backup, racing the timer); and a cap of one session in memory, so nearly every call
 * evicts another session first.
 */
const shapes: Array<[string, Omit<TieredStoreOptions, 'store'>, boolean]> = [
  ['tiered (memory-resident)', {}, false],
  [
    'tiered (swapped out after every call)',
    { backupAfterIdle: 0, swapAfterIdle: 0, processExpiresInterval: 2 },
    true,
  ],
  ['tiered (maxActiveSessions 1)', { maxActiveSessions: 1 }, false],
];

const METHODS = [
  'get',
  'set',
  'touch',
  'destroy',
  'listByOwner',
  'destroyByOwner',
  'destroyOwned',
  'clear',
  'prune',
] as const;

/** The same tier, with a maintenance run (swapping out everything idle >= 0 ms) after each call. */
function swappingAfterEveryCall(tier: TieredStore): SessionStore {
  const wrapped: Record<string, unknown> = { capabilities: tier.capabilities, close: () => tier.close() };
  for (const method of METHODS) {
    const fn = tier[method] as (...args: unknown[]) => Promise<unknown>;
    wrapped[method] = async (...args: unknown[]) => {
      try {
        return await fn.apply(tier, args);
      } finally {
        await tier.runMaintenance();
      }
    };
  }
  return wrapped as unknown as SessionStore;
}

/** Counters summed over every store a shape created, to prove the shape exercised what it claims. */
const totals = new Map<string, Omit<TierStats, 'active' | 'dirty'>>();

for (const [name, options, swapAfterEveryCall] of shapes) {
  const sum = {
    backups: 0,
    swaps: 0,
    restores: 0,
    expired: 0,
    conflicts: 0,
    backgroundErrors: 0,
    rejected: 0,
  };
  totals.set(name, sum);
  runStoreConformance({
    name,
    setup: async () => {
      const persistent = createMemoryStore();
      const store = createTieredStore({ ...options, store: persistent });
      const teardown = async () => {
        const { active: _a, dirty: _d, ...counters } = store.stats();
        for (const [counter, value] of Object.entries(counters)) sum[counter as keyof typeof sum] += value;
        await persistent.close();
      };
      return {
        store: swapAfterEveryCall ? swappingAfterEveryCall(store) : store,
        raw: tierRawReader(store, persistent),
        teardown,
      };
    },
  });
}

/**
 * Runs after the suites (tests of a file run in order): proves that each shape exercised what it
 * claims, and that nothing failed in the background while the suite ran.
 */
test('the shapes exercised swaps, restores and evictions, with no background error or refusal', () => {
  const swapping = totals.get('tiered (swapped out after every call)');
  expect(swapping?.swaps, 'swaps while the suite ran').toBeGreaterThan(50);
  expect(swapping?.restores, 'restores while the suite ran').toBeGreaterThan(50);
  const capped = totals.get('tiered (maxActiveSessions 1)');
  expect(capped?.swaps, 'evictions under the cap of one').toBeGreaterThan(50);
  expect(capped?.restores, 'restores under the cap of one').toBeGreaterThan(50);
  for (const [name, sum] of totals) {
    expect(sum.backgroundErrors, `${name}: background errors`).toBe(0);
    expect(sum.rejected, `${name}: calls refused`).toBe(0);
  }
});
