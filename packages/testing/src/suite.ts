/**
 * The skip convention: a suite whose backend is unavailable is skipped with the reason in its
 * title, so the reason shows up by name in the test summary instead of a silent pass.
 */
import { afterAll } from 'vitest';
import type { Backend } from './backends';
import { type Provisioned, provision } from './provision';

/** The reason to skip (for the conformance suite's `skip` option), or false when available. */
export function skipReason(provisioned: Provisioned | { available: false; reason: string }): string | false {
  return provisioned.available ? false : provisioned.reason;
}

/**
 * `name` when there is no reason to skip, `name [skipped: <reason>]` otherwise: the one title
 * format the run's skip report (scripts/test-summary.mjs) reads reasons from. For skips that are
 * not about a backend (a missing binary or browser); pair it with `describe.skipIf(reason)`.
 *
 * @example
 * describe.skipIf(noBrowser)(skipTitle('in headless Chromium', noBrowser), () => { ... });
 */
export function skipTitle(name: string, reason: string | null | false | undefined): string {
  return reason ? `${name} [skipped: ${reason}]` : name;
}

/**
 * `name` when available, `name [skipped: <reason>]` otherwise. Pair it with `describe.skipIf`.
 *
 * @example
 * describe.skipIf(!redis.available)(suiteTitle('redis failover', redis), () => { ... });
 */
export function suiteTitle(
  name: string,
  provisioned: Provisioned | { available: false; reason: string },
): string {
  return skipTitle(name, !provisioned.available && provisioned.reason);
}

/**
 * {@link provision} for one test file: call it at the top level of the file (top-level await);
 * a started container is stopped after the file's last test.
 *
 * @example
 * const redis = await useBackend('redis');
 * runStoreConformance({ name: 'redis', skip: skipReason(redis), ... });
 */
export async function useBackend(backend: Backend): Promise<Provisioned> {
  const provisioned = await provision(backend);
  if (provisioned.available) afterAll(() => provisioned.stop());
  return provisioned;
}
