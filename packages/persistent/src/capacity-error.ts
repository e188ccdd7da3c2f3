import { SessionStoreError } from '@sessionkit/core';

/**
 * The memory tier is at `maxActiveSessions` and may not make room: `whenFull: 'reject'` refused a
 * new session, or every session in memory has been idle for less than `minIdleSwap`.
 *
 * It is a {@link SessionStoreError} (code `SESSION_STORE_ERROR`), so the manager's `onStoreError`
 * policy applies: 'fail-closed' rejects the request (answer 503), 'fail-open' serves it without
 * saving the new session.
 */
export class SessionCapacityError extends SessionStoreError {
  /** The configured `maxActiveSessions`. */
  readonly limit: number;

  constructor(limit: number, reason: string) {
    super(
      `The session memory tier holds maxActiveSessions (${limit}) sessions and ${reason}. ` +
        "Raise maxActiveSessions, lower minIdleSwap, or use whenFull: 'swap'.",
    );
    this.name = 'SessionCapacityError';
    this.limit = limit;
  }
}
