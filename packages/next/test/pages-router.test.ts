/**
 * The response hold of the Pages-router binding, on a plain Node.js HTTP server (what Next.js
 * hands to API routes and getServerSideProps) with the memory store. The end-to-end tests with
 * `next start` are in next15/next16.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createMemoryStore,
  createSessionManager,
  NO_CAPABILITIES,
  type SessionStore,
  SessionStoreError,
} from '@sessionkit/core';
import { afterEach, describe, expect, test } from 'vitest';
import { createPagesSessions } from '../src/pages';

const secrets = ['pages-router-test-secret-0123456789abcdef'];
type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves `handler`; like Next.js' API resolver, a rejected handler becomes a 500. */
async function serve(handler: Handler): Promise<string> {
  const server = createServer(async (req, res) => {
    try {
      await handler(req, res);
    } catch {
      res.statusCode = 500;
      res.end('handler failed');
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function setup(store: SessionStore = createMemoryStore()) {
  const manager = createSessionManager<{ user: string; n: number }>({
    store,
    secrets,
    cookie: { secure: false },
  });
  return { manager, sessions: createPagesSessions(manager) };
}

const get = (url: string, cookie?: string) =>
  fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(10_000) });

describe('createPagesSessions', () => {
  test('writeHead + write + end are held until the commit is done, then replayed in order with Set-Cookie', async () => {
    const { manager, sessions } = setup();
    const url = await serve(
      sessions.withSession(async (session, _req, res) => {
        session.set('user', 'ada');
        res.writeHead(302, { location: '/next', 'x-order': '1' });
        res.write('one,');
        res.write('two,');
        res.end('three');
      }) as Handler,
    );
    const response = await get(url);
    expect(response.status).toBe(302);
    expect(response.headers.get('x-order')).toBe('1');
    expect(await response.text()).toBe('one,two,three');
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(/^sid=/);
    // The record exists as soon as the response is there: the commit came first.
    const loaded = await manager.load(cookie?.split(';')[0]);
    expect(loaded.get('user')).toBe('ada');
  });

  test('getSession(req, res) returns one session per request and commits on its own', async () => {
    const { manager, sessions } = setup();
    const url = await serve(async (req, res) => {
      const session = await sessions.getSession(req, res);
      expect(await sessions.getSession(req, res)).toBe(session);
      session.update('n', (n = 0) => n + 1);
      res.setHeader('content-type', 'text/plain');
      res.end(String(session.get('n')));
    });
    const first = await get(url);
    const cookie = first.headers.getSetCookie()[0]?.split(';')[0];
    expect(await first.text()).toBe('1');
    const second = await get(url, cookie);
    expect(await second.text()).toBe('2');
    expect((await manager.load(cookie)).get('n')).toBe(2);
  });

  test('a response finished after the handler resolved is still held and committed', async () => {
    const { manager, sessions } = setup();
    const url = await serve(
      sessions.withSession((session, _req, res) => {
        setTimeout(() => {
          session.set('user', 'late');
          res.end('late');
        }, 20);
      }) as Handler,
    );
    const response = await get(url);
    expect(await response.text()).toBe('late');
    const cookie = response.headers.getSetCookie()[0]?.split(';')[0];
    expect((await manager.load(cookie)).get('user')).toBe('late');
  });

  test('an unchanged anonymous session sends no cookie and writes nothing', async () => {
    const store = createMemoryStore();
    const { sessions } = setup(store);
    const url = await serve(sessions.withSession((_session, _req, res) => res.end('ok')) as Handler);
    const response = await get(url);
    expect(await response.text()).toBe('ok');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await store.count()).toBe(0);
  });

  test('a handler that throws releases the response without committing', async () => {
    const store = createMemoryStore();
    const { sessions } = setup(store);
    const url = await serve(
      sessions.withSession((session) => {
        session.set('user', 'half');
        throw new Error('boom');
      }) as Handler,
    );
    const response = await get(url);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('handler failed');
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(await store.count()).toBe(0);
  });

  describe('a commit that fails', () => {
    const failingWrites: SessionStore = {
      capabilities: NO_CAPABILITIES,
      get: async () => null,
      set: () => Promise.reject(new SessionStoreError('down')),
      touch: async () => false,
      destroy: async () => false,
    };
    const prepare = (res: ServerResponse) => {
      res.setHeader('x-prepared', 'yes');
      res.setHeader('content-length', '5');
      res.end('saved');
    };

    test('with withSession: rejects into the framework error path, the prepared response discarded', async () => {
      const { sessions } = setup(failingWrites);
      const url = await serve(
        sessions.withSession((session, _req, res) => {
          session.set('user', 'x');
          prepare(res);
        }) as Handler,
      );
      const response = await get(url);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('handler failed');
      expect(response.headers.get('x-prepared')).toBeNull();
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    test('with getSession alone: answers a plain 500 itself', async () => {
      const { sessions } = setup(failingWrites);
      const errors: unknown[] = [];
      const original = console.error;
      console.error = (...args: unknown[]) => errors.push(args);
      try {
        const url = await serve(async (req, res) => {
          (await sessions.getSession(req, res)).set('user', 'x');
          prepare(res);
        });
        const response = await get(url);
        expect(response.status).toBe(500);
        expect(await response.text()).toBe('Internal Server Error');
        expect(response.headers.get('x-prepared')).toBeNull();
        expect(errors).toHaveLength(1);
      } finally {
        console.error = original;
      }
    });
  });

  test('a store that fails on load rejects getSession, and the response is not held', async () => {
    const down: SessionStore = {
      capabilities: NO_CAPABILITIES,
      get: () => Promise.reject(new SessionStoreError('down')),
      set: () => Promise.reject(new SessionStoreError('down')),
      touch: () => Promise.reject(new SessionStoreError('down')),
      destroy: () => Promise.reject(new SessionStoreError('down')),
    };
    const { manager } = setup();
    const issuer = await manager.load(null);
    issuer.set('user', 'ada');
    const cookie = (await manager.commit(issuer))?.split(';')[0];
    const { sessions } = setup(down);
    const url = await serve(sessions.withSession((_session, _req, res) => res.end('never')) as Handler);
    const response = await get(url, cookie);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('handler failed');
  });
});
