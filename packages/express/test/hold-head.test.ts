import { Readable } from 'node:stream';
import { createMemoryStore, isSessionError, type SessionStore } from '@sessionkit/core';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { describe, expect, test } from 'vitest';
import { createSessionMiddleware, sessionOf } from '../src/index';
import { Client, EXPRESS_VERSIONS, faultyStore, SECRET, serve } from './helpers';

const HEAD_SENDERS = ['writeHead', 'flushHeaders', 'write', 'end'];

const report: ErrorRequestHandler = (err, _req, res, _next) => {
  res.status(500).send(`error handler: ${(err as Error).message}`);
};

for (const { name: version, express } of EXPRESS_VERSIONS) {
  async function start(
    route: RequestHandler,
    options: { store?: SessionStore; before?: RequestHandler } = {},
  ) {
    const app = express();
    if (options.before) app.use(options.before);
    app.use(createSessionMiddleware({ store: options.store ?? createMemoryStore(), secrets: [SECRET] }));
    app.get('/', route);
    app.get('/read', (req, res) => {
      res.send(String(sessionOf(req).get('value')));
    });
    app.use(report);
    return new Client(await serve(app));
  }

  describe(`${version}: responses that send their head early`, () => {
    test('a streamed response: the first write commits first, then the head and every chunk go out', async () => {
      const client = await start(async (req, res) => {
        sessionOf(req).set('value', 'streamed');
        res.write('one,');
        await new Promise((resolve) => setTimeout(resolve, 20));
        res.write('two,');
        res.end('three');
      });
      const res = await client.fetch('/');
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await res.text()).toBe('one,two,three');
      expect(await client.text('/read')).toBe('streamed');
    });

    test('the head is held while a slow store commits, even when the handler flushes it', async () => {
      let committed = 0;
      const store = faultyStore({ set: 120 });
      const client = await start(
        (req, res) => {
          sessionOf(req).set('value', 'flushed');
          res.flushHeaders();
          setTimeout(() => res.end('done'), 10);
        },
        { store: new Proxy(store, { get: (t, p, r) => (p === 'set' ? track : Reflect.get(t, p, r)) }) },
      );
      async function track(...args: Parameters<SessionStore['set']>) {
        await store.set(...args);
        committed = performance.now();
      }
      const res = await client.fetch('/');
      const headArrived = performance.now();
      expect(committed, 'the commit finished before the head arrived').toBeGreaterThan(0);
      expect(headArrived).toBeGreaterThanOrEqual(committed);
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await res.text()).toBe('done');
    });

    test('changing the session after the first write is refused (it was committed)', async () => {
      const client = await start((req, res) => {
        const session = sessionOf(req);
        session.set('value', 'before');
        res.write('x');
        try {
          session.set('value', 'after');
          res.end(' accepted');
        } catch (error) {
          res.end(` ${isSessionError(error, 'SESSION_STATE_INVALID')}`);
        }
      });
      expect(await client.text('/')).toBe('x true');
      expect(await client.text('/read')).toBe('before');
    });

    test('writeHead(status, headers) keeps its status and headers and gains the Set-Cookie', async () => {
      const client = await start((req, res) => {
        sessionOf(req).set('value', 'head');
        res.writeHead(201, { 'x-custom': 'kept', 'content-type': 'text/plain' });
        res.end('created');
      });
      const res = await client.fetch('/');
      expect(res.status).toBe(201);
      expect(res.headers.get('x-custom')).toBe('kept');
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await res.text()).toBe('created');
    });

    test('a large piped stream waits for the commit (backpressure) and arrives whole', async () => {
      const chunk = 'x'.repeat(64 * 1024);
      const client = await start(
        (req, res) => {
          sessionOf(req).set('value', 'piped');
          Readable.from(
            (function* () {
              for (let i = 0; i < 128; i++) yield chunk;
            })(),
          ).pipe(res);
        },
        { store: faultyStore({ set: 50 }) },
      );
      const res = await client.fetch('/');
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect((await res.text()).length).toBe(128 * chunk.length);
    });

    test('a response wrapper mounted before the middleware sees every chunk exactly once', async () => {
      const upperCase: RequestHandler = (_req, res, next) => {
        const write = res.write.bind(res) as (chunk: unknown) => boolean;
        const end = res.end.bind(res) as (chunk?: unknown) => typeof res;
        res.write = ((chunk: unknown) => write(String(chunk).toUpperCase())) as typeof res.write;
        res.end = ((chunk?: unknown) =>
          end(chunk === undefined ? undefined : String(chunk).toUpperCase())) as typeof res.end;
        next();
      };
      const client = await start(
        (req, res) => {
          sessionOf(req).set('value', 'wrapped');
          res.write('a');
          res.end('b');
        },
        { before: upperCase },
      );
      expect(await client.text('/')).toBe('AB');
    });

    test("an error the handler's call would have thrown goes to the error handler after the commit", async () => {
      const client = await start((req, res) => {
        sessionOf(req).set('value', 'x');
        res.writeHead(1000);
        res.end();
      });
      const res = await client.fetch('/');
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/^error handler: .*1000/);
    });
  });

  describe(`${version}: where the hold applies`, () => {
    test('middleware in a mounted sub-app commits a response sent after the sub-app fell through', async () => {
      const app = express();
      const sub = express();
      sub.use(createSessionMiddleware({ store: createMemoryStore(), secrets: [SECRET] }));
      sub.use((req, _res, next) => {
        sessionOf(req).set('value', 'from the sub-app');
        next();
      });
      app.use(sub);
      // Express moves the response back to the parent app's prototype before this runs.
      app.get('/', (req, res) => void res.send(String(sessionOf(req).get('value'))));
      const client = new Client(await serve(app));
      const res = await client.fetch('/');
      expect(res.headers.getSetCookie()).toHaveLength(1);
      expect(await res.text()).toBe('from the sub-app');
      expect(await client.text('/')).toBe('from the sub-app');
    });

    test('two session middlewares on one app both commit before the head leaves', async () => {
      const app = express();
      const store = createMemoryStore();
      app.use(createSessionMiddleware({ store, secrets: [SECRET], cookie: { name: 'a' } }));
      const first: RequestHandler = (req, _res, next) => {
        sessionOf(req).set('value', 'a');
        next();
      };
      app.use(first);
      app.use(createSessionMiddleware({ store, secrets: [SECRET], cookie: { name: 'b' } }));
      app.get('/', (req, res) => {
        sessionOf(req).set('value', 'b');
        res.end('ok');
      });
      const res = await new Client(await serve(app)).fetch('/');
      const names = res.headers.getSetCookie().map((cookie) => cookie.split('=')[0]);
      expect(names.sort()).toEqual(['a', 'b']);
    });

    test('responses of an Express app get no per-request wrappers (the fast path), request after request', async () => {
      const client = await start((req, res) => {
        sessionOf(req).set('value', 'x');
        res.end(String(HEAD_SENDERS.some((name) => Object.hasOwn(res, name))));
      });
      for (let i = 0; i < 5; i++) expect(await client.text('/')).toBe('false');
    });

    test('an app without the middleware, in the same process, answers as usual', async () => {
      await start((req, res) => {
        sessionOf(req).set('value', 'x');
        res.end('held');
      });
      const plain = express();
      plain.get('/', (_req, res) => {
        res.write('a');
        res.end('b');
      });
      const res = await new Client(await serve(plain)).fetch('/');
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(await res.text()).toBe('ab');
    });
  });
}
