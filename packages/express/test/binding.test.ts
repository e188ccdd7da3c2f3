import { createSessionManager, isSessionError, type SessionStore } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { createSessionMiddleware, sessionOf } from '../src/index';
import { Client, EXPRESS_VERSIONS, faultyStore, SECRET, serve, storeVariants } from './helpers';

type Data = { user: string; views: number };

const stores = await storeVariants();

for (const { name: version, express } of EXPRESS_VERSIONS) {
  /** A small app exercising every session operation a handler has. */
  async function start(store: SessionStore): Promise<Client> {
    const app = express();
    app.use(createSessionMiddleware<Data>({ store, secrets: [SECRET] }));
    app.post('/login', (req, res) => {
      const session = sessionOf<Data>(req);
      session.regenerate();
      session.set('user', String(req.query.user));
      session.flash('notice', `welcome ${String(req.query.user)}`);
      res.redirect('/me');
    });
    app.get('/me', (req, res) => {
      const session = sessionOf<Data>(req);
      res.json({ user: session.get('user') ?? null, notice: session.getFlash('notice') ?? null });
    });
    app.post('/views', (req, res) => {
      res.json(sessionOf<Data>(req).update('views', (n = 0) => n + 1));
    });
    app.post('/logout', (req, res) => {
      sessionOf<Data>(req).destroy();
      res.redirect('/me');
    });
    return new Client(await serve(app));
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
        const anonymous = await client.fetch('/me');
        expect(anonymous.headers.getSetCookie()).toEqual([]);
        await client.fetch('/login?user=bob', { method: 'POST' });
        await client.fetch('/me'); // consumes the flash: a write
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
        const planted = new Client(client.base);
        const res = await planted.fetch('/me', { headers: { cookie: before } });
        expect(await res.json()).toEqual({ user: null, notice: null });
      });

      test('destroy clears the cookie and deletes the session', async () => {
        const client = await start(await variant.create());
        await client.fetch('/login?user=dave', { method: 'POST' });
        const cookie = client.cookieHeader();
        const logout = await client.fetch('/logout', { method: 'POST' });
        expect(logout.status).toBe(302);
        expect(logout.headers.getSetCookie()[0]).toMatch(/^sid=; .*Max-Age=0/);
        expect(client.jar.size).toBe(0);
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

    test('accepts a ready SessionManager, and rejects invalid options at construction', async () => {
      const manager = createSessionManager<Data>({ store: faultyStore({}), secrets: [SECRET] });
      const app = express();
      app.use(createSessionMiddleware(manager));
      app.get('/', (req, res) => {
        res.send(String(sessionOf<Data>(req).update('views', (n = 0) => n + 1)));
      });
      const client = new Client(await serve(app));
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

    test('sessionOf() without the middleware says how to fix it', async () => {
      const app = express();
      app.get('/', (req, res) => {
        res.send(String(sessionOf(req)));
      });
      app.use(
        (
          err: Error,
          _req: unknown,
          res: { status(n: number): { send(s: string): void } },
          _next: unknown,
        ) => {
          res.status(500).send(err.message);
        },
      );
      const body = await new Client(await serve(app)).text('/');
      expect(body).toMatch(/mount createSessionMiddleware/);
    });
  });
}
