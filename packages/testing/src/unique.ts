import { randomBytes } from 'node:crypto';

/**
 * A random name for one test's keys, tables or databases, so suites can run in parallel against
 * one shared server. Only `[a-z0-9_]`, starts with a letter and stays short enough for SQL
 * identifiers (MySQL allows 64 characters).
 *
 * @example
 * uniquePrefix('redis'); // 'sk_test_redis_3f9c0a1b7e2d'
 */
export function uniquePrefix(label?: string): string {
  const random = randomBytes(6).toString('hex');
  const clean = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 24);
  return clean ? `sk_test_${clean}_${random}` : `sk_test_${random}`;
}
