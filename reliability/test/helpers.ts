/**
 * Shared by the reliability tests: the secrets, the skip convention (a reason in the title) and
 * the cleanup stack that releases private servers even when an assertion failed.
 */
import { skipTitle } from '@sessionkit/testing';
import { afterAll } from 'vitest';

/** Cookie-signing secret of every app node in these tests. */
export const SECRET = 'reliability-suite-secret-0123456789abcdef';

/** `name`, or `name [skipped: reason]` when there is a reason not to run. */
export const titled = skipTitle;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
});

/** Registers `fn` to run after the file's last test (in reverse order of registration). */
export function cleanup(fn: () => Promise<unknown>): void {
  cleanups.push(fn);
}

/**
 * Cases per hostile-input property in the normal suite. Cookie parsing (no crypto) runs the
 * issue's 100,000 here; the properties that cost a WebCrypto or zlib call per case run a quick
 * dose here and 100,000 in the long suite (long/hostile.long.ts), to keep `vitest run` fast.
 */
export const FULL_RUNS = 100_000;
export const QUICK_RUNS = 10_000;
