import { isSessionError, type SessionManagerOptions } from '@sessionkit/core';
import type { ErrorRequestHandler } from 'express';
import { describe, expect, test } from 'vitest';
import { createSessionMiddleware, sessionOf } from '../src/index';
import { Client, EXPRESS_VERSIONS, faultyStore, SECRET, serve } from './helpers';

for (const { name: version, express } of EXPRESS_VERSIONS) {
  describe(`${version}: store failures reach next(err) and nothing hangs`, () => {
    /** An app whose error handler reports what reached it; `seen` records what the handler did. */
    async function start(options: Partial<SessionManagerOptions> & Pick<SessionManagerOptions, 'store'>) {
      const seen: { handled: number; errors: unknown[] } = { handled: 0, errors: [] };
      const app = express();
      app.use((_req, res, next) => {
        res.setHeader('x-frame-options', 'DENY'); // an earlier middleware's header
        next();
      });
      app.use(createSessionMiddleware({ secrets: [SECRET], storeTimeout: 300, ...options }));
      app.get('/write', (req, res) => {
        seen.handled++;
        const session = sessionOf(req);
        session.set('n', 1);
        res.setHeader('x-handler', 'yes');
        res.status(201).send(`degraded=${session.degraded}`);
      });
      const onError: ErrorRequestHandler = (err, _req, res, _next) => {
        seen.errors.push(err);
        res.status(503).send(`error handler: ${(err as { code?: string }).code}`);
      };
      app.use(onError);
      return { client: new Client(await serve(app)), seen };
    }

    test('a failing load goes to the error handler; the route never runs', async () => {
      const { client, seen } = await start({ store: faultyStore({ get: 'reject' }) });
      await client.text('/write'); // creates the session (get is not called without a cookie)
      const res = await client.fetch('/write');
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('error handler: SESSION_STORE_ERROR');
      expect(seen.handled).toBe(1);
      expect(isSessionError(seen.errors[0], 'SESSION_STORE_ERROR')).toBe(true);
    });

    test("a failing commit replaces the handler's response with the error handler's", async () => {
      const { client, seen } = await start({ store: faultyStore({ set: 'reject' }) });
      const res = await client.fetch('/write');
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('error handler: SESSION_STORE_ERROR');
      expect(res.headers.get('x-handler')).toBeNull();
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(seen.handled).toBe(1);
      expect(seen.errors).toHaveLength(1);
    });

    test('a store that never answers times out into the error handler (load and commit)', async () => {
      const hangingSet = await start({ store: faultyStore({ set: 'hang' }) });
      const started = performance.now();
      const res = await hangingSet.client.fetch('/write');
      expect(await res.text()).toBe('error handler: SESSION_STORE_TIMEOUT');
      expect(performance.now() - started).toBeLessThan(3_000);

      const inner = faultyStore({});
      const hangingGet = await start({ store: faultyStore({ get: 'hang' }, inner) });
      const healthy = await start({ store: inner });
      await healthy.client.fetch('/write');
      hangingGet.client.jar.set('sid', healthy.client.jar.get('sid') as string);
      expect(await hangingGet.client.text('/write')).toBe('error handler: SESSION_STORE_TIMEOUT');
    });

    test('without an error handler of the app, Express answers 500 instead of hanging', async () => {
      const app = express();
      app.use(createSessionMiddleware({ store: faultyStore({ set: 'reject' }), secrets: [SECRET] }));
      app.get('/', (req, res) => {
        sessionOf(req).set('n', 1);
        res.send('ok');
      });
      const res = await new Client(await serve(app)).fetch('/');
      expect(res.status).toBe(500);
      expect(await res.text()).not.toBe('ok');
    });

    test('fail-open: the route runs with a degraded session and the response goes out without a cookie', async () => {
      const inner = faultyStore({});
      const healthy = await start({ store: inner });
      await healthy.client.fetch('/write');
      const { client, seen } = await start({
        store: faultyStore({ get: 'reject', set: 'reject' }, inner),
        onStoreError: 'fail-open',
      });
      client.jar.set('sid', healthy.client.jar.get('sid') as string);
      const res = await client.fetch('/write');
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('degraded=true');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(seen.errors).toEqual([]);

      const fresh = await start({ store: faultyStore({ set: 'reject' }), onStoreError: 'fail-open' });
      const created = await fresh.client.fetch('/write');
      expect(created.status).toBe(201);
      expect(created.headers.getSetCookie()).toEqual([]);
    });
  });
}
