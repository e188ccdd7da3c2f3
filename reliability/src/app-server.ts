/**
 * One app node, run as a child process (`node --import tsx app-server.ts`) so that a crash or a
 * hang is observable from outside. Express 5 with @sessionkit/express, configured by the JSON in
 * SK_APP_CONFIG. It installs no uncaughtException or unhandledRejection handler on purpose: an
 * escaped error must kill the node, and the suite checks that no node died.
 *
 * Routes: POST /inc increments the session counter `n`; GET /peek reads it without changing it;
 * POST /login regenerates the session and binds it to a user; POST /logout destroys it;
 * GET /health answers without a session. Response headers: x-node (which node answered),
 * x-degraded (fail-open served an anonymous session), x-store-error (a store call failed during
 * this request, so under fail-open its write may be missing).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSessionError } from '@sessionkit/core';
import { createSessionMiddleware, sessionOf } from '@sessionkit/express';
import express, { type ErrorRequestHandler } from 'express';
import {
  APP_CONFIG_ENV,
  type AppConfig,
  type AppMessage,
  type AppRequest,
  type AppStats,
} from './app-config';
import { openAppStore } from './app-store';

const config = JSON.parse(process.env[APP_CONFIG_ENV] ?? 'null') as AppConfig | null;
if (config === null) throw new Error(`${APP_CONFIG_ENV} is not set`);
const storeTimeout = config.storeTimeout ?? 1_000;

const stats: AppStats = { requests: 0, storeErrors: 0, statuses: {} };
let driverErrors = 0;
const opened = await openAppStore(config.store, storeTimeout, () => {
  driverErrors++;
});

// The response of the request a store call belongs to, so the storeError hook can mark it.
const current = new AsyncLocalStorage<ServerResponse>();

const app = express();
app.disable('x-powered-by');
app.get('/health', (_req, res) => {
  res.send('ok');
});
app.use((_req, res, next) => {
  stats.requests++;
  res.setHeader('x-node', config.node);
  res.once('finish', () => {
    stats.statuses[res.statusCode] = (stats.statuses[res.statusCode] ?? 0) + 1;
  });
  current.run(res, next);
});
app.use(
  createSessionMiddleware<{ n: number; user: string }>({
    store: opened.store,
    secrets: config.secrets,
    storeTimeout,
    onStoreError: config.policy ?? 'fail-closed',
    idleTimeout: config.idleTimeout ?? 3_600_000,
    cookie: { secure: false },
    hooks: {
      storeError(event) {
        stats.storeErrors++;
        const res = current.getStore();
        // The header carries the driver's message (sanitised to a header value) for diagnostics.
        const cause = event.error.cause instanceof Error ? event.error.cause.message : event.error.message;
        if (res && !res.headersSent)
          res.setHeader('x-store-error', cause.replace(/[^\x20-\x7e]/g, '?').slice(0, 120) || '1');
      },
    },
  }),
);

app.post('/inc', (req, res) => {
  const session = sessionOf<{ n: number }>(req);
  const n = session.update('n', (value = 0) => value + 1);
  if (session.degraded) res.setHeader('x-degraded', '1');
  res.json({ node: config.node, n, degraded: session.degraded });
});

app.get('/peek', (req, res) => {
  const session = sessionOf<{ n: number }>(req);
  if (session.degraded) res.setHeader('x-degraded', '1');
  res.json({
    node: config.node,
    n: session.get('n') ?? null,
    isNew: session.isNew,
    degraded: session.degraded,
  });
});

app.post('/login', (req, res) => {
  const session = sessionOf<{ user: string }>(req);
  const user = String(req.query.user ?? 'user');
  session.regenerate();
  session.set('user', user);
  session.setOwner(user);
  res.json({ node: config.node, user });
});

app.post('/logout', (req, res) => {
  sessionOf(req).destroy();
  res.json({ node: config.node });
});

const onError: ErrorRequestHandler = (error, req, res, _next) => {
  const storeFailure =
    isSessionError(error, 'SESSION_STORE_ERROR') || isSessionError(error, 'SESSION_STORE_TIMEOUT');
  // 'load' failures happen before the handler ran (nothing was written); 'commit' failures may
  // have reached the backend before the error, so the client must treat them as unknown.
  const phase = (req as { session?: unknown }).session === undefined ? 'load' : 'commit';
  // The driver's message, for the report's diagnostics (a test app: real apps keep it in their logs).
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message.slice(0, 120) : undefined;
  res
    .status(storeFailure ? 503 : 500)
    .json({ node: config.node, error: isSessionError(error) ? error.code : String(error), phase, detail });
};
app.use(onError);

const server = app.listen(0, '127.0.0.1', () => {
  const message: AppMessage = { type: 'ready', port: (server.address() as AddressInfo).port };
  process.send?.(message);
});
server.keepAliveTimeout = 30_000;

process.on('message', (message: AppRequest) => {
  if (message.type === 'heap') {
    // Several collections: the first can leave garbage that only a later one frees (weak refs,
    // finalizers), and the measurement must not depend on where the collector happened to be.
    const gc = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 4; i++) gc?.();
    const usage = process.memoryUsage();
    const reply: AppMessage = {
      type: 'heap',
      id: message.id,
      heapUsed: usage.heapUsed,
      rss: usage.rss,
      external: usage.external,
    };
    process.send?.(reply);
  } else if (message.type === 'stats') {
    const reply: AppMessage = {
      type: 'stats',
      id: message.id,
      stats: { ...stats, statuses: { ...stats.statuses } },
    };
    process.send?.(reply);
  }
});

process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    opened
      .close()
      .catch(() => undefined)
      .finally(() => {
        process.disconnect?.();
        process.exitCode = 0;
      });
  });
});

// Reported on exit so a parent can tell driver noise (reconnect attempts) from request failures.
process.once('exit', () => {
  process.stderr.write(`[${config.node}] driver errors: ${driverErrors}\n`);
});
