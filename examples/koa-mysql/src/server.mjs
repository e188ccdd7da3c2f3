// A small shop on Koa 3 with sessions in a MySQL or MariaDB table: sign in (a new session ID,
// bound to the user), a per-user cart, sign out, and "sign out everywhere" through the table's
// owner column. Run several copies against one database and any of them can serve any request.
//
//   node src/server.mjs     http://127.0.0.1:3000, database mysql://root@127.0.0.1:3306/test
//   PORT=3001 MYSQL_URL=mysql://app:secret@db:3306/app SESSION_SECRET=... node src/server.mjs
import { randomBytes } from 'node:crypto';
import { createSessionManager, isSessionError } from '@sessionkit/core';
import { createSessionMiddleware } from '@sessionkit/koa';
import { createMysqlStore } from '@sessionkit/mysql';
import Koa from 'koa';
import mysql from 'mysql2/promise';
import { PRODUCTS, renderPage } from './page.mjs';

const {
  PORT = '3000',
  HOST = '127.0.0.1',
  MYSQL_URL = 'mysql://root@127.0.0.1:3306/test',
  SESSION_TABLE = 'example_sessions',
  COOKIE_SECURE = 'false',
} = process.env;

const secret = process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url');
if (!process.env.SESSION_SECRET) {
  // Every process needs the same secret to verify the others' cookies, so a random one only
  // suits a single process you are trying out.
  console.warn('SESSION_SECRET is not set: using a random one; sessions end when this process stops.');
}

// connectTimeout bounds a request while the database is unreachable instead of letting it hang.
const pool = mysql.createPool({ uri: MYSQL_URL, connectionLimit: 5, connectTimeout: 2_000 });
const store = createMysqlStore(pool, { tableName: SESSION_TABLE });
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

/** Reads a small urlencoded form body (Koa has no body parser of its own). */
async function readForm(ctx) {
  if (!ctx.is('application/x-www-form-urlencoded')) return new URLSearchParams();
  let body = '';
  for await (const chunk of ctx.req) {
    body += chunk;
    if (body.length > 4_096) ctx.throw(413, 'Form too large.');
  }
  return new URLSearchParams(body);
}

/** What the page and the JSON endpoint show: the session plus the user's live sessions. */
async function view(session) {
  const user = session.get('user') ?? null;
  const devices = user ? (await sessions.listSessions(user)).length : 0;
  return { user, cart: session.get('cart') ?? {}, devices };
}

const routes = {
  'GET /': async (ctx) => {
    const notice = ctx.session.getFlash('notice');
    ctx.type = 'html';
    ctx.body = renderPage({ title: 'Koa + MySQL', ...(await view(ctx.session)), notice });
  },
  'GET /api/session': async (ctx) => {
    ctx.body = await view(ctx.session);
  },
  'POST /login': async (ctx) => {
    const name = ((await readForm(ctx)).get('name') ?? '').trim();
    // A stand-in for real authentication: any well-formed name signs in.
    if (!/^[\w.-]{1,32}$/.test(name)) ctx.throw(400, 'A name of 1 to 32 letters or digits.');
    ctx.session.regenerate(); // a new ID at sign-in: an ID planted before it is worthless (fixation)
    ctx.session.set('user', name);
    ctx.session.setOwner(name); // fills the owner column, for "sign out everywhere"
    ctx.session.flash('notice', `Welcome, ${name}.`);
    ctx.status = 303;
    ctx.redirect('/'); // Koa answers after the middleware chain, so after the session is saved
  },
  'POST /cart': async (ctx) => {
    const sku = (await readForm(ctx)).get('sku') ?? '';
    if (!Object.hasOwn(PRODUCTS, sku)) ctx.throw(400, 'Unknown product.');
    // update() re-runs on the freshest cart when another request or process wrote in between.
    ctx.session.update('cart', (cart = {}) => ({ ...cart, [sku]: (cart[sku] ?? 0) + 1 }));
    ctx.status = 303;
    ctx.redirect('/');
  },
  'POST /logout': async (ctx) => {
    ctx.session.destroy(); // deletes the row and clears the cookie
    ctx.status = 303;
    ctx.redirect('/');
  },
  'POST /logout-everywhere': async (ctx) => {
    const user = ctx.session.get('user');
    if (user) await sessions.revokeSessions(user); // every row of this user, whichever process wrote it
    ctx.session.destroy();
    ctx.status = 303;
    ctx.redirect('/');
  },
};

const app = new Koa();
// Mounted before the session middleware, so it also catches a store failure on load or save.
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (error) {
    if (!isSessionError(error, 'SESSION_STORE_ERROR') && !isSessionError(error, 'SESSION_STORE_TIMEOUT')) {
      throw error;
    }
    ctx.status = 503;
    ctx.body = 'Sessions are unavailable right now; please try again in a moment.';
  }
});
app.use(createSessionMiddleware(sessions));
app.use(async (ctx) => {
  const route = routes[`${ctx.method} ${ctx.path}`];
  if (!route) ctx.throw(404);
  await route(ctx);
});

const server = app.listen(Number(PORT), HOST, () => {
  const { address, port } = server.address();
  console.log(`koa-mysql example listening on http://${address}:${port}`);
});

function shutdown() {
  server.close(() => store.close().finally(() => pool.end().finally(() => process.exit(0))));
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
