import { Readable } from 'node:stream';
import { createSessionManager, isSessionError, type SessionStore } from '@sessionkit/core';
import type { FastifyRequest } from 'fastify';
import { describe, expect, test } from 'vitest';
import { type FastifySessionData, sessionPlugin } from '../src/index';
import { Client, createApp, faultyStore, SECRET, serve, storeVariants } from './helpers';

declare module '../src/index' {
  interface FastifySessionData {
    user: string;
    views: number;
  }
}

const stores = await storeVariants();

/** A small app exercising every session operation a handler has. */
async function start(store: SessionStore): Promise<Client> {
  const app = createApp();
  await app.register(sessionPlugin, { store, secrets: [SECRET] });
  app.post<{ Querystring: { user: string } }>('/login', async (request, reply) => {
    request.session.regenerate();
    request.session.set('user', request.query.user);
    request.session.flash('notice', `welcome ${request.query.user}`);
    return reply.redirect('/me');
  });
  app.get('/me', async (request) => ({
    user: request.session.get('user') ?? null,
    notice: request.session.getFlash('notice') ?? null,
  }));
  app.post('/views', async (request) => String(request.session.update('views', (n = 0) => n + 1)));
  app.post('/logout', async (request, reply) => {
    request.session.destroy();
    return reply.redirect('/me');
  });
  app.get('/stream', async (request, reply) => {
    request.session.set('user', 'streamer');
    return reply.type('text/plain').send(Readable.from(['a', 'b', 'c']));
  });
  return new Client(await serve(app));
}

for (const variant of stores) {
  describe.skipIf(variant.skip)(`fastify 5, ${variant.title}`, () => {
    test('a value set before a redirect is seen by the request sent the moment the redirect arrives', async () => {
      const client = await start(await variant.create());
      for (let round = 0; round < 20; round++) {
        const redirect = await client.fetch(`/login?user=u${round}`, { method: 'POST' });
        expect(redirect.status).toBe(302);
        const location = redirect.headers.get('location') as string;
        expect(await (await client.fetch(location)).json()).toEqual({
          user: `u${round}`,
          notice: `welcome u${round}`,
        });
      }
    });

    test('a flash value is read once', async () => {
      const client = await start(await variant.create());
      await client.fetch('/login?user=ann', { method: 'POST' });
      expect(await (await client.fetch('/me')).json()).toEqual({ user: 'ann', notice: 'welcome ann' });
      expect(await (await client.fetch('/me')).json()).toEqual({ user: 'ann', notice: null });
    });

    test('an anonymous read sets no cookie and a read-only request sends no Set-Cookie', async () => {
      const client = await start(await variant.create());
      expect((await client.fetch('/me')).headers.getSetCookie()).toEqual([]);
      await client.fetch('/login?user=bob', { method: 'POST' });
      await client.fetch('/me');
      const readOnly = await client.fetch('/me');
      expect(await readOnly.json()).toEqual({ user: 'bob', notice: null });
      expect(readOnly.headers.getSetCookie()).toEqual([]);
    });

    test('regenerate moves the session to a new ID and the old cookie stops working', async () => {
      const client = await start(await variant.create());
      await client.fetch('/views', { method: 'POST' });
      const before = client.cookieHeader();
      await client.fetch('/login?user=carol', { method: 'POST' });
      expect(client.cookieHeader()).not.toBe(before);
      expect(await client.text('/views', { method: 'POST' })).toBe('2');
      const res = await new Client(client.base).fetch('/me', { headers: { cookie: before } });
      expect(await res.json()).toEqual({ user: null, notice: null });
    });

    test('destroy clears the cookie and deletes the session', async () => {
      const client = await start(await variant.create());
      await client.fetch('/login?user=dave', { method: 'POST' });
      const cookie = client.cookieHeader();
      const logout = await client.fetch('/logout', { method: 'POST' });
      expect(logout.status).toBe(302);
      expect(logout.headers.getSetCookie()[0]).toMatch(/^sid=; .*Max-Age=0/);
      const replay = await new Client(client.base).fetch('/me', { headers: { cookie } });
      expect(await replay.json()).toEqual({ user: null, notice: null });
    });

    test('parallel requests of one user each count (commit replays changes on conflict)', async () => {
      const client = await start(await variant.create());
      await client.fetch('/views', { method: 'POST' });
      await Promise.all(Array.from({ length: 8 }, () => client.fetch('/views', { method: 'POST' })));
      expect(await client.text('/views', { method: 'POST' })).toBe('10');
    });

    test('a streamed reply goes out after the commit, with the cookie', async () => {
      const client = await start(await variant.create());
      const res = await client.fetch('/stream');
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await res.text()).toBe('abc');
      expect(await (await client.fetch('/me')).json()).toMatchObject({ user: 'streamer' });
    });
  });
}

describe('fastify 5: commit before the head', () => {
  test('with a store that takes 150 ms to write, the redirect still never overtakes the save', async () => {
    let saved = 0;
    const inner = faultyStore({ set: 150 });
    const store = new Proxy(inner, {
      get: (target, property, receiver) =>
        property === 'set'
          ? async (...args: Parameters<SessionStore['set']>) => {
              await target.set(...args);
              saved = performance.now();
            }
          : Reflect.get(target, property, receiver),
    });
    const client = await start(store);
    const redirect = await client.fetch('/login?user=eve', { method: 'POST' });
    const headArrived = performance.now();
    expect(saved).toBeGreaterThan(0);
    expect(headArrived).toBeGreaterThanOrEqual(saved);
    expect(await (await client.fetch(redirect.headers.get('location') as string)).json()).toMatchObject({
      user: 'eve',
    });
  });

  test('a Set-Cookie of the handler is kept next to the session cookie', async () => {
    const app = createApp();
    await app.register(sessionPlugin, { store: faultyStore({}), secrets: [SECRET] });
    app.get('/', async (request, reply) => {
      request.session.set('user', 'x');
      reply.header('set-cookie', 'theme=dark; Path=/');
      return 'ok';
    });
    const res = await new Client(await serve(app)).fetch('/');
    expect(res.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['theme', 'sid']);
  });

  test('accepts a ready SessionManager as the plugin options, plugins registered later see request.session, bad options fail', async () => {
    const manager = createSessionManager<FastifySessionData>({ store: faultyStore({}), secrets: [SECRET] });
    const app = createApp();
    await app.register(sessionPlugin, manager);
    await app.register(async (child) => {
      child.get('/', async (request) => String(request.session.update('views', (n = 0) => n + 1)));
    });
    const client = new Client(await serve(app));
    expect(await client.text('/')).toBe('1');
    expect(await client.text('/')).toBe('2');

    const broken = createApp();
    const error = await broken.register(sessionPlugin, { store: faultyStore({}), secrets: ['short'] }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);

    // The manager goes in as it is, like in every binding; wrapped, it is neither shape.
    const wrapped = await createApp()
      .register(sessionPlugin, { manager } as never)
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(isSessionError(wrapped, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((wrapped as Error).message).toContain('got an object with only manager');
  });
});

test('request.session is typed by the FastifySessionData augmentation (asserted by tsc)', () => {
  const typed = (request: FastifyRequest) => {
    const views: number | undefined = request.session.get('views');
    // @ts-expect-error views is declared as a number
    request.session.set('views', 'many');
    return views;
  };
  expect(typed).toBeTypeOf('function');
});
