/**
 * Security through the Express binding over real HTTP: session fixation, tampered and expired
 * cookies, the secret-rotation window, oversized payloads, cookie attribute defaults.
 */
import { createHmac } from 'node:crypto';
import { createMemoryStore, type SessionManagerOptions, storageKeyFor } from '@sessionkit/core';
import { Client, serve } from '@sessionkit/testing';
import { describe, expect, test, vi } from 'vitest';
import { recordingStore } from '../src/recording-store';
import { idOfCookie, securityApp } from '../src/security-app';
import { SECRET } from './helpers';

const OLD_SECRET = 'the-old-secret-that-signed-yesterdays-cookies-0123';
const NEW_SECRET = 'the-new-secret-that-signs-from-today-on-0123456789';

async function client(options: SessionManagerOptions): Promise<Client> {
  return new Client(await serve(securityApp(options)));
}

async function whoami(c: Client): Promise<{ user: string | null; isNew: boolean; note: string | null }> {
  return (await c.fetch('/whoami')).json();
}

function signature(id: string, secret: string): string {
  return createHmac('sha256', secret).update(id).digest('base64url');
}

describe('session fixation', () => {
  test('an ID planted before login is dead after login: no record, no user, and the victim got a new ID', async () => {
    const store = createMemoryStore();
    const base = await serve(securityApp({ store, secrets: [SECRET] }));
    const attacker = new Client(base);
    await attacker.fetch('/set?key=note&value=planted', { method: 'POST' });
    const planted = attacker.jar.get('sid') as string;
    const plantedId = idOfCookie(planted);

    // The victim's browser carries the attacker's cookie, and the victim logs in with it.
    const victim = new Client(base);
    victim.jar.set('sid', planted);
    const login = await victim.fetch('/login?user=victim', { method: 'POST' });
    expect(login.status).toBe(200);
    const fresh = victim.jar.get('sid') as string;
    expect(idOfCookie(fresh)).not.toBe(plantedId);
    expect(await whoami(victim)).toMatchObject({ user: 'victim', isNew: false });

    // The planted ID is worthless: the attacker is anonymous and its record is gone.
    expect(await whoami(attacker)).toEqual({ user: null, isNew: true, note: null });
    expect(await store.get(await storageKeyFor(plantedId, true))).toBeNull();
    expect(await store.count()).toBe(1);
  });

  test('a request still in flight during a login does not log the user out when it answers', async () => {
    // One browser, two tabs: a slow request loads the pre-login session, a login overtakes it.
    // The browser keeps whichever Set-Cookie arrives last, so the slow answer must not clear the
    // cookie: it would delete the session the login just created.
    const store = createMemoryStore();
    const browser = new Client(await serve(securityApp({ store, secrets: [SECRET] })));
    await browser.fetch('/set?key=note&value=before-login', { method: 'POST' });
    const slow = browser.fetch('/set?key=note&value=slow&delay=300', { method: 'POST' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await browser.fetch('/login?user=alice', { method: 'POST' })).status).toBe(200);
    const overtaken = await slow;
    expect(overtaken.status).toBe(200);
    expect(overtaken.headers.getSetCookie(), 'the overtaken answer clears the cookie').toEqual([]);
    expect(await whoami(browser)).toMatchObject({ user: 'alice', isNew: false });
  });

  test('a session that logs in twice keeps no record of any earlier ID', async () => {
    const store = createMemoryStore();
    const c = await client({ store, secrets: [SECRET] });
    const ids: string[] = [];
    for (const user of ['a', 'b', 'c']) {
      await c.fetch(`/login?user=${user}`, { method: 'POST' });
      ids.push(idOfCookie(c.jar.get('sid') as string));
    }
    expect(new Set(ids).size).toBe(3);
    for (const id of ids.slice(0, -1)) expect(await store.get(await storageKeyFor(id, true))).toBeNull();
    expect(await store.count()).toBe(1);
  });
});

describe('tampered and expired cookies', () => {
  test('a tampered cookie is an anonymous request that never reaches the store', async () => {
    const recorded = recordingStore(createMemoryStore());
    const c = await client({ store: recorded.store, secrets: [SECRET] });
    await c.fetch('/login?user=alice', { method: 'POST' });
    const genuine = decodeURIComponent(c.jar.get('sid') as string);
    const id = genuine.slice(0, genuine.lastIndexOf('.'));
    const sig = genuine.slice(genuine.lastIndexOf('.') + 1);
    const flip = (text: string, at: number) =>
      text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const tampered = [
      `${flip(id, 0)}.${sig}`, // another ID under the genuine signature
      `${id}.${flip(sig, 5)}`, // a forged signature
      `${id}.${signature(id, 'not-the-secret-0123456789abcdefghijkl')}`, // signed with a guessed secret
      `${id}.`, // signature stripped
      id, // no signature at all
      `${id}.${sig}.${sig}`, // a value with a dot in it
      `../../${id}.${sig}`, // path traversal in front of a genuine pair
    ];
    for (const value of tampered) {
      recorded.calls.length = 0;
      const attacker = new Client(c.base);
      attacker.jar.set('sid', encodeURIComponent(value));
      expect(await whoami(attacker), value).toEqual({ user: null, isNew: true, note: null });
      expect(recorded.calls, value).toEqual([]);
    }
    // The genuine cookie still works.
    expect(await whoami(c)).toMatchObject({ user: 'alice' });
  });

  test('an expired session is anonymous even if the client keeps sending its cookie (idle and absolute)', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const store = createMemoryStore();
    const options = {
      store,
      secrets: [SECRET],
      idleTimeout: 60_000,
      absoluteTimeout: 300_000,
      touchAfter: 1_000,
      clock: () => now,
    };
    const c = await client(options);
    await c.fetch('/login?user=alice', { method: 'POST' });
    const cookie = c.jar.get('sid') as string;

    // Idle: 61 s without a request. A browser would have dropped the cookie; an attacker replays it.
    now += 61_000;
    expect(await whoami(c)).toMatchObject({ user: null, isNew: true });

    // Absolute: active every 50 s, but 300 s after creation it ends regardless.
    const d = await client(options);
    await d.fetch('/login?user=bob', { method: 'POST' });
    for (let t = 0; t < 5; t++) {
      now += 50_000;
      expect(await whoami(d), `after ${(t + 1) * 50} s`).toMatchObject({ user: 'bob' });
    }
    now += 50_000;
    expect(await whoami(d)).toMatchObject({ user: null, isNew: true });
    // Past its absolute timeout the record is deleted on access, not merely ignored.
    expect(await store.get(await storageKeyFor(idOfCookie(d.jar.get('sid') as string), true))).toBeNull();

    // And replaying the first cookie changes nothing.
    const replay = new Client(c.base);
    replay.jar.set('sid', cookie);
    expect(await whoami(replay)).toMatchObject({ user: null, isNew: true });
  });
});

describe('secret rotation', () => {
  test('during the rotation window the old secret verifies and the new one signs; afterwards only the new one', async () => {
    const store = createMemoryStore();
    const before = await client({ store, secrets: [OLD_SECRET] });
    await before.fetch('/login?user=alice', { method: 'POST' });
    const oldCookie = decodeURIComponent(before.jar.get('sid') as string);
    const id = idOfCookie(oldCookie);
    expect(oldCookie).toBe(`${id}.${signature(id, OLD_SECRET)}`);

    // Rotation: the new secret first, the old one kept for verification.
    const during = new Client((await client({ store, secrets: [NEW_SECRET, OLD_SECRET] })).base);
    during.jar.set('sid', before.jar.get('sid') as string);
    expect(await whoami(during)).toMatchObject({ user: 'alice', isNew: false });
    // A change re-issues the cookie: same session, signed with the new secret.
    await during.fetch('/set?key=note&value=rotated', { method: 'POST' });
    const newCookie = decodeURIComponent(during.jar.get('sid') as string);
    expect(newCookie).toBe(`${id}.${signature(id, NEW_SECRET)}`);
    // A new login during the window is signed with the new secret too.
    const fresh = new Client(during.base);
    await fresh.fetch('/login?user=bob', { method: 'POST' });
    const bobCookie = decodeURIComponent(fresh.jar.get('sid') as string);
    expect(bobCookie).toBe(`${idOfCookie(bobCookie)}.${signature(idOfCookie(bobCookie), NEW_SECRET)}`);

    // After the window: the old secret is gone, cookies it signed are anonymous.
    const after = await client({ store, secrets: [NEW_SECRET] });
    const stale = new Client(after.base);
    stale.jar.set('sid', encodeURIComponent(oldCookie));
    expect(await whoami(stale)).toMatchObject({ user: null, isNew: true });
    const current = new Client(after.base);
    current.jar.set('sid', encodeURIComponent(newCookie));
    expect(await whoami(current)).toMatchObject({ user: 'alice', note: 'rotated' });
  });
});

describe('oversized payloads', () => {
  for (const [kind, bytes, why] of [
    ['random', 600_000, 'sealed bytes over maxPayloadBytes'],
    ['repeat', 20_000_000, 'decoded bytes over maxDecodedBytes (compresses to almost nothing)'],
  ] as const) {
    test(`are rejected before they reach the store: ${why}`, async () => {
      const recorded = recordingStore(createMemoryStore());
      const c = await client({ store: recorded.store, secrets: [SECRET], maxPayloadBytes: 262_144 });
      await c.fetch('/login?user=alice', { method: 'POST' });
      const writes = () => recorded.calls.filter((call) => call.method !== 'get');
      const before = writes().length;
      const res = await c.fetch(`/big?kind=${kind}&bytes=${bytes}`, { method: 'POST' });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({ error: 'SESSION_TOO_LARGE' });
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(writes().length, 'no write reached the store').toBe(before);
      // The session is as it was before the rejected request.
      expect(await whoami(c)).toMatchObject({ user: 'alice', isNew: false });
    }, 60_000);
  }
});

describe('cookie attribute defaults', () => {
  function attributes(setCookie: string): Map<string, string> {
    const [, ...parts] = setCookie.split(';');
    return new Map(
      parts.map((part) => {
        const [name = '', ...value] = part.trim().split('=');
        return [name.toLowerCase(), value.join('=')];
      }),
    );
  }

  // Max-Age is the session's expiry plus touchAfter (60 s by default) and a second: the cookie
  // outlives the session between the writes that do not re-send it (core README, "When the cookie is sent").
  test('HttpOnly, SameSite=Lax, Path=/, host-only, Max-Age = idleTimeout + touchAfter + 1 s; Secure in production', async () => {
    try {
      for (const env of ['production', 'development', 'test']) {
        vi.stubEnv('NODE_ENV', env);
        const c = await client({ store: createMemoryStore(), secrets: [SECRET], idleTimeout: 1_800_000 });
        const res = await c.fetch('/login?user=alice', { method: 'POST' });
        const [setCookie = '', ...others] = res.headers.getSetCookie();
        expect(others).toEqual([]);
        const attrs = attributes(setCookie);
        expect(setCookie.startsWith('sid=')).toBe(true);
        expect(attrs.has('httponly'), env).toBe(true);
        expect(attrs.get('samesite'), env).toBe('Lax');
        expect(attrs.get('path'), env).toBe('/');
        expect(attrs.has('domain'), env).toBe(false);
        expect(attrs.get('max-age'), env).toBe('1861');
        expect(Math.abs(Date.parse(attrs.get('expires') ?? '') - (Date.now() + 1_861_000))).toBeLessThan(
          5_000,
        );
        expect(attrs.has('secure'), env).toBe(env === 'production');
      }
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('the cookie carries only a random ID and its signature; anonymous visitors get no cookie', async () => {
    const c = await client({ store: createMemoryStore(), secrets: [SECRET] });
    const anonymous = await c.fetch('/whoami');
    expect(anonymous.headers.getSetCookie()).toEqual([]);
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const visitor = new Client(c.base);
      await visitor.fetch('/set?key=note&value=secret-note', { method: 'POST' });
      const value = decodeURIComponent(visitor.jar.get('sid') as string);
      expect(value).not.toContain('secret-note');
      const id = idOfCookie(value);
      // At least 128 bits of base64url (22 characters); core uses 192.
      expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      ids.add(id);
    }
    expect(ids.size).toBe(20);
  });
});
