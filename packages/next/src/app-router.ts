import {
  type Session,
  type SessionData,
  type SessionManager,
  type SessionManagerInput,
  SessionStateError,
  toSessionManager,
} from '@sessionkit/core';
import { cookies, headers } from 'next/headers';
import { cache } from 'react';
import { parseSetCookie } from './set-cookie';

/** What a server component may do with a session: read it. */
export type ReadonlySession<Data extends SessionData = SessionData> = Pick<
  Session<Data>,
  'id' | 'isNew' | 'createdAt' | 'expiresAt' | 'ownerId' | 'degraded' | 'get' | 'has' | 'toJSON'
>;

/** Sessions for the App Router, from {@link createNextSessions}. */
export interface NextSessions<Data extends SessionData = SessionData> {
  /** The manager behind it: `listSessions`, `revokeSessions`, `cookieName`. */
  readonly manager: SessionManager<Data>;
  /**
   * Wraps a route handler or a server action: loads the session, passes it as the first argument,
   * and commits it before the wrapped function resolves, so the cookie rides on the response (a
   * redirect included). `redirect()`, `notFound()`, `forbidden()` and `unauthorized()` still commit;
   * any other error discards the changes and propagates to Next.js' error handling.
   */
  withSession<Args extends unknown[], Result>(
    fn: (session: Session<Data>, ...args: Args) => Result | Promise<Result>,
  ): (...args: Args) => Promise<Result>;
  /** The request's session, for code that cannot be wrapped. Call {@link save} before returning. */
  getSession(): Promise<Session<Data>>;
  /** Commits a session from {@link getSession} and sets the cookie through `cookies()`. Once per session. */
  save(session: Session<Data>): Promise<void>;
  /**
   * A read-only view of the session for server components, which cannot set cookies. Loaded once
   * per request however many components ask. Mutating methods throw a `SessionStateError`.
   */
  read(): Promise<ReadonlySession<Data>>;
}

/**
 * Creates App Router sessions. Server components read; route handlers and server actions change
 * the session through `withSession` (or `getSession` + `save`).
 *
 * @example
 * // lib/sessions.ts
 * export const sessions = createNextSessions<{ userId: string }>({ store, secrets: [process.env.SESSION_SECRET!] });
 * // app/login/actions.ts ('use server')
 * export const login = sessions.withSession(async (session, form: FormData) => {
 *   session.regenerate();
 *   session.set('userId', await authenticate(form));
 *   redirect('/account');
 * });
 * // app/account/page.tsx
 * const session = await sessions.read();
 */
export function createNextSessions<Data extends SessionData = SessionData>(
  input: SessionManagerInput<Data>,
): NextSessions<Data> {
  const manager = toSessionManager(input);
  // headers(), not cookies(): it keeps every cookie of the same name, and core tries each one.
  const getSession = async () => manager.load((await headers()).get('cookie'));
  const save = async (session: Session<Data>) => {
    const setCookie = await manager.commit(session);
    if (setCookie) (await cookies()).set(parseSetCookie(setCookie));
  };
  return {
    manager,
    getSession,
    save,
    withSession:
      (fn) =>
      async (...args) => {
        const session = await getSession();
        const result = await (async () => fn(session, ...args))().catch(async (error: unknown) => {
          if (isNavigationSignal(error)) await save(session);
          throw error;
        });
        await save(session);
        return result;
      },
    read: cache(async () => readonlyView(await getSession())),
  };
}

/** redirect() and friends end a handler by throwing an error whose digest names the response. */
function isNavigationSignal(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' && /^NEXT_(REDIRECT|HTTP_ERROR_FALLBACK|NOT_FOUND)/.test(digest);
}

function readonlyView<Data extends SessionData>(session: Session<Data>): ReadonlySession<Data> {
  const refuse = () => {
    throw new SessionStateError(
      'Server components cannot change the session (Next.js makes cookies read-only while rendering). ' +
        'Change it in a server action or route handler wrapped with sessions.withSession().',
    );
  };
  return Object.freeze({
    get id() {
      return session.id;
    },
    get isNew() {
      return session.isNew;
    },
    get createdAt() {
      return session.createdAt;
    },
    get expiresAt() {
      return session.expiresAt;
    },
    get ownerId() {
      return session.ownerId;
    },
    get degraded() {
      return session.degraded;
    },
    get: session.get.bind(session),
    has: session.has.bind(session),
    toJSON: session.toJSON.bind(session),
    ...Object.fromEntries(
      ['set', 'unset', 'update', 'flash', 'getFlash', 'setOwner', 'regenerate', 'destroy'].map((m) => [
        m,
        refuse,
      ]),
    ),
  });
}
