import type { IncomingMessage } from 'node:http';
import {
  type Session,
  SessionConfigError,
  type SessionData,
  type SessionManagerInput,
  toSessionManager,
} from '@sessionkit/core';
import type { RequestHandler } from 'express';
import { holdHead } from './hold-head';

/**
 * Express middleware (Express 4 and 5) that loads the session into `req.session` and commits it
 * before the response head is sent, so a client following a redirect always sees what the handler
 * stored. A store failure goes to `next(err)` under the default 'fail-closed' policy: on load the
 * handler never runs; on commit the handler's response is dropped and your error handler answers
 * instead.
 *
 * The session is committed by the handler's first `writeHead`, `write`, `flushHeaders` or `end`;
 * changing it after that throws a SessionStateError (stream only after your last change).
 *
 * @example
 * import express from 'express';
 * import { createMemoryStore } from '@sessionkit/core';
 * import { createSessionMiddleware, sessionOf } from '@sessionkit/express';
 *
 * type Data = { userId: string };
 * const app = express();
 * app.use(createSessionMiddleware<Data>({ store: createMemoryStore(), secrets: [process.env.SESSION_SECRET!] }));
 * app.post('/login', (req, res) => {
 *   const session = sessionOf<Data>(req);
 *   session.regenerate();
 *   session.set('userId', 'u1');
 *   res.redirect('/');
 * });
 */
export function createSessionMiddleware<Data extends SessionData = SessionData>(
  input: SessionManagerInput<Data>,
): RequestHandler {
  const manager = toSessionManager(input);
  return (req, res, next) => {
    manager.load(req.headers.cookie).then((session) => {
      // Not typed through Express.Request: @types/express-session owns that property's type.
      (req as { session?: unknown }).session = session;
      const commit = () =>
        manager.commit(session).then((setCookie) => {
          if (setCookie) res.appendHeader('set-cookie', setCookie);
        });
      holdHead(res, commit, next);
      next();
    }, next);
  };
}

/**
 * The request's session, typed. Works whether or not `@types/express-session` is installed (it
 * claims the type of `req.session` globally); to type `req.session` itself instead, see the README.
 * Throws a SessionConfigError when the middleware did not run for this request.
 *
 * @example
 * app.get('/', (req, res) => res.send(`views: ${sessionOf<{ views: number }>(req).update('views', (n = 0) => n + 1)}`));
 */
export function sessionOf<Data extends SessionData = SessionData>(req: IncomingMessage): Session<Data> {
  const session = (req as { session?: Partial<Session<Data>> }).session;
  // getFlash tells a sessionkit session from an express-session one, which has no such method.
  if (typeof session?.getFlash !== 'function') {
    throw new SessionConfigError(
      'This request has no sessionkit session: mount createSessionMiddleware(...) before this route.',
    );
  }
  return session as Session<Data>;
}
