/**
 * An in-process Express 5 app with @sessionkit/express, for the security tests that need to look
 * inside the process (a controllable clock, a recording store) while still going over real HTTP.
 *
 * Routes: GET /whoami, POST /login?user=, POST /set?key=&value=&delay=, POST /big?bytes=&kind=random|repeat,
 * POST /logout. Errors answer with their code: 413 SESSION_TOO_LARGE, 503 store failures, 500 else.
 */
import { randomBytes } from 'node:crypto';
import { isSessionError, type SessionManagerOptions } from '@sessionkit/core';
import { createSessionMiddleware, sessionOf } from '@sessionkit/express';
import express, { type ErrorRequestHandler, type Express } from 'express';

type Data = { user: string; n: number; big: string } & Record<string, unknown>;

/** Builds the app around one manager configuration. */
export function securityApp(options: SessionManagerOptions): Express {
  const app = express();
  app.use(createSessionMiddleware<Data>(options));
  app.get('/whoami', (req, res) => {
    const session = sessionOf<Data>(req);
    res.json({ user: session.get('user') ?? null, isNew: session.isNew, note: session.get('note') ?? null });
  });
  app.post('/login', (req, res) => {
    const session = sessionOf<Data>(req);
    const user = String(req.query.user ?? 'alice');
    session.regenerate();
    session.set('user', user);
    session.setOwner(user);
    res.json({ user });
  });
  app.post('/set', async (req, res) => {
    const session = sessionOf<Data>(req);
    // ?delay=ms holds the request after load, so a test can make another request overtake it.
    await new Promise((resolve) => setTimeout(resolve, Number(req.query.delay ?? 0)));
    session.set(String(req.query.key), String(req.query.value ?? ''));
    res.json({ ok: true });
  });
  app.post('/big', (req, res) => {
    const bytes = Number(req.query.bytes ?? 0);
    // 'random' does not compress; 'repeat' compresses to almost nothing but decodes huge.
    const value = req.query.kind === 'random' ? randomBytes(bytes).toString('base64') : 'x'.repeat(bytes);
    sessionOf<Data>(req).set('big', value);
    res.json({ ok: true });
  });
  app.post('/logout', (req, res) => {
    sessionOf<Data>(req).destroy();
    res.json({ ok: true });
  });
  const onError: ErrorRequestHandler = (error, _req, res, _next) => {
    const status = isSessionError(error, 'SESSION_TOO_LARGE')
      ? 413
      : isSessionError(error, 'SESSION_STORE_ERROR') || isSessionError(error, 'SESSION_STORE_TIMEOUT')
        ? 503
        : 500;
    res.status(status).json({ error: isSessionError(error) ? error.code : 'ERROR' });
  };
  app.use(onError);
  return app;
}

/** The session ID inside a signed cookie value (`<id>.<signature>`, percent-encoded). */
export function idOfCookie(value: string): string {
  const decoded = decodeURIComponent(value);
  return decoded.slice(0, decoded.lastIndexOf('.'));
}
