import { isSessionError, type SessionManagerOptions } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { sessionPlugin } from '../src/index';
import { Client, createApp, faultyStore, SECRET, serve } from './helpers';

describe("fastify 5: store failures become the reply's error and nothing hangs", () => {
  /** An app with an error handler; `seen` records what reached it. */
  async function start(
    options: Partial<SessionManagerOptions> & Pick<SessionManagerOptions, 'store'>,
    withErrorHandler = true,
  ) {
    const seen: { handled: number; errors: unknown[] } = { handled: 0, errors: [] };
    const app = createApp();
    await app.register(sessionPlugin, { secrets: [SECRET], storeTimeout: 300, ...options });
    if (withErrorHandler) {
      app.setErrorHandler(async (error, _request, reply) => {
        seen.errors.push(error);
        return reply.status(503).send(`error handler: ${(error as { code?: string }).code}`);
      });
    }
    app.get('/', async (request, reply) => {
      seen.handled++;
      request.session.set('n', 1);
      reply.header('x-handler', 'yes');
      return reply.status(201).send(`degraded=${request.session.degraded}`);
    });
    return { client: new Client(await serve(app)), seen };
  }

  test('a failing load reaches the error handler; the route never runs', async () => {
    const { client, seen } = await start({ store: faultyStore({ get: 'reject' }) });
    await client.text('/');
    const res = await client.fetch('/');
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('error handler: SESSION_STORE_ERROR');
    expect(seen.handled).toBe(1);
    expect(isSessionError(seen.errors[0], 'SESSION_STORE_ERROR')).toBe(true);
  });

  test("a failing commit replaces the handler's reply with the error handler's", async () => {
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

  test("without an error handler, Fastify's default error reply (500) goes out", async () => {
    const { client } = await start({ store: faultyStore({ set: 'reject' }) }, false);
    const res = await client.fetch('/');
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'SESSION_STORE_ERROR' });
  });

  test('a reply whose head cannot be written, after the commit, still gets an error reply', async () => {
    // Fastify writes the head after the onSend hooks; a header value Node refuses throws there,
    // inside the plugin's `done`. That must reach Fastify's error path, as it would from a hook
    // that returned a promise, not escape as an unhandled rejection.
    const app = createApp();
    await app.register(sessionPlugin, { store: faultyStore({}), secrets: [SECRET] });
    app.get('/', async (request, reply) => {
      request.session.set('n', 1);
      reply.header('x-bad', 'line\nbreak');
      return 'body';
    });
    const res = await new Client(await serve(app)).fetch('/');
    expect(res.status).toBe(500);
  });

  test('fail-open: the route runs with a degraded session and the reply goes out', async () => {
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
});
