/**
 * Proves the numbered steps of ARCHITECTURE.md: a store and a binding added by following them,
 * outside every package, pass what the project's own stores and bindings pass.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSessionManager, createStoreFromConfig } from '@sessionkit/core';
import { runStoreConformance } from '@sessionkit/store-test-suite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTextKvStore, SPACES, storeDescriptor, type TextKv } from './architecture/example-store';
import { withSessions } from './architecture/node-http-binding';

const SECRET = 'architecture-test-secret-of-32-chars-or-more';

// "How to add a store", step 5: the conformance suite, with a back door into the client.
runStoreConformance({
  name: 'textkv (ARCHITECTURE.md example)',
  setup: async () => {
    const kv: TextKv = new Map();
    return {
      store: createTextKvStore(kv),
      raw: {
        read: async (key) => {
          const text = kv.get(key);
          if (text === undefined) return null;
          const { p, v, e, o } = JSON.parse(text) as { p: string; v: number; e: number; o: string | null };
          return {
            payload: new Uint8Array(Buffer.from(p, 'base64url')),
            version: v,
            expiresAt: e,
            ownerId: o,
          };
        },
        list: async () => [...kv.keys()],
      },
    };
  },
});

describe('ARCHITECTURE.md: a store added by its steps opens from configuration', () => {
  test('createStoreFromConfig with the descriptor in `stores`: URL and object, checked settings', async () => {
    const store = await createStoreFromConfig('textkv://localhost/app', { stores: [storeDescriptor] });
    expect(store.description).toBe('textkv app');
    await store.set('k', { payload: new Uint8Array([7]), version: 1, expiresAt: Date.now() + 60_000 });
    const again = await createStoreFromConfig(
      { type: 'textkv', space: 'app' },
      { stores: [storeDescriptor] },
    );
    expect((await again.get('k'))?.payload).toEqual(new Uint8Array([7]));
    await expect(
      createStoreFromConfig({ type: 'textkv', spaec: 'app' }, { stores: [storeDescriptor] }),
    ).rejects.toThrow('spaec is not a setting of a textkv store; the settings are type, space.');
    await Promise.all([store.close(), again.close()]);
    SPACES.clear();
  });
});

describe('ARCHITECTURE.md: a binding added by its steps serves real HTTP', () => {
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => {
      response.writeHead(500).end(String(error));
    });
  });
  const manager = createSessionManager<{ visits: number }>({
    store: createTextKvStore(new Map()),
    secrets: [SECRET],
    cookie: { secure: false },
  });
  const handle = withSessions(manager, async (_request, session) => {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return { status: 200, body: String(visits) };
  });
  let base = '';
  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('the session survives requests through the cookie; a tampered cookie starts anew', async () => {
    const first = await fetch(base);
    const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
    expect(await first.text()).toBe('1');
    expect(cookie).toMatch(/=/);
    const second = await fetch(base, { headers: { cookie } });
    expect(await second.text()).toBe('2');
    const tampered = await fetch(base, { headers: { cookie: `${cookie.slice(0, -2)}xx` } });
    expect(await tampered.text()).toBe('1');
  });

  test('a binding takes the options too, and refuses anything else with a clear error', () => {
    expect(() =>
      withSessions({ store: createTextKvStore(new Map()), secrets: [SECRET] }, async () => ({
        status: 204,
        body: '',
      })),
    ).not.toThrow();
    expect(() => withSessions({ manager } as never, async () => ({ status: 204, body: '' }))).toThrow(
      /A manager goes in as it is, not wrapped/,
    );
  });
});
