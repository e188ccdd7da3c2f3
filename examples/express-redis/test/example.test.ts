import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  assertBuilt,
  Client,
  localRedisUnavailable,
  sessionIdOf,
  skipTitle,
  startExample,
  startLocalRedisServer,
  suiteTitle,
  uniquePrefix,
  useBackend,
} from '@sessionkit/testing';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

const redis = await useBackend('redis');
const secret = randomBytes(32).toString('base64url');
const noLocalRedis = localRedisUnavailable();

/** A form POST, as the page's forms send it. */
const post = (fields: Record<string, string>): RequestInit => ({
  method: 'POST',
  body: new URLSearchParams(fields),
});

async function state(client: Client, url = '/api/session') {
  const response = await client.fetch(url);
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

const ANONYMOUS = { user: null, cart: {}, devices: 0 };

describe.skipIf(!redis.available)(suiteTitle('express-redis example, end to end', redis), () => {
  let client: Redis;
  let prefix: string;
  let env: Record<string, string>;

  beforeAll(() => {
    assertBuilt(['core', 'express', 'redis']);
    if (!redis.available) return;
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(() => client?.quit());

  beforeEach(() => {
    prefix = `${uniquePrefix('example_express')}:`;
    env = { REDIS_URL: redis.available ? redis.url : '', SESSION_PREFIX: prefix, SESSION_SECRET: secret };
  });
  afterEach(async () => {
    const keys = await keysUnder(prefix);
    if (keys.length > 0) await client.del(...keys);
  });

  async function keysUnder(keyPrefix: string): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${keyPrefix}*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  }

  test('an anonymous cart carries over a sign-in that moves the session to a new ID', async () => {
    const server = await startExample(exampleDir, env);
    const browser = new Client(server.origin);

    const visit = await browser.fetch('/api/session');
    expect(await visit.json()).toEqual(ANONYMOUS);
    expect(visit.headers.getSetCookie(), 'an anonymous visit sets no cookie').toEqual([]);
    expect(await keysUnder(prefix), 'and stores nothing').toEqual([]);

    expect((await browser.fetch('/cart', post({ sku: 'tea' }))).status).toBe(303);
    const anonymousCookie = browser.jar.get('sid');
    expect(anonymousCookie).toBeTruthy();

    const login = await browser.fetch('/login', post({ name: 'alice' }));
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const signedInId = sessionIdOf(browser.jar.get('sid'));
    expect(signedInId).not.toBe(sessionIdOf(anonymousCookie));
    expect(await state(browser)).toEqual({ user: 'alice', cart: { tea: 1 }, devices: 1 });

    // Fixation defence: the ID from before the sign-in opens nothing any more.
    const planted = new Client(server.origin);
    planted.jar.set('sid', anonymousCookie!);
    expect(await state(planted)).toEqual(ANONYMOUS);

    const page = await browser.text('/');
    expect(page).toContain('Welcome, alice.');
    expect(page).toContain('Signed in as <strong id="user">alice</strong>');
    expect(page).toMatch(/Sencha green tea<\/span><strong>× 1/);
    expect(await browser.text('/'), 'the flash is shown once').not.toContain('Welcome, alice.');

    // Back door: Redis holds a hash of the ID, never the ID, plus the owner index.
    const keys = await keysUnder(prefix);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).not.toContain(signedInId);
    expect(await client.zcard(`${prefix}owner:{alice}`)).toBe(1);

    expect((await browser.fetch('/cart', post({ sku: 'caviar' }))).status).toBe(400);
    expect((await browser.fetch('/login', post({ name: '<script>' }))).status).toBe(400);
  });

  test('sessions survive a restart and two processes share them without losing a write', async () => {
    const first = await startExample(exampleDir, env);
    const browser = new Client(first.origin);
    await browser.fetch('/login', post({ name: 'bob' }));
    await browser.fetch('/cart', post({ sku: 'mug' }));
    await first.stop();

    const [a, b] = await Promise.all([startExample(exampleDir, env), startExample(exampleDir, env)]);
    expect(await state(browser, `${a.origin}/api/session`)).toEqual({
      user: 'bob',
      cart: { mug: 1 },
      devices: 1,
    });

    // 20 parallel adds, alternating between the processes: compare-and-set plus replay keeps all.
    const adds = Array.from({ length: 20 }, (_, i) =>
      browser.fetch(`${(i % 2 ? a : b).origin}/cart`, post({ sku: 'beans' })),
    );
    for (const response of await Promise.all(adds)) expect(response.status).toBe(303);
    expect((await state(browser, `${b.origin}/api/session`)).cart).toEqual({ mug: 1, beans: 20 });
  });

  test('sign out everywhere ends every session of the user, on every process', async () => {
    const [a, b] = await Promise.all([startExample(exampleDir, env), startExample(exampleDir, env)]);
    const laptop = new Client(a.origin);
    const phone = new Client(b.origin);
    const otherUser = new Client(a.origin);
    await laptop.fetch('/login', post({ name: 'carol' }));
    await phone.fetch('/login', post({ name: 'carol' }));
    await otherUser.fetch('/login', post({ name: 'dave' }));
    expect((await state(laptop)).devices).toBe(2);
    expect(await client.zcard(`${prefix}owner:{carol}`)).toBe(2);

    const everywhere = await phone.fetch('/logout-everywhere', { method: 'POST' });
    expect(everywhere.status).toBe(303);
    expect(phone.jar.has('sid'), 'the clearing cookie reached the phone').toBe(false);
    expect(await state(laptop), 'the laptop is signed out too').toEqual(ANONYMOUS);
    expect(await state(otherUser)).toMatchObject({ user: 'dave', devices: 1 });

    await otherUser.fetch('/logout', { method: 'POST' });
    expect(otherUser.jar.has('sid')).toBe(false);
    expect(await keysUnder(prefix), 'nothing is left in Redis').toEqual([]);
  });

  test('your devices: each session with its browser and address, one of them revoked from another', async () => {
    const [a, b] = await Promise.all([startExample(exampleDir, env), startExample(exampleDir, env)]);
    const laptop = new Client(a.origin);
    const phone = new Client(b.origin);
    const other = new Client(a.origin);
    const as = (userAgent: string, fields: Record<string, string>): RequestInit => ({
      ...post(fields),
      headers: { 'user-agent': userAgent },
    });
    await laptop.fetch('/login', as('Firefox/140 (laptop)', { name: 'frank' }));
    await phone.fetch('/login', as('Safari/19 (phone)', { name: 'frank' }));
    await other.fetch('/login', as('Chrome/139', { name: 'grace' }));

    const devices = await state(laptop, '/api/devices');
    expect(devices).toHaveLength(2);
    const mine = devices.find((d: { current: boolean }) => d.current);
    const theirs = devices.find((d: { current: boolean }) => !d.current);
    expect(mine.meta).toEqual({
      userAgent: 'Firefox/140 (laptop)',
      ip: expect.stringMatching(/127\.0\.0\.1/),
    });
    expect(theirs.meta.userAgent).toBe('Safari/19 (phone)');
    for (const d of devices) {
      expect(d.createdAt).toBeLessThanOrEqual(d.lastActiveAt);
      expect(d.expiresAt).toBeGreaterThan(Date.now());
      // The key is a digest of the session ID, never the ID the cookie carries.
      expect(d.key).not.toBe(sessionIdOf(laptop.jar.get('sid')));
      expect(d.key).not.toBe(sessionIdOf(phone.jar.get('sid')));
    }
    const page = await laptop.text('/devices');
    expect(page).toContain('Firefox/140 (laptop)');
    expect(page).toContain('Safari/19 (phone)');
    expect(page).toContain('(this device)');
    expect(page).not.toContain('Chrome/139');

    // Grace cannot end Frank's phone session with its key: the store checks the owner.
    const graceTries = await other.fetch('/devices/revoke', post({ key: theirs.key }));
    expect(graceTries.status).toBe(404);
    expect((await state(phone)).user).toBe('frank');

    const revoked = await laptop.fetch('/devices/revoke', post({ key: theirs.key }));
    expect(revoked.status).toBe(303);
    expect(revoked.headers.get('location')).toBe('/devices');
    expect(await state(phone), 'the phone is signed out, on the other process too').toEqual(ANONYMOUS);
    expect((await state(laptop, '/api/devices')).map((d: { key: string }) => d.key)).toEqual([mine.key]);
    expect(await laptop.text('/devices')).toContain('That device is signed out.');

    // Revoking the current device signs out here.
    const self = await laptop.fetch('/devices/revoke', post({ key: mine.key }));
    expect(self.status).toBe(303);
    expect(laptop.jar.has('sid')).toBe(false);
    expect((await laptop.fetch('/api/devices')).status).toBe(401);
  });

  describe.skipIf(noLocalRedis)(skipTitle('a Redis outage', noLocalRedis), () => {
    test('answers 503 within the command timeout, and recovers when Redis is back', async () => {
      const privateRedis = await startLocalRedisServer();
      const server = await startExample(exampleDir, { ...env, REDIS_URL: privateRedis.url });
      const browser = new Client(server.origin);
      await browser.fetch('/login', post({ name: 'erin' }));

      await privateRedis.stop();
      const started = Date.now();
      const down = await browser.fetch('/api/session');
      expect(down.status).toBe(503);
      expect(await down.text()).toContain('Sessions are unavailable');
      expect(Date.now() - started, 'bounded by commandTimeout, not a hang').toBeLessThan(6_000);

      // The private server keeps no data: after the restart the session is gone, but the app
      // serves again without a restart of its own.
      await privateRedis.start();
      await expect
        .poll(async () => (await browser.fetch('/api/session')).status, { timeout: 10_000 })
        .toBe(200);
      await privateRedis.stop();
    });
  });
});
