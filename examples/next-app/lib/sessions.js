// The app's sessions: one manager per server process, used by the server actions (which change
// the session) and the page (which only reads it). Sessions live in Redis, whose owner index
// makes "sign out everywhere" one call; with SESSION_DIR set they live in files instead.
import { randomBytes } from 'node:crypto';
import { createSessionManager } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { createNextSessions } from '@sessionkit/next';
import { createRedisStore } from '@sessionkit/redis';
import Redis from 'ioredis';

function createStore() {
  if (process.env.SESSION_DIR) return createFileStore({ directory: process.env.SESSION_DIR });
  const redis = new Redis(process.env.REDIS_URL || 'redis://127.0.0.1:6379', {
    // `next build` imports this module too: connect on the first command, not at import.
    lazyConnect: true,
    // Bounded failure: a request fails within about 2 s while Redis is down instead of hanging.
    maxRetriesPerRequest: 1,
    commandTimeout: 2_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  redis.on('error', (error) => console.warn(`redis: ${error.message}`));
  return createRedisStore(redis, { prefix: process.env.SESSION_PREFIX || 'example:next:' });
}

function secret() {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  // src/server.mjs always sets one; this covers a bare `next start`. Every process needs the same
  // secret to verify the others' cookies, so a random one only suits a single process.
  console.warn('SESSION_SECRET is not set: using a random one; sessions end when this process stops.');
  return randomBytes(32).toString('base64url');
}

// Next.js bundles the page and the actions separately, so this module can be evaluated more than
// once per process; keeping the manager on globalThis gives the process one store connection.
globalThis.__sessionkitExample ??= createNextSessions(
  createSessionManager({
    store: createStore(),
    secrets: [secret()],
    idleTimeout: 30 * 60_000,
    absoluteTimeout: 12 * 60 * 60_000,
    // `next start` serves plain http on 127.0.0.1 here, where browsers may drop a Secure cookie.
    // Behind HTTPS set COOKIE_SECURE=true (or leave `secure` out: core defaults to Secure).
    cookie: { secure: process.env.COOKIE_SECURE === 'true' },
    // Requests fail with the verify error (each problem and its fix) until the store verifies.
    verifyOnStart: 'fail',
  }),
);

/** Where sessions live, for the page's heading. */
export const storeLabel = process.env.SESSION_DIR ? 'files' : 'Redis';

/** App Router sessions: `withSession` for actions, `read()` for server components, `manager`. */
export const sessions = globalThis.__sessionkitExample;
