import { type Session, type SessionData, SessionStateError } from '@sessionkit/core';

/**
 * What a server component may do with a session: read it. `peekFlash` reads a flash value
 * without consuming it, since a server component cannot write the session (see the README's
 * "Flash messages on App Router pages").
 */
export interface ReadonlySession<Data extends SessionData = SessionData>
  extends Pick<
    Session<Data>,
    'id' | 'isNew' | 'createdAt' | 'expiresAt' | 'ownerId' | 'degraded' | 'get' | 'has' | 'toJSON'
  > {
  /**
   * A flash value an earlier request set with `flash(key, value)`, or undefined. It stays in the
   * session: consume it with `getFlash(key)` in a server action or route handler.
   */
  peekFlash<T = unknown>(key: string): T | undefined;
}

const PROPERTIES = ['id', 'isNew', 'createdAt', 'expiresAt', 'ownerId', 'degraded'] as const;
const MUTATORS = ['set', 'unset', 'update', 'flash', 'getFlash', 'setOwner', 'regenerate', 'destroy'];

/** A frozen view of a session that is never committed; mutating methods throw. */
export function readonlyView<Data extends SessionData>(session: Session<Data>): ReadonlySession<Data> {
  const refuse = () => {
    throw new SessionStateError(
      'Server components cannot change the session (Next.js makes cookies read-only while rendering). ' +
        'Change it in a server action or route handler wrapped with sessions.withSession().',
    );
  };
  // getFlash on this never-committed copy consumes only in memory; the values are kept here so
  // that every component of the render peeking the same key sees it.
  const peeked = new Map<string, unknown>();
  const view = {
    get: session.get.bind(session),
    has: session.has.bind(session),
    toJSON: session.toJSON.bind(session),
    peekFlash<T>(key: string): T | undefined {
      if (!peeked.has(key)) peeked.set(key, session.getFlash(key));
      return peeked.get(key) as T | undefined;
    },
    ...Object.fromEntries(MUTATORS.map((method) => [method, refuse])),
  };
  // Live getters: the view follows the session rather than copying it.
  for (const name of PROPERTIES) {
    Object.defineProperty(view, name, { get: () => session[name], enumerable: true });
  }
  return Object.freeze(view) as unknown as ReadonlySession<Data>;
}
