import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSessionMiddleware, sessionOf } from '@sessionkit/express';
import express, { type Request } from 'express';
import session from 'express-session';
import { openSessionkitStore } from './child-stores';
import { openPeerStore } from './peer-stores';
import type { ServerApp } from './protocol';
import { loginData, seedFor, setupOptions } from './setups';
import { type ChildEnv, MAX_AGE_MS, presentKeys, SECRET, type Variant } from './variants';

type Bag = Record<string, unknown>;
type PeerSession = session.Session & Bag;

let writes = 0;

export async function expressApp(variant: Variant, env: ChildEnv): Promise<ServerApp> {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  const closers: Array<() => Promise<unknown>> = [];
  // Empty but for the 10 KB setups, whose sign-in stores the 10 KB session (src/http/setups.ts).
  const signIn = loginData(variant.setup);

  if (variant.library === 'bare') {
    app.get('/seed', (_req, res) => void res.json({ ok: true }));
    app.get('/read', (_req, res) => void res.json({ user: null }));
    app.get('/write', (_req, res) => void res.json({ ok: ++writes }));
    app.get('/login', (_req, res) => void res.json({ ok: true }));
  } else if (variant.library === 'sessionkit') {
    const opened = await openSessionkitStore(variant.store, env, variant.setup);
    closers.push(opened.close);
    app.use(
      createSessionMiddleware({
        store: opened.store,
        secrets: [SECRET],
        cookie: { secure: false },
        ...(env.BENCH_TOUCH_AFTER ? { touchAfter: Number(env.BENCH_TOUCH_AFTER) } : {}),
        ...setupOptions(variant.setup),
      }),
    );
    const signInEntries = Object.entries(signIn);
    app.get('/seed', (req, res) => {
      const s = sessionOf(req);
      const data = seedFor(variant.setup, Number(req.query.i));
      for (const [key, value] of Object.entries(data)) s.set(key, value);
      if (req.query.anon === undefined) s.setOwner(String(data.user));
      res.json({ ok: true });
    });
    app.get('/read', (req, res) => void res.json({ user: sessionOf(req).get('user') ?? null }));
    app.get('/write', (req, res) => {
      sessionOf(req).set('n', ++writes);
      res.json({ ok: true });
    });
    app.get('/login', (req, res) => {
      const s = sessionOf(req);
      s.regenerate();
      for (const [key, value] of signInEntries) s.set(key, value);
      s.set('user', 'user-login');
      s.setOwner('user-login');
      res.json({ ok: true });
    });
    app.get('/lost', (req, res) => {
      const s = sessionOf(req);
      s.set(`k${String(req.query.k)}`, 1);
      s.update('counter', (n: unknown) => (typeof n === 'number' ? n : 0) + 1);
      res.json({ ok: true });
    });
    app.get('/dump', (req, res) => {
      const s = sessionOf(req);
      res.json({ keys: presentKeys((k) => s.get(k), req.query.n), counter: s.get('counter') ?? 0 });
    });
  } else {
    const { store, close } = await openPeerStore(variant.store, env);
    closers.push(close);
    // express-session's README settings for a login session; MemoryStore when no store is given.
    app.use(
      session({
        secret: SECRET,
        resave: false,
        saveUninitialized: false,
        cookie: { maxAge: MAX_AGE_MS, secure: false },
        ...(store ? { store } : {}),
      }),
    );
    const bag = (req: Request) => req.session as PeerSession;
    app.get('/seed', (req, res) => {
      const data = seedFor(variant.setup, Number(req.query.i));
      if (req.query.anon !== undefined) delete data.user;
      Object.assign(bag(req), data);
      res.json({ ok: true });
    });
    app.get('/read', (req, res) => void res.json({ user: bag(req).user ?? null }));
    app.get('/write', (req, res) => {
      bag(req).n = ++writes;
      res.json({ ok: true });
    });
    app.get('/login', (req, res, next) => {
      req.session.regenerate((error) => {
        if (error) return next(error);
        Object.assign(bag(req), signIn);
        bag(req).user = 'user-login';
        res.json({ ok: true });
      });
    });
    app.get('/lost', (req, res) => {
      const s = bag(req);
      s[`k${String(req.query.k)}`] = 1;
      s.counter = ((s.counter as number) || 0) + 1;
      res.json({ ok: true });
    });
    app.get('/dump', (req, res) => {
      const s = bag(req);
      res.json({ keys: presentKeys((k) => s[k], req.query.n), counter: s.counter ?? 0 });
    });
  }

  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      for (const close of closers) await close();
    },
  };
}
