import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSessionMiddleware, type SessionContext } from '@sessionkit/koa';
import Koa from 'koa';
import redisStore from 'koa-redis';
import createSession from 'koa-session';
import { openSessionkitStore } from './child-stores';
import type { ServerApp } from './protocol';
import { type ChildEnv, MAX_AGE_MS, presentKeys, SECRET, seedData, type Variant } from './variants';

type Bag = Record<string, unknown>;
/** koa-session's ctx.session: the data as properties, plus regenerate(). */
type PeerSession = Bag & { regenerate(): Promise<void> };

let writes = 0;

export async function koaApp(variant: Variant, env: ChildEnv): Promise<ServerApp> {
  const closers: Array<() => Promise<unknown>> = [];
  let app: Koa;

  if (variant.library === 'bare') {
    app = new Koa();
    app.use((ctx) => {
      if (ctx.path === '/read') ctx.body = { user: null };
      else if (ctx.path === '/write') ctx.body = { ok: ++writes };
      else ctx.body = { ok: true };
    });
  } else if (variant.library === 'sessionkit') {
    const opened = await openSessionkitStore(variant.store, env);
    closers.push(opened.close);
    const skApp = new Koa<Koa.DefaultState, SessionContext>();
    skApp.use(
      createSessionMiddleware({
        store: opened.store,
        secrets: [SECRET],
        cookie: { secure: false },
        ...(env.BENCH_TOUCH_AFTER ? { touchAfter: Number(env.BENCH_TOUCH_AFTER) } : {}),
      }),
    );
    skApp.use((ctx) => {
      const s = ctx.session;
      switch (ctx.path) {
        case '/seed': {
          const data = seedData(Number(ctx.query.i));
          for (const [key, value] of Object.entries(data)) s.set(key, value);
          if (ctx.query.anon === undefined) s.setOwner(String(data.user));
          ctx.body = { ok: true };
          return;
        }
        case '/read':
          ctx.body = { user: s.get('user') ?? null };
          return;
        case '/write':
          s.set('n', ++writes);
          ctx.body = { ok: true };
          return;
        case '/login':
          s.regenerate();
          s.set('user', 'user-login');
          s.setOwner('user-login');
          ctx.body = { ok: true };
          return;
        case '/lost':
          s.set(`k${String(ctx.query.k)}`, 1);
          s.update('counter', (n: unknown) => (typeof n === 'number' ? n : 0) + 1);
          ctx.body = { ok: true };
          return;
        case '/dump':
          ctx.body = { keys: presentKeys((k) => s.get(k), ctx.query.n), counter: s.get('counter') ?? 0 };
          return;
      }
    });
    app = skApp as unknown as Koa;
  } else {
    app = new Koa();
    app.keys = [SECRET];
    let store: ReturnType<typeof redisStore> | undefined;
    if (variant.store === 'redis') {
      store = redisStore({ url: env.BENCH_REDIS_URL, keyPrefix: `${env.BENCH_PREFIX}:` });
      const client = store.client;
      closers.push(async () => client.disconnect());
    }
    // koa-session's defaults (cookie store unless `store` is given), with a one-day maxAge.
    app.use(createSession({ maxAge: MAX_AGE_MS, secure: false, ...(store ? { store } : {}) }, app));
    app.use(async (ctx) => {
      const s = (ctx as unknown as { session: PeerSession }).session;
      switch (ctx.path) {
        case '/seed': {
          const data = seedData(Number(ctx.query.i));
          if (ctx.query.anon !== undefined) delete data.user;
          Object.assign(s, data);
          ctx.body = { ok: true };
          return;
        }
        case '/read':
          ctx.body = { user: s.user ?? null };
          return;
        case '/write':
          s.n = ++writes;
          ctx.body = { ok: true };
          return;
        case '/login': {
          await s.regenerate();
          const fresh = (ctx as unknown as { session: PeerSession }).session;
          fresh.user = 'user-login';
          ctx.body = { ok: true };
          return;
        }
        case '/lost':
          s[`k${String(ctx.query.k)}`] = 1;
          s.counter = ((s.counter as number) || 0) + 1;
          ctx.body = { ok: true };
          return;
        case '/dump':
          ctx.body = { keys: presentKeys((k) => s[k], ctx.query.n), counter: s.counter ?? 0 };
          return;
      }
    });
  }

  const server = createServer(app.callback());
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
