import { createSessionManager, isSessionError, type SessionStore } from '@sessionkit/core';
import type { DefaultState, Middleware, ParameterizedContext } from 'koa';
import { describe, expect, test } from 'vitest';
import { createSessionMiddleware, type SessionContext } from '../src/index';
import { Client, faultyStore, KOA_VERSIONS, SECRET, serve, storeVariants } from './helpers';

type Data = { user: string; views: number };
type Route = Middleware<DefaultState, SessionContext<Data>>;

const stores = await storeVariants();

for (const { name: version, Koa } of KOA_VERSIONS) {
  /** A small app exercising every session operation a handler has; routes keyed by "METHOD /path". */
  async function start(store: SessionStore, extra: Record<string, Route> = {}): Promise<Client> {
    const app = new Koa<DefaultState, SessionContext<Data>>();
    app.use(createSessionMiddleware<Data>({ store, secrets: [SECRET] }));
    const routes: Record<string, Route> = {
      'POST /login': (ctx) => {
        ctx.session.regenerate();
        ctx.session.set('user', String(ctx.query.user));
        ctx.session.flash('notice', `welcome ${String(ctx.query.user)}`);
        ctx.redirect('/me');
      },
      'GET /me': (ctx) => {
        ctx.body = { user: ctx.session.get('user') ?? null, notice: ctx.session.getFlash('notice') ?? null };
      },
      'POST /views': (ctx) => {
        ctx.body = ctx.session.update('views', (n = 0) => n + 1);
      },
      'POST /logout': (ctx) => {
        ctx.session.destroy();
        ctx.redirect('/me');
      },
      ...extra,
    };
    app.use((ctx, next) => routes[`${ctx.method} ${ctx.path}`]?.(ctx, next));
    return new Client(await serve(app.callback()));
  }

  for (const variant of stores) {
    describe.skipIf(variant.skip)(`${version}, ${variant.title}`, () => {
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
    });
  }

  describe(`${version}: commit before the head`, () => {
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

    test('a streamed body goes out after the commit, with the cookie', async () => {
      const { Readable } = await import('node:stream');
      const client = await start(faultyStore({ set: 50 }), {
        'GET /stream': (ctx) => {
          ctx.session.set('user', 'streamer');
          ctx.body = Readable.from(['a', 'b', 'c']);
        },
      });
      const res = await client.fetch('/stream');
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await res.text()).toBe('abc');
      expect(await (await client.fetch('/me')).json()).toMatchObject({ user: 'streamer' });
    });

    test('accepts a ready SessionManager, and rejects invalid options at construction', async () => {
      const manager = createSessionManager<Data>({ store: faultyStore({}), secrets: [SECRET] });
      const app = new Koa<DefaultState, SessionContext<Data>>();
      app.use(createSessionMiddleware(manager));
      app.use((ctx) => {
        ctx.body = String(ctx.session.update('views', (n = 0) => n + 1));
      });
      const client = new Client(await serve(app.callback()));
      expect(await client.text('/')).toBe('1');
      expect(await client.text('/')).toBe('2');
      let error: unknown;
      try {
        createSessionMiddleware({ store: faultyStore({}), secrets: ['short'] });
      } catch (e) {
        error = e;
      }
      expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
    });
  });
}

test('ctx.session is typed by SessionContext<Data> (asserted by tsc)', () => {
  const typed = (ctx: ParameterizedContext<DefaultState, SessionContext<Data>>) => {
    const views: number | undefined = ctx.session.get('views');
    // @ts-expect-error views is declared as a number
    ctx.session.set('views', 'many');
    // @ts-expect-error not a key of Data
    ctx.session.get('nope');
    return views;
  };
  expect(typed).toBeTypeOf('function');
});
