import { createMemoryStore, isSessionError, type SessionConfigError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import {
  createSessionTier,
  createTieredStore,
  type SessionTierOptions,
  type TieredStoreOptions,
} from '../src/index';
import { SECRET } from './helpers';

const store = createMemoryStore();

function configError(create: () => unknown): SessionConfigError {
  let thrown: unknown;
  try {
    create();
  } catch (error) {
    thrown = error;
  }
  expect(isSessionError(thrown, 'SESSION_CONFIG_INVALID'), `threw ${String(thrown)}`).toBe(true);
  return thrown as SessionConfigError;
}

describe('createTieredStore fails fast on invalid options, saying how to fix them', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'no store',
      { store: undefined },
      /store must be the persistent sessionkit store \(missing get, set, touch, destroy\)/,
    ],
    [
      'a store without capabilities',
      { store: { ...store, capabilities: undefined } },
      /missing capabilities/,
    ],
    [
      'a negative backupAfterIdle',
      { backupAfterIdle: -1 },
      /backupAfterIdle must be a whole number of milliseconds >= 0, or Infinity/,
    ],
    ['a fractional swapAfterIdle', { swapAfterIdle: 1.5 }, /swapAfterIdle must be a whole number/],
    ['NaN minIdleSwap', { minIdleSwap: Number.NaN }, /minIdleSwap must be a whole number/],
    [
      'minIdleSwap above swapAfterIdle',
      { minIdleSwap: 2_000, swapAfterIdle: 1_000 },
      /minIdleSwap \(2000\) must not exceed swapAfterIdle \(1000\)/,
    ],
    [
      'an infinite minIdleSwap',
      { minIdleSwap: Number.POSITIVE_INFINITY },
      /lower minIdleSwap or raise swapAfterIdle/,
    ],
    [
      'a negative maxActiveSessions',
      { maxActiveSessions: -5 },
      /maxActiveSessions must be a positive whole number, or 0 \/ Infinity/,
    ],
    ['a fractional maxActiveSessions', { maxActiveSessions: 2.5 }, /maxActiveSessions/],
    ['an unknown whenFull', { whenFull: 'evict' }, /whenFull must be 'swap' or 'reject' \(got "evict"\)/],
    [
      'a zero processExpiresInterval',
      { processExpiresInterval: 0 },
      /processExpiresInterval must be a positive whole number/,
    ],
    [
      'a processExpiresInterval beyond what timers allow',
      { processExpiresInterval: 2 ** 31 },
      /at most 2147483647/,
    ],
    [
      'a zero persistentTimeout',
      { persistentTimeout: 0 },
      /persistentTimeout must be a positive whole number/,
    ],
    [
      'a persistentTimeout not above twice processExpiresInterval',
      { persistentTimeout: 2_000, processExpiresInterval: 1_000 },
      /more than twice processExpiresInterval.*raise persistentTimeout or lower processExpiresInterval/,
    ],
    ['a zero maxBackupDelay', { maxBackupDelay: 0 }, /maxBackupDelay must be a positive whole number/],
    ['a non-boolean saveOnShutdown', { saveOnShutdown: 'yes' }, /saveOnShutdown must be true or false/],
    ['a zero storeTimeout', { storeTimeout: 0 }, /storeTimeout must be a positive whole number/],
    ['a clock that is not a function', { clock: 5 }, /clock must be a function/],
  ];
  for (const [label, options, message] of cases) {
    test(label, () => {
      const error = configError(() =>
        createTieredStore({ store, ...options } as unknown as TieredStoreOptions),
      );
      expect(error.message).toMatch(/^createTieredStore: /);
      expect(error.message).toMatch(message);
    });
  }

  test('valid edge values are accepted', () => {
    for (const options of [
      { backupAfterIdle: 0, swapAfterIdle: 0, minIdleSwap: 0 },
      {
        backupAfterIdle: Number.POSITIVE_INFINITY,
        swapAfterIdle: Number.POSITIVE_INFINITY,
        minIdleSwap: 5_000,
      },
      { swapAfterIdle: 1_000, backupAfterIdle: 60_000 },
      { maxActiveSessions: 0 },
      { maxActiveSessions: Number.POSITIVE_INFINITY, whenFull: 'reject' as const },
      { persistentTimeout: 3, processExpiresInterval: 1 },
    ]) {
      expect(() => createTieredStore({ store, ...options })).not.toThrow();
    }
  });
});

describe('createSessionTier fails fast on invalid options', () => {
  const base = { store, secrets: [SECRET] };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    [
      'persistentTimeout equal to idleTimeout',
      { idleTimeout: 60_000, persistentTimeout: 60_000 },
      /persistentTimeout \(60000 ms\) must be longer than idleTimeout \(60000 ms\).*leave persistentTimeout unset \(2 × idleTimeout\) or raise it/,
    ],
    [
      'persistentTimeout below the default idleTimeout of a day',
      { persistentTimeout: 3_600_000 },
      /persistentTimeout \(3600000 ms\) must be longer than idleTimeout \(86400000 ms\)/,
    ],
    [
      'an unknown rebalance policy',
      { route: 'a', rebalance: 'sometimes' },
      /rebalance must be 'preemptive', 'threshold' or 'none'/,
    ],
    [
      'rebalance without a route',
      { rebalance: 'none' },
      /rebalance only applies to sessions with a route; set route/,
    ],
    [
      'busyThresholds without the threshold policy',
      { route: 'a', busyThresholds: {} },
      /busyThresholds only apply with rebalance: 'threshold'/,
    ],
    [
      'a negative event-loop delay threshold',
      { route: 'a', rebalance: 'threshold', busyThresholds: { eventLoopDelay: -1 } },
      /busyThresholds.eventLoopDelay must be a number of ms >= 0/,
    ],
    [
      'a heap ratio above 1',
      { route: 'a', rebalance: 'threshold', busyThresholds: { heapUsedRatio: 1.5 } },
      /busyThresholds.heapUsedRatio must be a number above 0 and at most 1/,
    ],
    [
      'a sampling window below the histogram resolution',
      { route: 'a', rebalance: 'threshold', busyThresholds: { sampleInterval: 1 } },
      /busyThresholds.sampleInterval must be a whole number of ms from 10/,
    ],
    ['a non-boolean handleSignals', { handleSignals: 1 }, /handleSignals must be true or false/],
    [
      'an invalid tier option, named for this factory',
      { maxActiveSessions: -1 },
      /^createSessionTier: maxActiveSessions/,
    ],
    ['an invalid core option, reported by core', { touchAfter: -1 }, /touchAfter/],
    ['an invalid route, reported by core', { route: 'a.b' }, /route must be 1-32 letters/],
  ];
  for (const [label, options, message] of cases) {
    test(label, () => {
      expect(
        configError(() => createSessionTier({ ...base, ...options } as unknown as SessionTierOptions))
          .message,
      ).toMatch(message);
    });
  }

  test('no options at all', () => {
    expect(configError(() => createSessionTier(undefined as unknown as SessionTierOptions)).message).toMatch(
      /needs an options object with at least \{ store, secrets \}/,
    );
  });

  test('persistentTimeout defaults to twice idleTimeout, and any value works when idleTimeout is unlimited', async () => {
    const defaulted = createSessionTier({ ...base, idleTimeout: 60_000 });
    const unlimited = createSessionTier({
      ...base,
      idleTimeout: 0,
      absoluteTimeout: 60_000,
      persistentTimeout: 10_000,
    });
    await Promise.all([defaulted.close(), unlimited.close()]);
  });
});
