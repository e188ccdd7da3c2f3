// A small shop on Fastify 5 with sessions in a PostgreSQL table: sign in (a new session ID, bound
// to the user), a per-user cart, sign out, and "sign out everywhere" through the table's owner
// column. Run several copies against one database and any of them can serve any request.
//
//   node src/server.mjs     http://127.0.0.1:3000, database postgres://postgres@127.0.0.1:5432/test
//   PORT=3001 POSTGRES_URL=postgres://app:secret@db/app SESSION_SECRET=... node src/server.mjs
import { randomBytes } from 'node:crypto';
import { createSessionManager, isSessionError } from '@sessionkit/core';
import { sessionPlugin } from '@sessionkit/fastify';
import { createPostgresStore } from '@sessionkit/postgres';
import Fastify from 'fastify';
import pg from 'pg';
import { PRODUCTS, renderPage } from './page.mjs';

const {
  PORT = '3000',
  HOST = '127.0.0.1',
  POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test',
  SESSION_TABLE = 'example_sessions',
  COOKIE_SECURE = 'false',
} = process.env;

const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url');
if (!process.env.SESSION_SECRET) {
  // Every process needs the same secret to verify the others' cookies, so a random one only
  // suits a single process you are trying out.
  console.warn('SESSION_SECRET is not set: using a random one; sessions end when this process stops.');
}

// connectionTimeoutMillis bounds a request while the database is unreachable instead of a hang.
const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 5, connectionTimeoutMillis: 2_000 });
pool.on('error', (error) => console.warn(`postgres: ${error.message}`));
const store = createPostgresStore(pool, { tableName: SESSION_TABLE });
// Idempotent (CREATE TABLE IF NOT EXISTS); in production put schemaSql() in your migrations.
await store.createSchema();

const sessions = createSessionManager({
  store,
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

const app = Fastify({ bodyLimit: 4_096 });
// The page's forms post urlencoded bodies; Fastify parses only JSON out of the box.
app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
  done(null, Object.fromEntries(new URLSearchParams(body))),
);
// One manager for the plugin and for revokeSessions/listSessions below.
await app.register(sessionPlugin, sessions);

app.setErrorHandler(async (error, _request, reply) => {
  if (isSessionError(error, 'SESSION_STORE_ERROR') || isSessionError(error, 'SESSION_STORE_TIMEOUT')) {
    return reply.code(503).send('Sessions are unavailable right now; please try again in a moment.');
  }
  throw error;
});

/** What the page and the JSON endpoint show: the session plus the user's live sessions. */
async function view(session) {
  const user = session.get('user') ?? null;
  const devices = user ? (await sessions.listSessions(user)).length : 0;
  return { user, cart: session.get('cart') ?? {}, devices };
}

app.get('/', async (request, reply) => {
  const notice = request.session.getFlash('notice');
  const html = renderPage({ title: 'Fastify + PostgreSQL', ...(await view(request.session)), notice });
  return reply.type('text/html; charset=utf-8').send(html);
});

app.get('/api/session', async (request) => view(request.session));

app.post('/login', async (request, reply) => {
  const name = String(request.body?.name ?? '').trim();
  // A stand-in for real authentication: any well-formed name signs in.
  if (!/^[\w.-]{1,32}$/.test(name)) return reply.code(400).send('A name of 1 to 32 letters or digits.');
  request.session.regenerate(); // a new ID at sign-in: an ID planted before it is worthless (fixation)
  request.session.set('user', name);
  request.session.setOwner(name); // fills the owner column, for "sign out everywhere"
  request.session.flash('notice', `Welcome, ${name}.`);
  return reply.redirect('/', 303); // the onSend hook saves the session before the 303 leaves
});

app.post('/cart', async (request, reply) => {
  const sku = String(request.body?.sku ?? '');
  if (!Object.hasOwn(PRODUCTS, sku)) return reply.code(400).send('Unknown product.');
  // update() re-runs on the freshest cart when another request or process wrote in between.
  request.session.update('cart', (cart = {}) => ({ ...cart, [sku]: (cart[sku] ?? 0) + 1 }));
  return reply.redirect('/', 303);
});

app.post('/logout', async (request, reply) => {
  request.session.destroy(); // deletes the row and clears the cookie
  return reply.redirect('/', 303);
});

app.post('/logout-everywhere', async (request, reply) => {
  const user = request.session.get('user');
  if (user) await sessions.revokeSessions(user); // every row of this user, whichever process wrote it
  request.session.destroy();
  return reply.redirect('/', 303);
});

const address = await app.listen({ port: Number(PORT), host: HOST });
console.log(`fastify-postgres example listening on ${address}`);

async function shutdown() {
  await app.close();
  await store.close();
  await pool.end();
  process.exit(0);
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
