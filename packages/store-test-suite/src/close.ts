import { isSessionError } from '@sessionkit/core';
import { assert, describe, expect } from 'vitest';
import { type Suite, show, storeTest } from './harness';
import { randomKey, record } from './helpers';

/** close(): stops the store's own timers; resolves, and resolves again when called twice. */
export function closeTests(suite: Suite): void {
  describe('close', () => {
    storeTest(suite, 'resolves and is idempotent', async ({ store }, ctx) => {
      if (typeof store.close !== 'function') ctx.skip('store has no close()');
      await store.set(randomKey(), record());
      await expect(store.close!()).resolves.toBeUndefined();
      await expect(store.close!(), 'a second close').resolves.toBeUndefined();
    });

    storeTest(suite, 'settles when called while a write is in flight', async ({ store }, ctx) => {
      if (typeof store.close !== 'function') ctx.skip('store has no close()');
      // The write may land or fail with a SessionError; neither call may hang.
      const write = store.set(randomKey(), record()).then(
        () => null,
        (error: unknown) => error,
      );
      await expect(store.close!()).resolves.toBeUndefined();
      const failure = await write;
      if (failure !== null && !isSessionError(failure)) {
        assert.fail(`the in-flight write failed with ${show(failure)}`);
      }
    });
  });
}
