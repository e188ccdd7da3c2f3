import type { RawReader } from '@sessionkit/store-test-suite';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { createMemoryStore, type MemoryStore } from '../src/store/memory-store';
import type { StoredRecord } from '../src/store/store';

interface Inspector {
  keys(): string[];
  read(key: string): StoredRecord | null;
}

/** The memory store's back door: what the maps physically hold, expired or not. */
function memoryRawReader(store: MemoryStore): RawReader {
  const inspect = (store as unknown as Record<symbol, Inspector>)[
    Symbol.for('sessionkit.memory-store.inspect')
  ];
  if (inspect === undefined) throw new Error('the memory store lost its inspection hook');
  return {
    read: async (key) => {
      const held = inspect.read(key);
      return held === null ? null : { ...held, ownerId: held.ownerId ?? null };
    },
    list: async () => inspect.keys(),
  };
}

runStoreConformance({
  name: 'memory',
  setup: async () => {
    const store = createMemoryStore();
    return { store, raw: memoryRawReader(store) };
  },
});
