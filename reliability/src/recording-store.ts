/**
 * A genuine store wrapped so every call is recorded: the way the hostile-input tests prove that a
 * rejected input never reached the store at all (not even as a read).
 */
import { type SessionStore, STORE_OPERATIONS } from '@sessionkit/core';

/** One recorded store call. */
export interface StoreCall {
  method: string;
  key: string | undefined;
}

/** A store and the log of the calls it received. */
export interface RecordingStore {
  store: SessionStore;
  calls: StoreCall[];
}

// Every operation but close(): closing is teardown, not traffic.
const RECORDED = new Set<string>(STORE_OPERATIONS.filter((operation) => operation !== 'close'));

/** Wraps `inner`; calls pass through unchanged and are appended to `calls`. */
export function recordingStore(inner: SessionStore): RecordingStore {
  const calls: StoreCall[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !RECORDED.has(property) || typeof value !== 'function')
        return value;
      return (...args: unknown[]) => {
        calls.push({ method: property, key: typeof args[0] === 'string' ? args[0] : undefined });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, calls };
}
