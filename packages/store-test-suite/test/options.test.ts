import { isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { type ConformanceOptions, randomBytes, randomKey, record, runStoreConformance } from '../src/index';

const setup: ConformanceOptions['setup'] = async () => {
  throw new Error('never called');
};

describe('runStoreConformance options', () => {
  test.each<[string, ConformanceOptions]>([
    ['an empty name', { name: ' ', setup }],
    ['a missing setup', { name: 'x' } as unknown as ConformanceOptions],
    ['a zero expiryResolutionMs', { name: 'x', setup, expiryResolutionMs: 0 }],
    ['a NaN expiryResolutionMs', { name: 'x', setup, expiryResolutionMs: Number.NaN }],
    ['an empty skip reason', { name: 'x', setup, skip: '' }],
  ])('rejects %s with a SessionConfigError', (_, options) => {
    let thrown: unknown;
    try {
      runStoreConformance(options);
    } catch (error) {
      thrown = error;
    }
    expect(isSessionError(thrown, 'SESSION_CONFIG_INVALID'), String(thrown)).toBe(true);
    expect((thrown as Error).message).toMatch(/runStoreConformance/);
  });
});

describe('helpers for store authors', () => {
  test('randomKey is shaped like a core storage key and unique', () => {
    const keys = new Set(Array.from({ length: 1_000 }, () => randomKey()));
    expect(keys.size).toBe(1_000);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  test('randomBytes returns a plain Uint8Array of the requested length', () => {
    const bytes = randomBytes(70_000);
    expect(bytes.constructor).toBe(Uint8Array);
    expect(bytes.length).toBe(70_000);
  });

  test('record gives a live version-1 record without owner, and applies overrides', () => {
    const before = Date.now();
    const plain = record();
    expect(plain.version).toBe(1);
    expect(plain.ownerId).toBeNull();
    expect(plain.expiresAt).toBeGreaterThan(before + 30_000);
    expect(plain.payload.length).toBeGreaterThan(0);
    expect(record().payload).not.toEqual(plain.payload);
    expect(record({ version: 4, ownerId: 'o' })).toMatchObject({ version: 4, ownerId: 'o' });
  });
});
