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
import { type ReadonlySession, readonlyView } from './readonly-session';
import { sessionCookieHeader } from './request-cookie';
import { parseSetCookie } from './set-cookie';

export type { ReadonlySession } from './readonly-session';

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
  const getSession = async () => {
    const [requestHeaders, cookieStore] = await Promise.all([headers(), cookies()]);
    const name = manager.cookieName;
    return manager.load(
      sessionCookieHeader(name, {
        header: requestHeaders.get('cookie'),
        current: cookieStore.get(name)?.value,
      }),
    );
  };
  const save = async (session: Session<Data>) => {
    // Checked before the commit: a commit writes the store (and, after regenerate(), deletes the
    // old record) before the cookie can be set, so a refusal afterwards would log the user out.
    const cookieStore = await writableCookies();
    const setCookie = await manager.commit(session);
    if (setCookie) cookieStore.set(parseSetCookie(setCookie));
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

type CookieStore = Awaited<ReturnType<typeof cookies>>;

const NOT_SAVED =
  'nothing was written and the session is unchanged. Change the session in a server action or ' +
  'route handler (sessions.withSession), before its response is sent; read it in server ' +
  'components with sessions.read().';

/**
 * The request's cookie store, once it is known to accept a Set-Cookie; otherwise a
 * SessionStateError, thrown before anything reaches the store.
 */
async function writableCookies(): Promise<CookieStore> {
  if (isRenderingServerComponents()) {
    throw new SessionStateError(
      `save() was called while Next.js renders server components, where cookies are read-only: ${NOT_SAVED}`,
    );
  }
  let cookieStore: CookieStore;
  try {
    cookieStore = await cookies();
  } catch (error) {
    throw Object.assign(new SessionStateError(`save() could not reach cookies(): ${NOT_SAVED}`), {
      cause: error,
    });
  }
  if (!acceptsSetCookie(cookieStore)) {
    throw new SessionStateError(
      `save() was called where Next.js no longer lets cookies be set (inside after(), for example): ${NOT_SAVED}`,
    );
  }
  return cookieStore;
}

/**
 * A probe memoized with React's `cache`, which memoizes only while React renders server
 * components (each render has its own cache) and calls through anywhere else: server actions,
 * route handlers. Two calls returning one object therefore mean "rendering", the phase in which
 * Next.js refuses cookie writes, and this needs no Next.js internals.
 */
const renderProbe = cache((): object => ({}));
function isRenderingServerComponents(): boolean {
  const first = renderProbe();
  return renderProbe() === first;
}

const PROBE = Symbol('sessionkit.cookie-probe');

/**
 * Asks the cookie store itself, for the phases React's cache cannot see (an `after()` callback):
 * a store that refuses writes throws before it looks at its argument, one that accepts them must
 * read the cookie's name before it can store anything. A name that throws therefore tells them
 * apart, and nothing is set either way.
 */
function acceptsSetCookie(cookieStore: CookieStore): boolean {
  const probe = {
    get name(): string {
      throw PROBE;
    },
    value: '',
  };
  try {
    cookieStore.set(probe);
  } catch (error) {
    return error === PROBE;
  }
  return true;
}

/** redirect() and friends end a handler by throwing an error whose digest names the response. */
function isNavigationSignal(error: unknown): boolean {
  const digest = (error as { digest?: unknown } | null)?.digest;
  return typeof digest === 'string' && /^NEXT_(REDIRECT|HTTP_ERROR_FALLBACK|NOT_FOUND)/.test(digest);
}
