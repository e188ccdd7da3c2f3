// A small shop on Express 5 with sessions in Redis: sign in (a new session ID, bound to the user),
// a per-user cart, sign out, "your devices" (each signed-in session of the user, with the browser
// and address it signed in from, each one revocable), and "sign out everywhere", all through the
// Redis store's owner index.
// Run several copies against one Redis and any of them can serve any request.
//
//   node src/server.mjs                 http://127.0.0.1:3000, Redis at redis://127.0.0.1:6379
//   PORT=3001 REDIS_URL=redis://127.0.0.1:6380 SESSION_SECRET=... node src/server.mjs
import { randomBytes } from 'node:crypto';
import { createSessionManager, isSessionError } from '@sessionkit/core';
import { createSessionMiddleware, sessionOf } from '@sessionkit/express';
import { createRedisStore } from '@sessionkit/redis';
import express from 'express';
import { Redis } from 'ioredis';
import { PRODUCTS, renderDevices, renderPage } from './page.mjs';

const {
  PORT = '3000',
  HOST = '127.0.0.1',
  REDIS_URL = 'redis://127.0.0.1:6379',
  SESSION_PREFIX = 'example:express:',
  COOKIE_SECURE = 'false',
} = process.env;

const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url');
if (!process.env.SESSION_SECRET) {
  // Every process needs the same secret to verify the others' cookies, so a random one only
  // suits a single process you are trying out.
  console.warn('SESSION_SECRET is not set: using a random one; sessions end when this process stops.');
}

// Bounded failure: without these options ioredis queues commands through 20 reconnection attempts,
// so a request would hang while Redis is down instead of failing within about 2 s.
const redis = new Redis(REDIS_URL, {
  maxRetriesPerRequest: 1,
  commandTimeout: 2_000,
  connectTimeout: 2_000,
  retryStrategy: (times) => Math.min(times * 100, 1_000),
});
redis.on('error', (error) => console.warn(`redis: ${error.message}`));

const sessions = createSessionManager({
  store: createRedisStore(redis, { prefix: SESSION_PREFIX }),
  secrets: [secret],
  idleTimeout: 30 * 60_000,
  absoluteTimeout: 12 * 60 * 60_000,
  // The example serves plain http on 127.0.0.1, where browsers may drop a Secure cookie. Behind
  // HTTPS set COOKIE_SECURE=true (or leave `secure` out: core defaults to Secure in production).
  cookie: { secure: COOKIE_SECURE === 'true' },
  verifyOnStart: 'fail',
});
// verifyOnStart 'fail': refuse to start on a store that cannot work (a wrong password, a read-only
// user, a missing table or column, a clock far off); the error lists every problem and its fix.
await sessions.ready;

const app = express();
app.disable('x-powered-by');
app.use(express.urlencoded({ extended: false, limit: '4kb' }));
// One manager for the middleware and for revokeSessions/listSessions below.
app.use(createSessionMiddleware(sessions));

/** What the page and the JSON endpoint show: the session plus the user's live sessions. */
async function view(session) {
  const user = session.get('user') ?? null;
  const devices = user ? (await sessions.listSessions(user)).length : 0;
  return { user, cart: session.get('cart') ?? {}, devices };
}

app.get('/', async (req, res) => {
  const session = sessionOf(req);
  const notice = session.getFlash('notice');
  res.type('html').send(renderPage({ title: 'Express + Redis', ...(await view(session)), notice }));
});

app.get('/api/session', async (req, res) => {
  res.json(await view(sessionOf(req)));
});

app.post('/login', (req, res) => {
  const name = String(req.body?.name ?? '').trim();
  // A stand-in for real authentication: any well-formed name signs in.
  if (!/^[\w.-]{1,32}$/.test(name)) return res.status(400).send('A name of 1 to 32 letters or digits.');
  const session = sessionOf(req);
  session.regenerate(); // a new ID at sign-in: an ID planted before it is worthless (fixation)
  session.set('user', name);
  // Indexes the session under the user ("sign out everywhere"), with what the devices page shows
  // about it. The metadata is capped at 1024 characters, so the user agent is cut short first.
  session.setOwner(name, { userAgent: (req.get('user-agent') ?? 'unknown').slice(0, 200), ip: req.ip ?? '' });
  session.flash('notice', `Welcome, ${name}.`);
  res.redirect(303, '/'); // the middleware saves the session before this 303 leaves
});

app.post('/cart', (req, res) => {
  const sku = String(req.body?.sku ?? '');
  if (!Object.hasOwn(PRODUCTS, sku)) return res.status(400).send('Unknown product.');
  // update() re-runs on the freshest cart when another request or process wrote in between.
  sessionOf(req).update('cart', (cart = {}) => ({ ...cart, [sku]: (cart[sku] ?? 0) + 1 }));
  res.redirect(303, '/');
});

/** The signed-in user's sessions, the current one marked, most recently active first. */
async function devicesOf(session) {
  const user = session.get('user');
  if (!user) return null;
  const listed = await sessions.listSessions(user);
  return listed.map((entry) => ({ ...entry, current: entry.key === session.storageKey }));
}

app.get('/devices', async (req, res) => {
  const session = sessionOf(req);
  const devices = await devicesOf(session);
  if (devices === null) return res.redirect(303, '/');
  const notice = session.getFlash('notice');
  res.type('html').send(renderDevices({ title: 'Your devices', user: session.get('user'), devices, notice }));
});

app.get('/api/devices', async (req, res) => {
  const devices = await devicesOf(sessionOf(req));
  if (devices === null) return res.status(401).json({ error: 'not signed in' });
  res.json(devices);
});

app.post('/devices/revoke', async (req, res) => {
  const session = sessionOf(req);
  const user = session.get('user');
  if (!user) return res.status(401).send('Sign in first.');
  const key = String(req.body?.key ?? '');
  if (key === session.storageKey) {
    session.destroy(); // this device: sign out here, clearing the cookie
    return res.redirect(303, '/');
  }
  // Only a session of this user is ended: a key of anyone else's is refused by the store itself.
  const ended = await sessions.revokeSession(user, key);
  if (!ended) return res.status(404).send('No such session of yours.');
  session.flash('notice', 'That device is signed out.');
  res.redirect(303, '/devices');
});

app.post('/logout', (req, res) => {
  sessionOf(req).destroy(); // deletes the record and clears the cookie
  res.redirect(303, '/');
});

app.post('/logout-everywhere', async (req, res) => {
  const session = sessionOf(req);
  const user = session.get('user');
  if (user) await sessions.revokeSessions(user); // every device of this user, on every process
  session.destroy();
  res.redirect(303, '/');
});

// Store outages: the default 'fail-closed' policy passes a SessionStoreError to next(err).
// Four parameters: that is how Express recognises an error handler.
app.use((error, _req, res, next) => {
  if (
    isSessionError(error, 'SESSION_STORE_ERROR') ||
    isSessionError(error, 'SESSION_STORE_TIMEOUT') ||
    // verifyOnStart 'fail': the store has not verified (yet); load and commit verify it again.
    isSessionError(error, 'SESSION_VERIFY_FAILED')
  ) {
    return res.status(503).send('Sessions are unavailable right now; please try again in a moment.');
  }
  next(error);
});

const server = app.listen(Number(PORT), HOST, (error) => {
  if (error) throw error; // Express 5 reports listen errors (a port in use) here
  const { address, port } = server.address();
  console.log(`express-redis example listening on http://${address}:${port}`);
});

function shutdown() {
  server.close(() => redis.quit().finally(() => process.exit(0)));
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
