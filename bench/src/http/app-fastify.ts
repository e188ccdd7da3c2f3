import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { sessionPlugin } from '@sessionkit/fastify';
import Fastify, { type FastifyPluginCallback, type FastifyRequest } from 'fastify';
import { openSessionkitStore } from './child-stores';
import { openPeerStore } from './peer-stores';
import type { ServerApp } from './protocol';
import { type ChildEnv, MAX_AGE_MS, presentKeys, SECRET, seedData, type Variant } from './variants';

// @fastify/session declares `request.session` with its own type, as @sessionkit/fastify does; one
// program cannot see both declarations, so the peer plugins are loaded untyped.
const require = createRequire(import.meta.url);
type AnyPlugin = FastifyPluginCallback<Record<string, unknown>>;
const fastifyCookie = require('@fastify/cookie') as AnyPlugin;
const fastifySession = require('@fastify/session') as AnyPlugin;

/** The part of @fastify/session's Session this bench uses. */
interface PeerSession {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  regenerate(): Promise<void>;
}

type Query = { i?: string; k?: string; n?: string; anon?: string };

let writes = 0;

export async function fastifyApp(variant: Variant, env: ChildEnv): Promise<ServerApp> {
  const app = Fastify({ logger: false });
  const closers: Array<() => Promise<unknown>> = [];

  if (variant.library === 'bare') {
    // `pnpm calibrate`: a known amount of work per request, measured like any session layer.
    const busyWaitNs = BigInt(Number(env.BENCH_BUSY_WAIT_US ?? 0) * 1000);
    if (busyWaitNs > 0n) {
      app.addHook('onRequest', async () => {
        const until = process.hrtime.bigint() + busyWaitNs;
        while (process.hrtime.bigint() < until);
      });
    }
    app.get('/seed', async () => ({ ok: true }));
    app.get('/read', async () => ({ user: null }));
    app.get('/write', async () => ({ ok: ++writes }));
    app.get('/login', async () => ({ ok: true }));
  } else if (variant.library === 'sessionkit') {
    const opened = await openSessionkitStore(variant.store, env);
    closers.push(opened.close);
    await app.register(sessionPlugin, {
      store: opened.store,
      secrets: [SECRET],
      cookie: { secure: false },
      ...(env.BENCH_TOUCH_AFTER ? { touchAfter: Number(env.BENCH_TOUCH_AFTER) } : {}),
    });
    app.get<{ Querystring: Query }>('/seed', async (request) => {
      const data = seedData(Number(request.query.i));
      for (const [key, value] of Object.entries(data)) request.session.set(key, value);
      if (request.query.anon === undefined) request.session.setOwner(String(data.user));
      return { ok: true };
    });
    app.get('/read', async (request) => ({ user: request.session.get('user') ?? null }));
    app.get('/write', async (request) => {
      request.session.set('n', ++writes);
      return { ok: true };
    });
    app.get('/login', async (request) => {
      request.session.regenerate();
      request.session.set('user', 'user-login');
      request.session.setOwner('user-login');
      return { ok: true };
    });
    app.get<{ Querystring: Query }>('/lost', async (request) => {
      request.session.set(`k${request.query.k}`, 1);
      request.session.update('counter', (n: unknown) => (typeof n === 'number' ? n : 0) + 1);
      return { ok: true };
    });
    app.get<{ Querystring: Query }>('/dump', async (request) => ({
      keys: presentKeys((k) => request.session.get(k), request.query.n),
      counter: request.session.get('counter') ?? 0,
    }));
  } else {
    // @fastify/session takes express-session's stores (it documents connect-redis for Redis).
    const { store, close } = await openPeerStore(variant.store, env);
    closers.push(close);
    await app.register(fastifyCookie);
    // saveUninitialized: false so, like sessionkit, an untouched visit stores nothing; rolling:
    // false (its default is true) so it does not send the cookie on every response either, as
    // express-session and sessionkit do not: the comparison the benchmark issue asks for.
    await app.register(fastifySession, {
      secret: SECRET,
      cookie: { secure: false, maxAge: MAX_AGE_MS },
      saveUninitialized: false,
      rolling: false,
      ...(store ? { store } : {}),
    });
    const bag = (request: FastifyRequest) => (request as unknown as { session: PeerSession }).session;
    app.get<{ Querystring: Query }>('/seed', async (request) => {
      const data = seedData(Number(request.query.i));
      if (request.query.anon !== undefined) delete data.user;
      for (const [key, value] of Object.entries(data)) bag(request).set(key, value);
      return { ok: true };
    });
    app.get('/read', async (request) => ({ user: bag(request).get('user') ?? null }));
    app.get('/write', async (request) => {
      bag(request).set('n', ++writes);
      return { ok: true };
    });
    app.get('/login', async (request) => {
      await bag(request).regenerate();
      bag(request).set('user', 'user-login');
      return { ok: true };
    });
    app.get<{ Querystring: Query }>('/lost', async (request) => {
      const s = bag(request);
      s.set(`k${request.query.k}`, 1);
      s.set('counter', ((s.get('counter') as number) || 0) + 1);
      return { ok: true };
    });
    app.get<{ Querystring: Query }>('/dump', async (request) => {
      const s = bag(request);
      return { keys: presentKeys((k) => s.get(k), request.query.n), counter: s.get('counter') ?? 0 };
    });
  }

  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    async close() {
      await app.close();
      for (const close of closers) await close();
    },
  };
}
