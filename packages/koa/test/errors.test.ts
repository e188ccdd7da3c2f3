import { isSessionError, type SessionManagerOptions } from '@sessionkit/core';
import type { DefaultState } from 'koa';
import { describe, expect, test } from 'vitest';
import { createSessionMiddleware, type SessionContext } from '../src/index';
import { Client, faultyStore, KOA_VERSIONS, SECRET, serve } from './helpers';

for (const { name: version, Koa } of KOA_VERSIONS) {
  describe(`${version}: store failures are thrown into Koa's error path and nothing hangs`, () => {
    /** An app with an error-handling middleware upstream; `seen` records what reached it. */
    async function start(
      options: Partial<SessionManagerOptions> & Pick<SessionManagerOptions, 'store'>,
      route: (ctx: SessionContext & { body: unknown; status: number }) => void = (ctx) => {
        ctx.session.set('n', 1);
        ctx.status = 201;
        ctx.body = `degraded=${ctx.session.degraded}`;
      },
    ) {
      const seen: { handled: number; errors: unknown[] } = { handled: 0, errors: [] };
      const app = new Koa<DefaultState, SessionContext>();
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          seen.errors.push(err);
          ctx.status = 503;
          ctx.body = `error handler: ${(err as { code?: string }).code}`;
        }
      });
      app.use(createSessionMiddleware({ secrets: [SECRET], storeTimeout: 300, ...options }));
      app.use((ctx) => {
        seen.handled++;
        route(ctx);
      });
      return { client: new Client(await serve(app.callback())), seen };
    }

    test('a failing load reaches the error handler; the downstream middleware never runs', async () => {
      const { client, seen } = await start({ store: faultyStore({ get: 'reject' }) });
      await client.text('/');
      const res = await client.fetch('/');
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('error handler: SESSION_STORE_ERROR');
      expect(seen.handled).toBe(1);
      expect(isSessionError(seen.errors[0], 'SESSION_STORE_ERROR')).toBe(true);
    });

    test('a failing commit reaches the error handler, which answers instead', async () => {
      const { client, seen } = await start({ store: faultyStore({ set: 'reject' }) });
      const res = await client.fetch('/');
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('error handler: SESSION_STORE_ERROR');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(seen.errors).toHaveLength(1);
    });

    test('a store that never answers times out into the error handler', async () => {
      const { client } = await start({ store: faultyStore({ set: 'hang' }) });
      const started = performance.now();
      expect(await client.text('/')).toBe('error handler: SESSION_STORE_TIMEOUT');
      expect(performance.now() - started).toBeLessThan(3_000);
    });

    test("without an error-handling middleware, Koa's own error response (500) goes out", async () => {
      const app = new Koa<DefaultState, SessionContext>();
      app.silent = true;
      app.use(createSessionMiddleware({ store: faultyStore({ set: 'reject' }), secrets: [SECRET] }));
      app.use((ctx) => {
        ctx.session.set('n', 1);
        ctx.body = 'ok';
      });
      const res = await new Client(await serve(app.callback())).fetch('/');
      expect(res.status).toBe(500);
      expect(await res.text()).not.toBe('ok');
    });

    test('a downstream error is rethrown after the commit, which still happened (destroy is not lost)', async () => {
      const inner = faultyStore({});
      const healthy = await start({ store: inner });
      await healthy.client.fetch('/');
      const cookie = healthy.client.cookieHeader();
      const { client, seen } = await start({ store: inner }, (ctx) => {
        ctx.session.destroy();
        throw Object.assign(new Error('route failed'), { code: 'ROUTE' });
      });
      const res = await client.fetch('/', { headers: { cookie } });
      expect(await res.text()).toBe('error handler: ROUTE');
      expect(seen.errors).toHaveLength(1);
      const after = await start({ store: inner }, (ctx) => {
        ctx.body = `new=${ctx.session.isNew}`;
      });
      expect(await after.client.text('/', { headers: { cookie } })).toBe('new=true');
    });

    test('fail-open: downstream runs with a degraded session and the response goes out', async () => {
      const inner = faultyStore({});
      const healthy = await start({ store: inner });
      await healthy.client.fetch('/');
      const { client, seen } = await start({
        store: faultyStore({ get: 'reject', set: 'reject' }, inner),
        onStoreError: 'fail-open',
      });
      const res = await client.fetch('/', { headers: { cookie: healthy.client.cookieHeader() } });
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('degraded=true');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(seen.errors).toEqual([]);
    });

    test('a response written around Koa (respond = false) cannot get the cookie: reported, not hidden', async () => {
      const app = new Koa<DefaultState, SessionContext>();
      const reported: unknown[] = [];
      app.on('error', (err) => reported.push(err));
      app.use(createSessionMiddleware({ store: faultyStore({}), secrets: [SECRET] }));
      app.use((ctx) => {
        ctx.session.set('n', 1);
        ctx.respond = false;
        ctx.res.end('raw');
      });
      expect(await new Client(await serve(app.callback())).text('/')).toBe('raw');
      await expect.poll(() => reported.length).toBe(1);
      expect(isSessionError(reported[0], 'SESSION_STATE_INVALID')).toBe(true);
    });
  });
}
