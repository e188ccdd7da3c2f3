/**
 * The Next.js binding tests, run once per Next.js version (next15.test.ts, next16.test.ts) against
 * a real `next build` + `next start` of test/fixture.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisStore } from '@sessionkit/redis';
import { type Provisioned, suiteTitle, uniquePrefix } from '@sessionkit/testing';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { browserSuite } from './browser';
import { Client, json, textOf } from './client';
import {
  type BuiltFixture,
  buildFixture,
  type NextVersion,
  type RunningServer,
  startServer,
} from './harness';

interface Whoami {
  user: string | null;
  count: number;
  isNew: boolean;
  notice?: string | null;
  degraded?: boolean;
}

/** Two servers sharing one store; both are the same process for the memory store. */
interface Pair {
  first: RunningServer;
  second: RunningServer;
}

/** `redis`: from `provision('redis')` (top-level await in the test file); skipped with its reason when unavailable. */
export function nextSuite(version: NextVersion, redis: Provisioned): void {
  describe(`Next.js ${version}: next build + next start of the fixture app`, () => {
    let fixture: BuiltFixture | undefined;
    const built = () => {
      if (!fixture) throw new Error('the fixture did not build (see the beforeAll error)');
      return fixture;
    };
    beforeAll(async () => {
      fixture = await buildFixture(version);
    }, 300_000);
    afterAll(async () => {
      await fixture?.remove();
    });

    describe('memory store, one server process', () => {
      const pair = servers(built, async () => ({ env: { FIXTURE_STORE: 'memory' }, count: 1 }));
      behaviour(pair);
      storeFailures(pair);
      browserSuite(() => pair().first);

      test('the middleware bundle holds the edge verifier only: no manager, no store, no driver', async () => {
        const next = join(built().dir, '.next');
        const manifest = JSON.parse(
          await readFile(join(next, 'server', 'middleware-manifest.json'), 'utf8'),
        ) as {
          middleware: Record<string, { files: string[] }>;
        };
        const files = Object.values(manifest.middleware).flatMap((entry) => entry.files);
        expect(files.length).toBeGreaterThan(0);
        const code = (await Promise.all(files.map((file) => readFile(join(next, file), 'utf8')))).join('\n');
        // Error messages survive minification: each one marks a module that must stay out.
        expect(code).not.toContain('commit() was called twice');
        expect(code).not.toContain('Memory store: record.payload');
        expect(code).not.toContain('Redis session store');
      });
    });

    describe('file store, two server processes sharing the directory', () => {
      let directory = '';
      const pair = servers(built, async () => {
        directory = await mkdtemp(join(tmpdir(), 'sessionkit-next-'));
        return { env: { FIXTURE_STORE: 'file', FIXTURE_FILE_DIR: directory }, count: 2 };
      });
      afterAll(async () => {
        if (directory) await rm(directory, { recursive: true, force: true });
      });
      behaviour(pair);
    });

    describe.skipIf(!redis.available)(suiteTitle('Redis store, two server processes', redis), () => {
      const prefix = `${uniquePrefix('next')}:`;
      const url = redis.available ? redis.url : '';
      const pair = servers(built, async () => ({
        env: { FIXTURE_STORE: 'redis', FIXTURE_REDIS_URL: url, FIXTURE_PREFIX: prefix },
        count: 2,
      }));
      afterAll(async () => {
        if (!redis.available) return;
        const client = new Redis(url, { maxRetriesPerRequest: 1 });
        try {
          await createRedisStore(client, { prefix }).clear();
        } finally {
          client.disconnect();
          await redis.stop();
        }
      });
      behaviour(pair);
    });
  });
}

/** Starts `count` servers of the fixture in a beforeAll and stops them afterwards. */
function servers(
  built: () => BuiltFixture,
  configure: () => Promise<{ env: Parameters<typeof startServer>[1]; count: 1 | 2 }>,
): () => Pair {
  let running: RunningServer[] = [];
  beforeAll(async () => {
    const { env, count } = await configure();
    running = await Promise.all(Array.from({ length: count }, () => startServer(built(), env)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
  });
  return () => {
    const first = running[0];
    if (!first) throw new Error('the servers did not start (see the beforeAll error)');
    return { first, second: running[1] ?? first };
  };
}

function behaviour(pair: () => Pair): void {
  test('a route handler sets a value and redirects; the request sent the moment the redirect arrives sees it', async () => {
    const { first, second } = pair();
    for (let round = 0; round < 10; round++) {
      const client = new Client();
      const user = `user-${round}`;
      const { redirect, target } = await client.followRedirect(first, `/api/login?user=${user}`, second);
      expect(redirect.status).toBe(303);
      expect(redirect.setCookies).toHaveLength(1);
      expect(redirect.setCookies[0]).toMatch(/^sid=[^;]+; Path=\/; .*HttpOnly/);
      expect(json<Whoami>(target)).toEqual({ user, count: 0, isNew: false, notice: `welcome ${user}` });
    }
  });

  test('redirect() thrown inside withSession still commits, and the flash is read once', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    const { redirect, target } = await client.followRedirect(first, '/api/login-throw?user=grace', second);
    expect(redirect.status).toBe(307);
    expect(json<Whoami>(target)).toMatchObject({ user: 'grace', notice: null });
  });

  test('regenerate() moves the session to a new cookie and the old one stops working', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    const before = client.cookie;
    await client.followRedirect(second, '/api/login?user=ada', first);
    expect(client.cookie).not.toBe(before);
    expect(json<Whoami>(await client.request(first, '/api/whoami'))).toMatchObject({ user: 'ada' });
    const stale = await new Client().request(second, '/api/whoami', { headers: { cookie: before } });
    expect(json<Whoami>(stale)).toMatchObject({ user: null, isNew: true });
  });

  test('destroy() clears the cookie and the session is gone even for a client that keeps it', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    const kept = client.cookie;
    const logout = await client.request(second, '/api/logout', { method: 'POST' });
    expect(logout.status).toBe(204);
    expect(logout.setCookies[0]).toMatch(/^sid=; .*Max-Age=0/);
    expect(client.jar.size).toBe(0);
    const replay = await new Client().request(first, '/api/whoami', { headers: { cookie: kept } });
    expect(json<Whoami>(replay)).toMatchObject({ user: null, isNew: true });
  });

  test('parallel requests on both processes each increment the counter: no lost update', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    const replies = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        client.request(i % 2 ? first : second, '/api/count', { method: 'POST' }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(12).fill(200));
    expect(json<Whoami>(await client.request(first, '/api/whoami')).count).toBe(12);
  });

  test('getSession() + save() commit through cookies() as well', async () => {
    const { first, second } = pair();
    const client = new Client();
    const reply = await client.request(first, '/api/manual', { method: 'POST' });
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toHaveLength(1);
    expect(json<Whoami>(await client.request(second, '/api/whoami'))).toMatchObject({
      user: 'manual',
      isNew: false,
    });
  });

  test('a handler that throws leaves the session as it was (App Router and Pages router)', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    const app = await client.request(first, '/api/throws', { method: 'POST' });
    const pages = await client.request(second, '/api/pages-throws');
    expect([app.status, pages.status]).toEqual([500, 500]);
    expect([...app.setCookies, ...pages.setCookies]).toEqual([]);
    expect(json<Whoami>(await client.request(first, '/api/whoami'))).toMatchObject({ user: 'ada' });
  });

  test('a server action commits before its redirect, and a server component reads the session read-only', async () => {
    const { first, second } = pair();
    const client = new Client();
    const page = await client.request(first, '/action');
    const actionField = /name="(\$ACTION_ID_[0-9a-f]+)"/.exec(page.body)?.[1];
    expect(actionField, 'the progressive-enhancement action field of the form').toBeDefined();
    const form = new FormData();
    form.set(actionField as string, '');
    form.set('name', 'Lin');
    // A form post without JavaScript, as a browser sends it before hydration.
    const { redirect, target } = await client.followRedirect(first, '/action', second, {
      method: 'POST',
      body: form,
      headers: { origin: first.origin },
    });
    expect(redirect.status).toBe(303);
    expect(redirect.setCookies).toHaveLength(1);
    expect(target.status).toBe(200);
    expect(textOf(target.body, 'user')).toBe('Lin');
    expect(textOf(target.body, 'count')).toBe('1');
    expect(textOf(target.body, 'refused')).toBe('SESSION_STATE_INVALID');
    expect(textOf(target.body, 'same'), 'read() is loaded once per request').toBe('true');
    expect(target.setCookies, 'a server component never writes').toEqual([]);
  });

  test('a server action that does not redirect: the page in its own response shows the session it committed', async () => {
    const { first, second } = pair();
    const client = new Client();
    const page = await client.request(first, '/inline');
    expect(textOf(page.body, 'user')).toBe('anonymous');
    // The first session of this browser, created by the action.
    const created = await postAction(client, first, '/inline', page.body, 0, { name: 'Ren' });
    expect(created.status).toBe(200);
    expect(created.setCookies).toHaveLength(1);
    expect([
      textOf(created.body, 'user'),
      textOf(created.body, 'owner'),
      textOf(created.body, 'is-new'),
    ]).toEqual(['Ren', 'Ren', 'false']);
    // regenerate() over an existing session: the page shows the new one, the old cookie is dead.
    const before = client.cookie;
    const again = await postAction(client, second, '/inline', created.body, 0, { name: 'Sam' });
    expect(again.status).toBe(200);
    expect(client.cookie).not.toBe(before);
    expect(textOf(again.body, 'user')).toBe('Sam');
    const stale = await new Client().request(first, '/api/whoami', { headers: { cookie: before } });
    expect(json<Whoami>(stale)).toMatchObject({ user: null, isNew: true });
    expect(json<Whoami>(await client.request(first, '/api/whoami'))).toMatchObject({ user: 'Sam' });
    // destroy() without a redirect: the page shows the signed-out state.
    const out = await postAction(client, first, '/inline', again.body, 1, {});
    expect(out.status).toBe(200);
    expect(out.setCookies[0]).toMatch(/^sid=; .*Max-Age=0/);
    expect(textOf(out.body, 'user')).toBe('anonymous');
  });

  test('a server component that calls save() gets a clear error, and nothing reaches the store', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    const cookie = client.cookie;
    const reply = await client.request(second, '/save-in-render');
    expect(reply.status).toBe(200);
    expect(textOf(reply.body, 'code')).toBe('SESSION_STATE_INVALID');
    expect(textOf(reply.body, 'message')).toContain('nothing was written');
    expect(textOf(reply.body, 'user')).toBe('ada');
    expect(reply.setCookies).toEqual([]);
    // regenerate() was not committed: the cookie the user holds still names the live session.
    const after = await new Client().request(first, '/api/whoami', { headers: { cookie } });
    expect(json<Whoami>(after)).toMatchObject({ user: 'ada', isNew: false });
  });

  test('Pages router: an API route redirects after a change; the other router sees it at once', async () => {
    const { first, second } = pair();
    const client = new Client();
    const { redirect, target } = await client.followRedirect(first, '/api/pages-login?user=max', second);
    expect(redirect.status).toBe(303);
    expect(redirect.setCookies).toHaveLength(1);
    expect(json<Whoami>(target)).toEqual({
      user: 'max',
      count: 0,
      isNew: false,
      notice: 'from the pages router',
    });
    expect(json<Whoami>(await client.request(first, '/api/whoami'))).toMatchObject({ user: 'max' });
  });

  test('Pages router: getSession(req, res) in an API route and in getServerSideProps commits before sending', async () => {
    const { first, second } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/pages-login?user=max', second);
    expect(json<Whoami>(await client.request(second, '/api/pages-count'))).toMatchObject({
      user: 'max',
      count: 1,
    });
    const legacy = await client.request(first, '/legacy');
    expect(legacy.status).toBe(200);
    expect(textOf(legacy.body, 'legacy')).toBe('max:2');
    expect(json<Whoami>(await client.request(second, '/api/whoami'))).toMatchObject({
      user: 'max',
      count: 2,
    });
  });

  test('middleware verifies the cookie on the edge: none or forged is refused, a signed one passes', async () => {
    const { first, second } = pair();
    expect((await new Client().request(first, '/members')).status).toBe(401);
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', second);
    // Same session ID, another signature: only the secret could have produced the right one.
    const forged = client.cookie.replace(/\.[^.]*$/, `.${'A'.repeat(43)}`);
    expect(forged).not.toBe(client.cookie);
    expect((await new Client().request(first, '/members', { headers: { cookie: forged } })).status).toBe(401);
    const members = await client.request(second, '/members');
    expect(members.status).toBe(200);
    expect(members.headers.get('x-session-verified')).toBe('yes');
    expect(textOf(members.body, 'member')).toBe('ada');
  });
}

/**
 * Posts the `index`-th form of a server-rendered page the way a browser without JavaScript does
 * (the progressive-enhancement action field plus the form's inputs).
 */
async function postAction(
  client: Client,
  server: RunningServer,
  path: string,
  html: string,
  index: number,
  fields: Record<string, string>,
) {
  const actionField = [...html.matchAll(/name="(\$ACTION_ID_[0-9a-f]+)"/g)][index]?.[1];
  if (!actionField)
    throw new Error(`no form number ${index} with a server action in:\n${html.slice(0, 500)}`);
  const form = new FormData();
  form.set(actionField, '');
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  return client.request(server, path, { method: 'POST', body: form, headers: { origin: server.origin } });
}

/** The onStoreError policy through Next.js' own error handling; store-independent, so run once. */
function storeFailures(pair: () => Pair): void {
  test('fail-closed: a store that is down when loading answers 500 through Next.js, without hanging', async () => {
    const { first } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', first);
    const reply = await client.request(first, '/api/down');
    expect(reply.status).toBe(500);
    expect(reply.setCookies).toEqual([]);
  });

  test('fail-open: the request gets an unsaved session and the cookie is left alone', async () => {
    const { first } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', first);
    const reply = await client.request(first, '/api/fail-open');
    expect(reply.status).toBe(200);
    expect(json<Whoami>(reply)).toMatchObject({ user: 'lost', degraded: true });
    expect(reply.setCookies).toEqual([]);
  });

  test('save() inside after(), where cookies can no longer be set, refuses before the store is touched', async () => {
    const { first } = pair();
    const client = new Client();
    await client.followRedirect(first, '/api/login?user=ada', first);
    const cookie = client.cookie;
    const reply = await client.request(first, '/api/save-after');
    expect(reply.status).toBe(200);
    expect(reply.setCookies).toEqual([]);
    // after() runs once the response is sent: wait for its report (one server process here).
    let result: string | null = null;
    for (let attempt = 0; attempt < 200 && result === null; attempt++) {
      result = json<{ result: string | null }>(await client.request(first, '/api/after-result')).result;
      if (result === null) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(result).toBe('SESSION_STATE_INVALID');
    const still = await new Client().request(first, '/api/whoami', { headers: { cookie } });
    expect(json<Whoami>(still)).toMatchObject({ user: 'ada', isNew: false });
  });

  test('a failed commit turns the response into a 500 without Set-Cookie (App Router, Pages router)', async () => {
    const { first } = pair();
    for (const [path, method] of [
      ['/api/commit-fail', 'POST'],
      ['/api/pages-commit-fail', 'GET'],
      ['/api/pages-commit-fail-raw', 'GET'],
    ] as const) {
      const reply = await new Client().request(first, path, { method });
      expect(reply.status, path).toBe(500);
      expect(reply.setCookies, path).toEqual([]);
      expect(reply.body, path).not.toContain('never-saved');
    }
  });
}
