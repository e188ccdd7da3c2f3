/**
 * express-session's store contract, case by case, on SessionkitStore over every backend: the
 * required get / set / destroy, the recommended touch, the optional all / length / clear (and
 * ids), expiry taken from `cookie.expires` or, without one, from `ttl`, and errors handed to the
 * callback. The cases that involve express-session's own behaviour run through a real Express
 * app over HTTP.
 */
import { createEnvelope, createMemoryStore, isSessionError, sha256Base64url } from '@sessionkit/core';
import { uniquePrefix } from '@sessionkit/testing';
import express from 'express';
import session from 'express-session';
import { describe, expect, test } from 'vitest';
import { SessionkitStore } from '../src/index';
import { compatBackends } from './backends';
import { Client, faultyStore, SECRET, serve } from './helpers';

const backends = await compatBackends();

/** A store method's callback as a promise. */
const call = <T>(fn: (cb: (error?: unknown, value?: T) => void) => void) =>
  new Promise<T | undefined>((resolve, reject) =>
    fn((error, value) => (error ? reject(error) : resolve(value))),
  );

const cookieExpiring = (expires: Date | null) => ({
  originalMaxAge: expires ? expires.getTime() - Date.now() : null,
  expires,
  httpOnly: true,
  path: '/',
});
const data = (fields: Record<string, unknown>, expires: Date | null = new Date(Date.now() + 60_000)) =>
  ({ cookie: cookieExpiring(expires), ...fields }) as unknown as session.SessionData;

for (const backend of backends) {
  describe.skipIf(backend.skip)(`express-session store contract on SessionkitStore, ${backend.title}`, () => {
    async function compatStore(options: { hashIds?: boolean; ttl?: number } = {}) {
      const store = await backend.create();
      const prefix = `${uniquePrefix('es')}:`;
      return { store, prefix, compat: new SessionkitStore({ store, prefix, ...options }) };
    }

    test('get: a session that was never set is null, with no error', async () => {
      const { compat } = await compatStore();
      expect(await call((cb) => compat.get('nobody', cb))).toBeNull();
    });

    test('set then get: the data comes back as JSON would carry it (Dates become strings)', async () => {
      const { compat } = await compatStore();
      const at = new Date('2026-01-02T03:04:05.000Z');
      await call((cb) => compat.set('s1', data({ user: 'ann', at, tags: ['x'], n: 0 }), cb));
      expect(await call((cb) => compat.get('s1', cb))).toMatchObject({
        user: 'ann',
        at: at.toISOString(),
        tags: ['x'],
        n: 0,
      });
    });

    test('set overwrites: the last writer wins, as with every express-session store', async () => {
      const { compat } = await compatStore();
      await call((cb) => compat.set('s1', data({ n: 1 }), cb));
      await call((cb) => compat.set('s1', data({ n: 2 }), cb));
      expect(await call((cb) => compat.get('s1', cb))).toMatchObject({ n: 2 });
    });

    test('destroy: the session is gone; destroying it again is not an error', async () => {
      const { compat } = await compatStore();
      await call((cb) => compat.set('s1', data({ n: 1 }), cb));
      await call((cb) => compat.destroy('s1', cb));
      expect(await call((cb) => compat.get('s1', cb))).toBeNull();
      await call((cb) => compat.destroy('s1', cb));
    });

    test('expiry from cookie.expires: a session whose cookie has expired is not returned', async () => {
      const { compat } = await compatStore();
      await call((cb) => compat.set('past', data({ n: 1 }, new Date(Date.now() - 1_000)), cb));
      expect(await call((cb) => compat.get('past', cb))).toBeNull();
      await call((cb) => compat.set('soon', data({ n: 1 }, new Date(Date.now() + 300)), cb));
      expect(await call((cb) => compat.get('soon', cb))).toMatchObject({ n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await call((cb) => compat.get('soon', cb))).toBeNull();
    });

    test('expiry without cookie.expires (a browser-session cookie): ttl from the write', async () => {
      const { compat } = await compatStore({ ttl: 300 });
      await call((cb) => compat.set('s1', data({ n: 1 }, null), cb));
      expect(await call((cb) => compat.get('s1', cb))).toMatchObject({ n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await call((cb) => compat.get('s1', cb))).toBeNull();
    });

    test('touch moves the expiry and the stored cookie.expires, like MemoryStore (issue 14, item 11)', async () => {
      const { compat } = await compatStore();
      await call((cb) => compat.set('s1', data({ n: 1 }, new Date(Date.now() + 300)), cb));
      const later = new Date(Date.now() + 60_000);
      await call((cb) => compat.touch('s1', data({ n: 1 }, later), cb));
      await new Promise((resolve) => setTimeout(resolve, 400));
      const touched = (await call((cb) => compat.get('s1', cb))) as session.SessionData | null;
      expect(touched).toMatchObject({ n: 1 });
      expect(new Date(touched?.cookie.expires as unknown as string).getTime()).toBe(later.getTime());
    });

    test('touch of a session that is gone brings nothing back', async () => {
      const { compat } = await compatStore();
      await call((cb) => compat.touch('ghost', data({ n: 1 }), cb));
      expect(await call((cb) => compat.get('ghost', cb))).toBeNull();
    });

    test("all, ids and length list this store's live sessions only (issue 14, item 10)", async () => {
      const { store, compat } = await compatStore({ hashIds: false });
      const other = new SessionkitStore({ store, prefix: `${uniquePrefix('other')}:` });
      await call((cb) => compat.set('a', data({ n: 1 }), cb));
      await call((cb) => compat.set('b', data({ n: 2 }), cb));
      await call((cb) => compat.set('old', data({ n: 3 }, new Date(Date.now() - 1_000)), cb));
      await call((cb) => other.set('c', data({ n: 4 }), cb));

      expect(await call<number>((cb) => compat.length(cb))).toBe(2);
      expect(((await call<string[]>((cb) => compat.ids(cb))) ?? []).sort()).toEqual(['a', 'b']);
      const all = (await call<unknown>((cb) => compat.all(cb))) as Record<string, { n: number }>;
      expect(Object.keys(all).sort()).toEqual(['a', 'b']);
      expect(all.a?.n).toBe(1);
      expect(all.b?.n).toBe(2);
      expect(await call<number>((cb) => other.length(cb))).toBe(1);
    });

    test('with hashed IDs (the default) all is an array and ids are the storage keys, never session IDs', async () => {
      const { compat, prefix } = await compatStore();
      await call((cb) => compat.set('secret-sid', data({ n: 1 }), cb));
      expect(await call((cb) => compat.all(cb))).toEqual([expect.objectContaining({ n: 1 })]);
      expect(await call((cb) => compat.ids(cb))).toEqual([await sha256Base64url('secret-sid')]);
      expect(prefix).toMatch(/:$/);
    });

    test("clear deletes this store's sessions and leaves everything else in the backend", async () => {
      const { store, compat } = await compatStore();
      const other = new SessionkitStore({ store, prefix: `${uniquePrefix('other')}:` });
      await call((cb) => compat.set('a', data({ n: 1 }), cb));
      await call((cb) => other.set('b', data({ n: 2 }), cb));
      await call((cb) => compat.clear(cb));
      expect(await call<number>((cb) => compat.length(cb))).toBe(0);
      expect(await call((cb) => compat.get('a', cb))).toBeNull();
      expect(await call((cb) => other.get('b', cb))).toMatchObject({ n: 2 });
    });

    test('the stored record is sealed by core under a hashed key', async () => {
      const { store, compat, prefix } = await compatStore();
      await call((cb) => compat.set('s1', data({ user: 'ann' }), cb));
      const key = prefix + (await sha256Base64url('s1'));
      const record = await store.get(key);
      expect(await createEnvelope().open(record?.payload as Uint8Array, key)).toMatchObject({ user: 'ann' });
    });
  });
}

describe('express-session through HTTP on SessionkitStore', () => {
  /**
   * An app whose error handler records every error it is handed. express-session hands it errors
   * that happen after the head is sent (a failed save, a cookie it cannot serialize) too.
   */
  async function app(store: SessionkitStore, route: express.RequestHandler) {
    const errors: unknown[] = [];
    const application = express();
    application.use(session({ secret: SECRET, resave: false, saveUninitialized: false, store }));
    application.get('/', route);
    application.use(
      (err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        errors.push(err);
        if (!res.headersSent) res.status(500).send(`error: ${err.message}`);
      },
    );
    return { client: new Client(await serve(application)), errors };
  }

  const settled = async (errors: unknown[]) => {
    for (let i = 0; i < 50 && errors.length === 0; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    return errors;
  };

  test("an invalid cookie.expires reaches express-session's own error, not a store error (issue 14, item 12)", async () => {
    const backing = createMemoryStore();
    const { client, errors } = await app(new SessionkitStore({ store: backing }), (req, res) => {
      (req.session as unknown as { n: number }).n = 1;
      req.session.cookie.expires = new Date(Number.NaN);
      res.end('ok');
    });
    await client.fetch('/');
    const messages = (await settled(errors)).map((e) => (e as Error).message);
    expect(messages).toEqual(['option expires is invalid']);
    // The session itself was stored (with the ttl, as for a cookie without expiry).
    expect(await backing.count?.()).toBe(1);
  });

  test('a store error is handed to the callback and reaches the error handler', async () => {
    const store = new SessionkitStore({ store: faultyStore({ set: 'reject' }) });
    const { client, errors } = await app(store, (req, res) => {
      (req.session as unknown as { n: number }).n = 1;
      res.end('ok');
    });
    await client.fetch('/');
    expect((await settled(errors)).every((e) => isSessionError(e, 'SESSION_STORE_ERROR'))).toBe(true);
    expect(errors).toHaveLength(1);
    const error = await call((cb) => store.set('s1', data({ n: 1 }), cb as (error?: unknown) => void)).catch(
      (e: unknown) => e,
    );
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
  });
});
