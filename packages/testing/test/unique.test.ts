import { describe, expect, it } from 'vitest';
import { skipReason, suiteTitle } from '../src/suite';
import { uniquePrefix } from '../src/unique';

describe('uniquePrefix', () => {
  it('is random and safe for keys and SQL identifiers', () => {
    const seen = new Set(Array.from({ length: 200 }, () => uniquePrefix()));
    expect(seen.size).toBe(200);
    for (const prefix of seen) expect(prefix).toMatch(/^sk_test_[0-9a-f]{12}$/);
  });

  it('embeds a cleaned, bounded label', () => {
    expect(uniquePrefix('Redis Cluster!')).toMatch(/^sk_test_redis_cluster_[0-9a-f]{12}$/);
    expect(uniquePrefix('x'.repeat(100)).length).toBeLessThanOrEqual(64);
    expect(uniquePrefix('***')).toMatch(/^sk_test_[0-9a-f]{12}$/);
  });
});

describe('skip convention', () => {
  const unavailable = { available: false as const, reason: 'mssql: SESSIONKIT_MSSQL_URL is not set' };

  it('puts the reason in the suite title and the skip option', () => {
    expect(suiteTitle('mssql store', unavailable)).toBe(
      'mssql store [skipped: mssql: SESSIONKIT_MSSQL_URL is not set]',
    );
    expect(skipReason(unavailable)).toBe('mssql: SESSIONKIT_MSSQL_URL is not set');
  });

  it('leaves an available backend alone', () => {
    const available = {
      available: true as const,
      backend: 'redis' as const,
      url: 'redis://127.0.0.1:6379',
      source: 'env' as const,
      stop: async () => undefined,
    };
    expect(suiteTitle('redis store', available)).toBe('redis store');
    expect(skipReason(available)).toBe(false);
  });
});
