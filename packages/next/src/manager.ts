import {
  createSessionManager,
  type SessionData,
  type SessionManager,
  type SessionManagerOptions,
} from '@sessionkit/core';

/** What every factory of this package accepts: manager options, or a manager you already built. */
export type SessionsInput<Data extends SessionData> = SessionManagerOptions | SessionManager<Data>;

/**
 * Passing one manager to both routers' factories shares its in-process conflict queue. Duck-typed
 * rather than `instanceof`, which fails when the app resolves two copies of core (ESM and CJS).
 */
export function managerFrom<Data extends SessionData>(input: SessionsInput<Data>): SessionManager<Data> {
  const candidate = input as Partial<SessionManager<Data>>;
  return typeof candidate.load === 'function' && typeof candidate.commit === 'function'
    ? (input as SessionManager<Data>)
    : createSessionManager<Data>(input as SessionManagerOptions);
}
