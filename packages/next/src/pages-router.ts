import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Session,
  type SessionData,
  type SessionManager,
  type SessionManagerInput,
  toSessionManager,
} from '@sessionkit/core';
import type { NextApiHandler, NextApiRequest, NextApiResponse } from 'next';

/** Sessions for the Pages router, from {@link createPagesSessions}. */
export interface PagesSessions<Data extends SessionData = SessionData> {
  /** The manager behind it: `listSessions`, `revokeSessions`, `cookieName`. */
  readonly manager: SessionManager<Data>;
  /**
   * Wraps an API route: the session is the first argument and is committed before the response
   * head leaves. A failed commit rejects into Next.js' API error handling (a 500), with the
   * response the handler prepared discarded.
   */
  withSession<T = unknown>(
    handler: (session: Session<Data>, req: NextApiRequest, res: NextApiResponse<T>) => unknown,
  ): NextApiHandler<T>;
  /**
   * The request's session (the same one on every call for one request), for `getServerSideProps`
   * or unwrapped API routes. It is committed when the response starts; if that fails, the
   * response becomes a plain 500 and the error is logged.
   */
  getSession(req: IncomingMessage, res: ServerResponse): Promise<Session<Data>>;
}

type Sender = 'writeHead' | 'write' | 'end' | 'flushHeaders';
const SENDERS: readonly Sender[] = ['writeHead', 'write', 'end', 'flushHeaders'];

interface Held<Data extends SessionData> {
  session: Session<Data>;
  /** True while a withSession wrapper waits to receive a commit failure itself. */
  delegated: boolean;
  committed?: Promise<void>;
  /** Stops holding the response without committing (the handler failed: its changes are dropped). */
  abandon(): void;
}

/**
 * Creates Pages-router sessions.
 *
 * @example
 * // pages/api/login.ts
 * export default pagesSessions.withSession(async (session, req, res) => {
 *   session.regenerate();
 *   session.set('userId', await authenticate(req.body));
 *   res.redirect(303, '/account'); // the cookie is on this redirect, the session already saved
 * });
 */
export function createPagesSessions<Data extends SessionData = SessionData>(
  input: SessionManagerInput<Data>,
): PagesSessions<Data> {
  const manager = toSessionManager(input);
  const open = new WeakMap<IncomingMessage, Promise<Held<Data>>>();
  const hold = (req: IncomingMessage, res: ServerResponse) => {
    let held = open.get(req);
    if (!held) {
      held = manager.load(req.headers.cookie).then((session) => holdResponse(manager, session, res));
      open.set(req, held);
    }
    return held;
  };
  return {
    manager,
    getSession: async (req, res) => (await hold(req, res)).session,
    withSession: (handler) => async (req, res) => {
      const held = await hold(req, res);
      held.delegated = true;
      try {
        await handler(held.session, req, res);
      } catch (error) {
        held.abandon();
        throw error;
      }
      try {
        await held.committed;
      } finally {
        // A response finished after the handler returned has no caller left to reject to.
        held.delegated = false;
      }
    },
  };
}

/**
 * Node's response has no "before the head is sent" hook, so the first call that would send it is
 * queued with every call after it; the session is committed, Set-Cookie added, and the calls
 * replayed in order. Nothing reaches the client before the commit settles.
 */
function holdResponse<Data extends SessionData>(
  manager: SessionManager<Data>,
  session: Session<Data>,
  res: ServerResponse,
): Held<Data> {
  const target = res as unknown as Record<Sender, (...args: unknown[]) => unknown>;
  const originals = SENDERS.map((name) => [name, target[name]] as const);
  const queue: Array<[Sender, unknown[]]> = [];
  const release = () => {
    for (const [name, original] of originals) target[name] = original;
  };
  const held: Held<Data> = { session, delegated: false, abandon: () => held.committed ?? release() };
  const settle = async () => {
    try {
      const setCookie = await manager.commit(session);
      if (setCookie) res.appendHeader('set-cookie', setCookie);
    } catch (error) {
      release();
      // The prepared response must not reach the client: it would claim a change that was lost.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      if (held.delegated) throw error;
      console.error('[sessionkit] The session could not be saved; answering 500.', error);
      res.statusCode = 500;
      res.end('Internal Server Error');
      return;
    }
    release();
    for (const [name, args] of queue) target[name].apply(res, args);
  };
  for (const name of SENDERS) {
    target[name] = (...args: unknown[]) => {
      queue.push([name, args]);
      if (!held.committed) {
        held.committed = settle();
        // Observed here so a failure is never "unhandled"; withSession awaits and rethrows it.
        held.committed.catch(() => undefined);
      }
      return name === 'write' ? true : res;
    };
  }
  return held;
}
