import { SessionConfigError } from '../errors';
import { createSessionManager, MANAGER_BRAND, type SessionManager } from './manager';
import type { SessionManagerOptions } from './options';
import type { SessionData } from './session';

/**
 * What every framework binding accepts: a ready `SessionManager` (to share one between a binding
 * and your own code, say for `revokeSessions`, or between two apps), or the options to create
 * one with.
 */
export type SessionManagerInput<Data extends SessionData = SessionData> =
  | SessionManager<Data>
  | SessionManagerOptions;

/**
 * The one entry point of the framework bindings: the manager itself when given one (from
 * `createSessionManager`, or a subclass such as the persistent manager), or a new manager created
 * from the options. A manager is recognised by a global-symbol brand rather than `instanceof`,
 * which fails when the app and the binding resolve two copies of core (ESM and CJS builds).
 *
 * Throws a `SessionConfigError` for anything else (nothing, a primitive, an object that is
 * neither, such as `{ manager }`), and for invalid options, as `createSessionManager` does.
 *
 * @example
 * import { type SessionData, type SessionManagerInput, toSessionManager } from '@sessionkit/core';
 *
 * export function createMyFrameworkSessions<Data extends SessionData>(input: SessionManagerInput<Data>) {
 *   const manager = toSessionManager(input);
 *   return async (cookieHeader: string | undefined) => manager.load(cookieHeader);
 * }
 */
export function toSessionManager<Data extends SessionData = SessionData>(
  input: SessionManagerInput<Data>,
): SessionManager<Data> {
  if (typeof input !== 'object' || input === null) {
    throw notAnInput(input === null ? 'null' : typeof input);
  }
  if ((input as unknown as Record<symbol, unknown>)[MANAGER_BRAND] === true) {
    return input as SessionManager<Data>;
  }
  // Options always name a store; anything without one was meant as something else.
  if (!('store' in input)) {
    const keys = Object.keys(input);
    // `{ manager }` included: a manager goes in as it is, not wrapped.
    throw notAnInput(keys.length ? `an object with only ${keys.join(', ')}` : 'an empty object');
  }
  return createSessionManager<Data>(input as SessionManagerOptions);
}

function notAnInput(got: string): SessionConfigError {
  return new SessionConfigError(
    'Expected a SessionManager (from createSessionManager) or its options ({ store, secrets, ... }), ' +
      `got ${got}. A manager goes in as it is, not wrapped in an object.`,
  );
}
