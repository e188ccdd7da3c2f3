/**
 * For a store that assigns its own versions (`capabilities.assignsVersions`: a table without a
 * version column, whose compare-and-set token is a strictly increasing last-access time): the
 * suite's cases write versions 1, 2, 3… and expect them back, so this layer maps each version a
 * case wrote to the one the store says it stored, per key, and back on every read. It checks on
 * the way what such a store promises: `set` resolves a safe integer, and a compare-and-set stores
 * a version above the one it replaced. A version the store returns that no write produced is
 * passed through untranslated, so a case expecting its own number then fails.
 *
 * Likewise for a store without an owner index (neither `listByOwner` nor `destroyByOwner`, such
 * as a mapped table without an owner column), which refuses records with an owner: the owner a
 * case writes is dropped on the way in, a read must show none, and the case then sees the owner
 * it wrote, so its other checks still apply.
 */
import type { SessionStore, StoredRecord } from '@sessionkit/core';
import { assert } from 'vitest';
import type { RawReader, RawRecord } from './types';

export function translateVersions(
  store: SessionStore,
  raw: RawReader,
): { store: SessionStore; raw: RawReader } {
  const { assignsVersions, listByOwner, destroyByOwner } = store.capabilities;
  const ownerless = !listByOwner && !destroyByOwner;
  if (!assignsVersions && !ownerless) return { store, raw };
  // key -> the owner the case wrote last (ownerless stores only).
  const owners = new Map<string, string | null>();
  // key -> (version the case wrote -> version the store stored), and the reverse.
  const stored = new Map<string, Map<number, number>>();
  const written = new Map<string, Map<number, number>>();
  const forward = (key: string, version: number) => stored.get(key)?.get(version) ?? version;
  const back = <R extends StoredRecord | RawRecord | null>(key: string, found: R): R => {
    if (found === null) return found;
    let result = found;
    const version = written.get(key)?.get(found.version);
    if (version !== undefined) result = { ...result, version };
    if (ownerless) {
      if ((found.ownerId ?? null) !== null) assert.fail('a store without an owner index returned an owner');
      result = { ...result, ownerId: owners.get(key) ?? null };
    }
    return result;
  };
  const remember = (key: string, version: number, storedVersion: number) => {
    if (!stored.has(key)) stored.set(key, new Map());
    if (!written.has(key)) written.set(key, new Map());
    stored.get(key)!.set(version, storedVersion);
    written.get(key)!.set(storedVersion, version);
  };
  const wrapped: SessionStore = Object.create(store);
  Object.assign(wrapped, {
    capabilities: store.capabilities,
    get: async (key: string) => back(key, await store.get(key)),
    set: async (key: string, record: StoredRecord, options?: Parameters<SessionStore['set']>[2]) => {
      const expected = options?.expectedVersion;
      const translated =
        expected === undefined ? options : { ...options, expectedVersion: forward(key, expected) };
      const given = ownerless ? { ...record, ownerId: null } : record;
      const result = await store.set(key, given, translated);
      if (ownerless) owners.set(key, record.ownerId ?? null);
      if (!assignsVersions) return result;
      if (typeof result !== 'number' || !Number.isSafeInteger(result)) {
        assert.fail(
          `store.set() resolved ${String(result)}; a store that assigns versions must resolve the one it stored`,
        );
      }
      if (translated?.expectedVersion !== undefined && result <= translated.expectedVersion) {
        assert.fail(
          `store.set() stored version ${result} over version ${translated.expectedVersion}; versions must strictly increase`,
        );
      }
      remember(key, record.version, result);
      return result;
    },
  });
  return {
    store: wrapped,
    raw: { read: async (key) => back(key, await raw.read(key)), list: () => raw.list() },
  };
}
