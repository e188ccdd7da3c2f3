/**
 * HTTP test plumbing shared by the framework bindings: real servers on 127.0.0.1:0, a one-cookie
 * client on global fetch, the stores each test runs against (memory always, Redis when
 * provisioned), and fault injection around a genuine memory store for error-policy tests.
 */
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryStore, type SessionStore, SessionStoreError } from '@sessionkit/core';
import Redis from 'ioredis';
import { afterAll, onTestFinished } from 'vitest';
import type { Provisioned } from './provision';
import { suiteTitle, useBackend } from './suite';
import { uniquePrefix } from './unique';

/** Serves `listener` on an ephemeral port until the current test finishes. */
export async function serve(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A browser stand-in that keeps one cookie jar and never follows redirects by itself. */
export class Client {
  readonly jar = new Map<string, string>();
  constructor(readonly base: string) {}

  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.jar.size > 0) headers.set('cookie', this.cookieHeader());
    const response = await fetch(new URL(path, this.base), {
      ...init,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(10_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const cleared =
        attributes.some((a) => a.trim().toLowerCase() === 'max-age=0') || pair.slice(eq + 1) === '';
      if (cleared) this.jar.delete(name);
      else this.jar.set(name, pair.slice(eq + 1));
    }
    return response;
  }

  async text(path: string, init?: RequestInit): Promise<string> {
    return (await this.fetch(path, init)).text();
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A store a test runs against; `create` gives a fresh, isolated one (a new Redis prefix). */
export interface StoreVariant {
  name: string;
  /** A reason to skip, or false. */
  skip: string | false;
  title: string;
  /** The server's URL, for child processes (Redis only). */
  url?: string;
  create(): Promise<SessionStore>;
}

/**
 * The memory store and, when SESSIONKIT_REDIS_URL (or a container runtime) provides one, Redis.
 * The Redis store factory is passed in so this package does not depend on @sessionkit/redis.
 */
export async function storeVariants(
  label: string,
  createRedisStore: (
    client: Redis,
    options: { prefix: string },
  ) => SessionStore & { clear?(): Promise<void> },
): Promise<StoreVariant[]> {
  const redis: Provisioned = await useBackend('redis');
  let client: Redis | undefined;
  afterAll(() => client?.disconnect());
  return [
    { name: 'memory', skip: false, title: 'memory store', create: async () => createMemoryStore() },
    {
      name: 'redis',
      skip: redis.available ? false : redis.reason,
      title: suiteTitle('redis store', redis),
      url: redis.available ? redis.url : undefined,
      async create() {
        if (!redis.available) throw new Error(redis.reason);
        client ??= new Redis(redis.url, { maxRetriesPerRequest: 1, commandTimeout: 2_000 });
        const store = createRedisStore(client, { prefix: `${uniquePrefix(label)}:` });
        onTestFinished(async () => {
          await store.clear?.();
        });
        return store;
      },
    },
  ];
}

/**
 * A genuine memory store with faults injected into some methods: `reject` fails the call like a
 * lost connection, `hang` never answers (for the timeout path), `delay` answers late.
 */
export function faultyStore(
  faults: Partial<Record<'get' | 'set' | 'touch' | 'destroy', 'reject' | 'hang' | number>>,
  inner: SessionStore = createMemoryStore(),
): SessionStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      const fault = faults[property as keyof typeof faults];
      if (typeof value !== 'function' || fault === undefined) return value;
      return async (...args: unknown[]) => {
        // A store reports a backend failure as SessionStoreError (the store contract).
        if (fault === 'reject') throw new SessionStoreError(`injected ${String(property)} failure`);
        if (fault === 'hang') return new Promise(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, fault));
        return value.apply(target, args);
      };
    },
  });
}
