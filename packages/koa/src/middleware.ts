import {
  type Session,
  type SessionData,
  type SessionManagerInput,
  SessionStateError,
  toSessionManager,
} from '@sessionkit/core';
import type { DefaultState, Middleware } from 'koa';

/** What the middleware adds to the Koa context: `ctx.session`. */
export interface SessionContext<Data extends SessionData = SessionData> {
  /** The request's session, loaded before the downstream middleware runs. */
  session: Session<Data>;
}

/**
 * Koa middleware (Koa 2 and 3) that loads the session into `ctx.session`, runs the downstream
 * middleware, then commits the session and sets the cookie. Koa writes the response only once
 * the middleware chain has returned, so the commit always precedes the head. A store failure is
 * thrown under the default 'fail-closed' policy and takes Koa's error path (your error-handling
 * middleware upstream, or `app.on('error')` and Koa's own error response).
 *
 * The session is committed even when a downstream middleware throws (a destroy() before the
 * failure still logs the user out); the downstream error is then rethrown, not the commit's.
 *
 * @example
 * import Koa from 'koa';
 * import { createMemoryStore } from '@sessionkit/core';
 * import { createSessionMiddleware, type SessionContext } from '@sessionkit/koa';
 *
 * type Data = { userId: string };
 * const app = new Koa<Koa.DefaultState, SessionContext<Data>>();
 * app.use(createSessionMiddleware<Data>({ store: createMemoryStore(), secrets: [process.env.SESSION_SECRET!] }));
 * app.use((ctx) => {
 *   ctx.body = ctx.session.get('userId') ?? 'anonymous';
 * });
 */
export function createSessionMiddleware<Data extends SessionData = SessionData>(
  input: SessionManagerInput<Data>,
): Middleware<DefaultState, SessionContext<Data>> {
  const manager = toSessionManager(input);
  return async (ctx, next) => {
    const session = await manager.load(ctx.get('cookie'));
    ctx.session = session;
    let downstream: { error: unknown } | undefined;
    try {
      await next();
    } catch (error) {
      downstream = { error };
    }
    let setCookie: string | null;
    try {
      setCookie = await manager.commit(session);
    } catch (error) {
      throw downstream ? downstream.error : error;
    }
    if (setCookie && ctx.headerSent) {
      // ctx.respond = false or a direct write to ctx.res: Koa reports this through app 'error'.
      throw new SessionStateError(
        'The session cookie could not be set: the response head was sent before the middleware chain returned.',
      );
    }
    if (setCookie) ctx.append('Set-Cookie', setCookie);
    if (downstream) throw downstream.error;
  };
}
