/**
 * Back doors for tests: what the memory tier and the persistent memory store physically hold,
 * bypassing every read path and expiry filter. The tier's wrapper header is decoded here from its
 * documented layout, not with the package's own code, so a format change fails a test.
 */
import type { MemoryStore, StoredRecord } from '@sessionkit/core';
import type { RawReader, RawRecord } from '@sessionkit/store-test-suite';
import type { TieredStore } from '../src/index';

interface Inspector {
  keys(): string[];
  read(key: string): (StoredRecord & { dirty?: boolean }) | null;
}

function inspector(target: object, name: string): Inspector {
  const inspect = (target as Record<symbol, Inspector | undefined>)[Symbol.for(name)];
  if (inspect === undefined) throw new Error(`${name}: the inspection hook is missing`);
  return inspect;
}

/** Decodes the documented 12-byte header: magic F5 54, format 1, flags, float64 BE true expiry. */
export function decodeWrapped(payload: Uint8Array): { payload: Uint8Array; trueExpiresAt: number } {
  if (payload[0] !== 0xf5 || payload[1] !== 0x54 || payload[2] !== 1) {
    throw new Error('the persistent record does not start with the tier header');
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  return { payload: payload.subarray(12), trueExpiresAt: view.getFloat64(4, false) };
}

/** What the persistent memory store holds for `key`, header decoded; null when nothing. */
export function persistedCopy(
  persistent: MemoryStore,
  key: string,
): (RawRecord & { storeExpiresAt: number }) | null {
  const held = inspector(persistent, 'sessionkit.memory-store.inspect').read(key);
  if (held === null) return null;
  const { payload, trueExpiresAt } = decodeWrapped(held.payload);
  return {
    payload,
    version: held.version,
    expiresAt: trueExpiresAt,
    storeExpiresAt: held.expiresAt,
    ownerId: held.ownerId ?? null,
  };
}

/** Keys of the sessions the tier holds in memory. */
export function memoryKeys(tier: TieredStore): string[] {
  return inspector(tier, 'sessionkit.tiered-store.inspect').keys();
}

/** The tier's in-memory entry for `key`, or null. */
export function memoryEntry(tier: TieredStore, key: string): (StoredRecord & { dirty?: boolean }) | null {
  return inspector(tier, 'sessionkit.tiered-store.inspect').read(key);
}

/**
 * The tier as one backend: a key's record is the one in memory when memory holds it (memory is
 * authoritative), the persistent copy otherwise. `list()` has one entry per session.
 */
export function tierRawReader(tier: TieredStore, persistent: MemoryStore): RawReader {
  const persistentKeys = () => inspector(persistent, 'sessionkit.memory-store.inspect').keys();
  return {
    async read(key) {
      const held = memoryEntry(tier, key);
      if (held !== null) {
        return {
          payload: held.payload,
          version: held.version,
          expiresAt: held.expiresAt,
          ownerId: held.ownerId ?? null,
        };
      }
      const copy = persistedCopy(persistent, key);
      if (copy === null) return null;
      const { storeExpiresAt: _, ...record } = copy;
      return record;
    },
    async list() {
      return [...new Set([...memoryKeys(tier), ...persistentKeys()])];
    },
  };
}
