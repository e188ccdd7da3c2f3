import { randomBytes as nodeRandomBytes } from 'node:crypto';
import type { StoredRecord } from '@sessionkit/core';

const encoder = new TextEncoder();

/**
 * A fresh storage key shaped like the ones core produces (43 base64url characters, the length
 * of a SHA-256 digest), so tests never collide with each other or with a previous run.
 *
 * @example
 * await store.set(randomKey(), record());
 */
export function randomKey(): string {
  return nodeRandomBytes(32).toString('base64url');
}

/** `length` random bytes as a plain `Uint8Array` (not a Node `Buffer`). */
export function randomBytes(length: number): Uint8Array {
  return new Uint8Array(nodeRandomBytes(length));
}

/** UTF-8 bytes of a string, for readable payloads in tests. */
export function textBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * A valid record for tests: a small unique payload, version 1, live for a minute, no owner.
 *
 * @example
 * await store.set(key, record({ ownerId: 'alice', expiresAt: Date.now() + 5_000 }));
 */
export function record(overrides: Partial<StoredRecord> = {}): StoredRecord {
  return {
    payload: textBytes(`payload ${randomKey()}`),
    version: 1,
    expiresAt: Date.now() + 60_000,
    ownerId: null,
    ...overrides,
  };
}
