import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  assertBuilt,
  Client,
  sessionIdOf,
  startExample,
  suiteTitle,
  uniquePrefix,
  useBackend,
} from '@sessionkit/testing';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';

const exampleDir = fileURLToPath(new URL('..', import.meta.url));

const database = await useBackend('postgres');
const secret = randomBytes(32).toString('base64url');

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

describe.skipIf(!database.available)(suiteTitle('fastify-postgres example, end to end', database), () => {
  let pool: pg.Pool;
  let table: string;
  let env: Record<string, string>;

  beforeAll(() => {
    assertBuilt(['core', 'fastify', 'postgres', 'sql']);
    if (!database.available) return;
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  });
  afterAll(() => pool?.end());

  beforeEach(() => {
    table = uniquePrefix('example_fastify');
    env = {
      POSTGRES_URL: database.available ? database.url : '',
      SESSION_TABLE: table,
      SESSION_SECRET: secret,
    };
  });
  // Each test gets its own table (the example creates it on start); drop it afterwards.
  afterEach(async () => {
    await pool.query(`DROP TABLE IF EXISTS "${table}"`);
  });

  /** Back door: the rows as they are in the table. */
  async function rows(): Promise<{ session_key: string; owner_id: string | null }[]> {
    const result = await pool.query(`SELECT session_key, owner_id FROM "${table}" ORDER BY owner_id`);
    return result.rows;
  }

  test('an anonymous cart carries over a sign-in that moves the session to a new ID', async () => {
    const server = await startExample(exampleDir, env);
    const browser = new Client(server.origin);

    const visit = await browser.fetch('/api/session');
    expect(await visit.json()).toEqual(ANONYMOUS);
    expect(visit.headers.getSetCookie(), 'an anonymous visit sets no cookie').toEqual([]);
    expect(await rows(), 'and stores nothing').toEqual([]);

    expect((await browser.fetch('/cart', post({ sku: 'beans' }))).status).toBe(303);
    const anonymousCookie = browser.jar.get('sid');
    expect(anonymousCookie).toBeTruthy();

    const login = await browser.fetch('/login', post({ name: 'alice' }));
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/');
    const signedInId = sessionIdOf(browser.jar.get('sid'));
    expect(signedInId).not.toBe(sessionIdOf(anonymousCookie));
    expect(await state(browser)).toEqual({ user: 'alice', cart: { beans: 1 }, devices: 1 });

    // Fixation defence: the ID from before the sign-in opens nothing any more.
    const planted = new Client(server.origin);
    planted.jar.set('sid', anonymousCookie!);
    expect(await state(planted)).toEqual(ANONYMOUS);

    const page = await browser.text('/');
    expect(page).toContain('Welcome, alice.');
    expect(page).toContain('Signed in as <strong id="user">alice</strong>');
    expect(page).toMatch(/Espresso beans, 250 g<\/span><strong>× 1/);

    // Back door: one row (the pre-login one is gone), keyed by a hash of the ID, owned by alice.
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]?.owner_id).toBe('alice');
    expect(stored[0]?.session_key).not.toContain(signedInId);

    expect((await browser.fetch('/cart', post({ sku: 'caviar' }))).status).toBe(400);
    expect((await browser.fetch('/nowhere')).status).toBe(404);
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
      browser.fetch(`${(i % 2 ? a : b).origin}/cart`, post({ sku: 'tea' })),
    );
    for (const response of await Promise.all(adds)) expect(response.status).toBe(303);
    expect((await state(browser, `${b.origin}/api/session`)).cart).toEqual({ mug: 1, tea: 20 });
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
    expect((await rows()).map((row) => row.owner_id)).toEqual(['carol', 'carol', 'dave']);

    const everywhere = await phone.fetch('/logout-everywhere', { method: 'POST' });
    expect(everywhere.status).toBe(303);
    expect(phone.jar.has('sid'), 'the clearing cookie reached the phone').toBe(false);
    expect(await state(laptop), 'the laptop is signed out too').toEqual(ANONYMOUS);
    expect(await state(otherUser)).toMatchObject({ user: 'dave', devices: 1 });
    expect((await rows()).map((row) => row.owner_id)).toEqual(['dave']);

    await otherUser.fetch('/logout', { method: 'POST' });
    expect(otherUser.jar.has('sid')).toBe(false);
    expect(await rows()).toEqual([]);
  });
});
