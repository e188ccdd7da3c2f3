/**
 * Cheap assertions for the hot loop of a 100,000-case property: vitest's expect costs more per
 * call than most of the properties themselves. fast-check reports the failing (shrunk) input.
 */
import { isDeepStrictEqual } from 'node:util';

/** Throws `message` unless `condition` holds. */
export function ensure(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** Throws unless `actual` deep-equals `expected`. */
export function ensureEqual(actual: unknown, expected: unknown, message: string): void {
  if (!isDeepStrictEqual(actual, expected)) {
    throw new Error(`${message}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}
