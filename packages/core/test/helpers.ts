import { createMemoryStore } from '../src/store/memory-store';
import type { SessionStore } from '../src/store/store';

export const SECRET = 'test-secret-0123456789-abcdefghijklmnop';
export const OTHER_SECRET = 'another-secret-9876543210-zyxwvutsrqpon';

/** The `name=value` part of a Set-Cookie header, ready to send back as a Cookie header. */
export function cookiePair(setCookie: string | null): string {
  if (!setCookie) throw new Error('expected a Set-Cookie value');
  return setCookie.split(';')[0] as string;
}

/** A controllable clock for crossing timeouts without waiting. */
export function fakeClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

/**
 * A real memory store whose calls are counted per method: instrumentation around the genuine
 * implementation (every call still reaches it), used to assert how many writes a request costs.
 */
export function countingStore(inner: SessionStore = createMemoryStore()) {
  const calls: Record<string, number> = {};
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(property)] = (calls[String(property)] ?? 0) + 1;
        return value.apply(target, args);
      };
    },
  });
  return { store, calls, inner };
}
