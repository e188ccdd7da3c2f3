import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import {
  createEnvelope,
  createMemoryStore,
  isSessionError,
  NO_CAPABILITIES,
  readEnvelopeHeader,
  type SessionStore,
  sha256Base64url,
} from '@sessionkit/core';
import { uniquePrefix } from '@sessionkit/testing';
import express from 'express';
import session from 'express-session';
import { describe, expect, onTestFinished, test } from 'vitest';
import { SessionkitStore, type SessionkitStoreOptions } from '../src/index';
import { mountCompatRoutes } from './fixtures/routes';
import { Client, faultyStore, SECRET, serve, storeVariants } from './helpers';

const stores = await storeVariants();
const MAX_AGE = 60_000;

/** An express-session app on a SessionkitStore, as an existing app would mount it. */
async function startApp(options: SessionkitStoreOptions, label = 'app'): Promise<Client> {
  const app = express();
  app.use(
    session({
      secret: SECRET,
      resave: false,
      saveUninitialized: false,
      store: new SessionkitStore(options),
      cookie: { maxAge: MAX_AGE },
    }),
  );
  mountCompatRoutes(app, label);
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(503).send(`error handler: ${(err as { code?: string }).code}`);
  });
  return new Client(await serve(app));
}

/** The express-session ID inside a client's signed `connect.sid` cookie (`s:<id>.<signature>`). */
function sidOf(client: Client): string {
  const value = decodeURIComponent(client.jar.get('connect.sid') ?? '');
  expect(value).toMatch(/^s:/);
  return value.slice(2, value.lastIndexOf('.'));
}

async function recordOf(store: SessionStore, sid: string, prefix = 'es:') {
  const key = prefix + (await sha256Base64url(sid));
  const record = await store.get(key);
  return (
    record && {
      ...record,
      data: (await createEnvelope().open(record.payload, key)) as Record<string, unknown>,
    }
  );
}

for (const variant of stores) {
  describe.skipIf(variant.skip)(`express-session on SessionkitStore, ${variant.title}`, () => {
    test('set and get: the session is sealed in the sessionkit store under a hashed key, expiring with the cookie', async () => {
      const store = await variant.create();
      const client = await startApp({ store });
      const redirect = await client.fetch('/set?user=ann', { method: 'POST' });
      expect(await (await client.fetch(redirect.headers.get('location') as string)).json()).toEqual({
        user: 'ann',
        writtenBy: 'app',
        readBy: 'app',
      });
      const sid = sidOf(client);
      expect(await store.get(`es:${sid}`)).toBeNull();
      const record = await recordOf(store, sid);
      expect(record?.data).toMatchObject({
        user: 'ann',
        cookie: { originalMaxAge: MAX_AGE, httpOnly: true },
      });
      expect(record?.expiresAt).toBeGreaterThan(Date.now() + MAX_AGE - 5_000);
      expect(record?.expiresAt).toBeLessThanOrEqual(Date.now() + MAX_AGE);
    });

    test('touch: an unchanged session moves its expiry and the stored cookie.expires with it', async () => {
      const store = await variant.create();
      const client = await startApp({ store });
      await client.fetch('/set?user=bob', { method: 'POST' });
      const before = await recordOf(store, sidOf(client));
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await (await client.fetch('/get')).json()).toMatchObject({ user: 'bob' });
      const after = await recordOf(store, sidOf(client));
      expect(after?.expiresAt).toBeGreaterThan(before?.expiresAt as number);
      const expires = (r: typeof after) =>
        new Date((r?.data.cookie as { expires: string } | undefined)?.expires ?? Number.NaN).getTime();
      expect(expires(after)).toBe(after?.expiresAt);
      expect(expires(after)).toBeGreaterThan(expires(before));
      expect(after?.data).toMatchObject({ user: 'bob' });
    });

    test('updates overwrite (last writer wins, like every express-session store)', async () => {
      const store = await variant.create();
      const client = await startApp({ store });
      for (let i = 1; i <= 3; i++) expect(await client.text('/views', { method: 'POST' })).toBe(String(i));
      // Each request saves and then touches, and a touch rewrites the stored cookie (as MemoryStore does).
      const record = await recordOf(store, sidOf(client));
      expect(record?.data).toMatchObject({ views: 3 });
      expect(record?.version).toBeGreaterThanOrEqual(3);
    });

    test('regenerate deletes the old record and moves the data to a new ID', async () => {
      const store = await variant.create();
      const client = await startApp({ store });
      await client.fetch('/views', { method: 'POST' });
      const oldSid = sidOf(client);
      await client.fetch('/login?user=carol', { method: 'POST' });
      const newSid = sidOf(client);
      expect(newSid).not.toBe(oldSid);
      expect(await recordOf(store, oldSid)).toBeNull();
      expect((await recordOf(store, newSid))?.data).toMatchObject({ user: 'carol' });
      expect(await (await client.fetch('/get')).json()).toMatchObject({ user: 'carol' });
    });

    test('destroy deletes the record; the old cookie then finds nothing', async () => {
      const store = await variant.create();
      const client = await startApp({ store });
      await client.fetch('/set?user=dave', { method: 'POST' });
      const sid = sidOf(client);
      expect(await client.text('/logout', { method: 'POST' })).toBe('bye');
      expect(await recordOf(store, sid)).toBeNull();
      expect(await (await client.fetch('/get')).json()).toMatchObject({ user: null });
    });

    test('two apps with their own SessionkitStore on one store share sessions', async () => {
      const store = await variant.create();
      const a = await startApp({ store }, 'a');
      const b = await startApp({ store }, 'b');
      await a.fetch('/set?user=erin', { method: 'POST' });
      const res = await b.fetch('/get', { headers: { cookie: a.cookieHeader() } });
      expect(await res.json()).toEqual({ user: 'erin', writtenBy: 'a', readBy: 'b' });
    });
  });
}

const redis = stores.find((variant) => variant.name === 'redis');
describe.skipIf(redis?.skip)(`express-session across two processes, ${redis?.title}`, () => {
  const url = redis?.url ?? '';
  const root = fileURLToPath(new URL('../../../', import.meta.url));

  /** Starts the fixture app in a child process; it is stopped when the test finishes. */
  async function spawnApp(prefix: string): Promise<Client> {
    const fixture = fileURLToPath(new URL('./fixtures/app.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, url, prefix, SECRET], {
      // The root tsconfig maps @sessionkit/* to the sources, so the child needs no build.
      env: { ...process.env, TSX_TSCONFIG_PATH: `${root}tsconfig.json` },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    onTestFinished(async () => {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
      clearTimeout(timer);
    });
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    let stdout = '';
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      stdout += chunk;
      if (stdout.includes('\n')) break;
    }
    const port = /^port (\d+)/.exec(stdout)?.[1];
    if (!port) throw new Error(`the child app did not start: ${stdout} ${stderr}`);
    return new Client(`http://127.0.0.1:${port}`);
  }

  // Nothing is left behind: the session is destroyed at the end, and Redis expires records anyway.
  test('a session written by one process is read, changed and destroyed by another', {
    timeout: 60_000,
  }, async () => {
    const prefix = `${uniquePrefix('express_compat')}:`;
    const [first, second] = await Promise.all([spawnApp(prefix), spawnApp(prefix)]);
    await first.fetch('/set?user=frank', { method: 'POST' });
    second.jar.set('connect.sid', first.jar.get('connect.sid') as string);
    const read = (await (await second.fetch('/get')).json()) as Record<string, string>;
    expect(read.user).toBe('frank');
    expect(read.writtenBy).not.toBe(read.readBy);

    await second.fetch('/set?user=grace', { method: 'POST' });
    expect(await (await first.fetch('/get')).json()).toMatchObject({ user: 'grace' });
    expect(await second.text('/logout', { method: 'POST' })).toBe('bye');
    expect(await (await first.fetch('/get')).json()).toMatchObject({ user: null });
  });
});

describe('SessionkitStore details', () => {
  const call = <T>(fn: (cb: (error?: unknown, value?: T) => void) => void) =>
    new Promise<T | undefined>((resolve, reject) =>
      fn((error, value) => (error ? reject(error) : resolve(value))),
    );

  const cookie = (expires?: Date) => ({ originalMaxAge: null, expires, httpOnly: true, path: '/' });

  test('length and clear follow the store capabilities', async () => {
    const store = createMemoryStore();
    const compat = new SessionkitStore({ store });
    await call((cb) => compat.set('a', { cookie: cookie() } as never, cb));
    await call((cb) => compat.set('b', { cookie: cookie() } as never, cb));
    expect(await call<number>((cb) => compat.length(cb))).toBe(2);
    await call((cb) => compat.clear(cb));
    expect(await call<number>((cb) => compat.length(cb))).toBe(0);

    const bare = new Proxy(store, {
      get: (t, p, r) => (p === 'capabilities' ? NO_CAPABILITIES : Reflect.get(t, p, r)),
    });
    const limited = new SessionkitStore({ store: bare });
    const error = await call((cb) => limited.length(cb)).catch((e: unknown) => e);
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
  });

  test('a cookie without expiry lives for ttl; an expired one is not returned', async () => {
    const store = createMemoryStore();
    const compat = new SessionkitStore({ store, ttl: 5_000, hashIds: false, prefix: 'x:' });
    await call((cb) => compat.set('no-expiry', { cookie: cookie(), n: 1 } as never, cb));
    const record = await store.get('x:no-expiry');
    expect(record?.expiresAt).toBeGreaterThan(Date.now() + 4_000);
    expect(record?.expiresAt).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(await call((cb) => compat.get('no-expiry', cb))).toMatchObject({ n: 1 });

    await call((cb) => compat.set('past', { cookie: cookie(new Date(Date.now() - 1_000)) } as never, cb));
    expect(await call((cb) => compat.get('past', cb))).toBeNull();
  });

  test('an unreadable record is a new session, and encryption applies to what is stored', async () => {
    const store = createMemoryStore();
    const key = { id: 'k1', key: 'an-encryption-key-of-32-characters!!' };
    const compat = new SessionkitStore({ store, hashIds: false, encryption: { keys: [key] } });
    await call((cb) => compat.set('s1', { cookie: cookie(), secret: 'x' } as never, cb));
    const record = await store.get('es:s1');
    expect(readEnvelopeHeader(record?.payload as Uint8Array).keyId).toBe('k1');
    expect(await call((cb) => compat.get('s1', cb))).toMatchObject({ secret: 'x' });

    const otherKey = new SessionkitStore({
      store,
      hashIds: false,
      encryption: { keys: [{ id: 'k2', key: 'another-encryption-key-32-characters' }] },
    });
    expect(await call((cb) => otherKey.get('s1', cb))).toBeNull();
  });

  test('invalid options fail at construction', () => {
    expect(() => new SessionkitStore({} as SessionkitStoreOptions)).toThrow(/needs \{ store \}/);
    expect(() => new SessionkitStore({ store: createMemoryStore(), ttl: -1 })).toThrow(/ttl must be/);
  });

  test("a store failure reaches the app's error handler through express-session", async () => {
    const inner = createMemoryStore();
    const healthy = await startApp({ store: inner });
    await healthy.fetch('/set?user=hal', { method: 'POST' });
    const failing = await startApp({ store: faultyStore({ get: 'reject' }, inner) });
    failing.jar.set('connect.sid', healthy.jar.get('connect.sid') as string);
    const res = await failing.fetch('/get');
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('error handler: SESSION_STORE_ERROR');
  });
});
