/**
 * The conformance suite every sessionkit store runs, published so third-party stores can run it
 * too. One call registers the whole suite in the calling vitest file.
 */
import { SessionConfigError } from '@sessionkit/core';
import { describe } from 'vitest';
import { basicTests } from './basic';
import { closeTests } from './close';
import { compareAndSetTests } from './compare-and-set';
import { concurrencyTests } from './concurrency';
import { corruptRecordTests } from './corrupt-records';
import { expiryTests } from './expiry';
import type { Suite } from './harness';
import { hostileKeyTests } from './hostile-keys';
import { ownerDetailsTests } from './owner-details';
import { ownerIndexTests } from './owner-index';
import { pastDeadlineTests } from './past-deadline';
import { payloadTests } from './payloads';
import { pruneTests } from './prune';
import { replaceOnInsertTests } from './replace-on-insert';
import { scopeTests } from './scope';
import { touchTests } from './touch';
import type { ConformanceOptions } from './types';

export { CORRUPTIONS } from './corrupt-records';
export { randomBytes, randomKey, record, textBytes } from './helpers';
export { HOSTILE_KEYS } from './hostile-keys';
export type {
  ConformanceOptions,
  ConformanceTarget,
  Corruption,
  RawReader,
  RawRecord,
  RawWriter,
} from './types';
export { verifyProblems, verifyStatuses } from './verify';

/**
 * Registers the store conformance suite as a `describe` block in the calling test file. Each test
 * gets a fresh store from `setup()` and checks, through the raw reader, what really reached the
 * backend. Tests of optional capabilities are skipped, with the reason printed, when the store
 * declares the capability false.
 *
 * @example
 * import { runStoreConformance } from '@sessionkit/store-test-suite';
 *
 * runStoreConformance({
 *   name: 'memory',
 *   setup: async () => {
 *     const store = createMemoryStore();
 *     return { store, raw: memoryRawReader(store) };
 *   },
 * });
 */
export function runStoreConformance(options: ConformanceOptions): void {
  const suite = resolve(options);
  const title = `store conformance: ${suite.name}`;
  const register = () => {
    basicTests(suite);
    payloadTests(suite);
    compareAndSetTests(suite);
    expiryTests(suite);
    pastDeadlineTests(suite);
    touchTests(suite);
    ownerIndexTests(suite);
    ownerDetailsTests(suite);
    replaceOnInsertTests(suite);
    scopeTests(suite);
    pruneTests(suite);
    closeTests(suite);
    hostileKeyTests(suite);
    concurrencyTests(suite);
    corruptRecordTests(suite);
  };
  if (typeof options.skip === 'string') {
    // The reason is part of the title, so verbose and JSON reporters show it next to every skipped
    // test; the default reporter only counts skips, hence the line on stderr too.
    console.warn(`[sessionkit] ${title}: skipped, ${options.skip}`);
    describe.skip(`${title} (skipped: ${options.skip})`, register);
  } else {
    describe(title, register);
  }
}

function resolve(options: ConformanceOptions): Suite {
  if (typeof options?.name !== 'string' || options.name.trim() === '') {
    throw new SessionConfigError('runStoreConformance: pass a non-empty `name`, e.g. { name: "redis" }.');
  }
  if (typeof options.setup !== 'function') {
    throw new SessionConfigError(
      `runStoreConformance(${options.name}): pass \`setup\`, an async function returning { store, raw, teardown? }.`,
    );
  }
  const resolution = options.expiryResolutionMs ?? 1;
  if (!Number.isFinite(resolution) || resolution < 1) {
    throw new SessionConfigError(
      `runStoreConformance(${options.name}): expiryResolutionMs must be a finite number >= 1 ` +
        `(got ${resolution}); use 1000 for a backend with second-granularity expiry.`,
    );
  }
  if (
    options.skip !== undefined &&
    options.skip !== false &&
    (typeof options.skip !== 'string' || !options.skip)
  ) {
    throw new SessionConfigError(
      `runStoreConformance(${options.name}): skip must be false or a non-empty reason string.`,
    );
  }
  return { name: options.name, setup: options.setup, resolution };
}
