import type { SessionError, SessionVerifyError } from '../errors';
import type { VerifyReport } from '../store/verify';

/**
 * Lifecycle hooks for audit logs and metrics. Events carry the storage key (a hash of the ID by
 * default), never the session ID itself, so logging them cannot leak a bearer token.
 * A hook that throws is reported on the console and never breaks the request.
 */
export interface SessionHooks {
  /** A new session was saved for the first time. */
  created?(event: { key: string; ownerId: string | null }): void;
  /** regenerate() moved a session to a new ID; the old record is gone. */
  regenerated?(event: { key: string; previousKey: string; ownerId: string | null }): void;
  /** destroy() or revocation removed a session. */
  destroyed?(event: { key: string; ownerId: string | null }): void;
  /** A session was found past its absolute timeout on access and removed. */
  expired?(event: { key: string; ownerId: string | null; reason: 'absolute' }): void;
  /** A compare-and-set lost to another writer; core reloads and re-applies. */
  conflict?(event: { key: string; attempt: number }): void;
  /** A store call failed or timed out (whatever the onStoreError policy then does). */
  storeError?(event: { operation: string; error: SessionError }): void;
  /**
   * A stored record could not be opened and the request gets a fresh session. `error` is a
   * `SessionCorruptRecordError` (code `SESSION_RECORD_CORRUPT`, with `reason`) when the record
   * itself is malformed (a field missing or of the wrong type); it is removed at once. Otherwise
   * a `SessionPayloadError` (`SESSION_PAYLOAD_INVALID`): the payload did not decode here (corrupt
   * bytes, too large, an unknown key or codec); it is removed once the fresh session replaces the
   * cookie, since a node with that key or codec could still read it until then.
   */
  payloadError?(event: { key: string; error: SessionError }): void;
  /**
   * The startup verification (`verifyOnStart` 'warn' or 'fail') finished: `error` is null when it
   * passed (the report may still hold warnings), the SessionVerifyError listing every problem
   * otherwise. Without this hook, problems and warnings go to `console.warn` once.
   */
  verify?(event: { report: VerifyReport | null; error: SessionVerifyError | null }): void;
}

type EventOf<K extends keyof SessionHooks> = Parameters<NonNullable<SessionHooks[K]>>[0];

/** Calls a hook without letting it break the request. */
export function emit<K extends keyof SessionHooks>(hooks: SessionHooks, name: K, event: EventOf<K>): void {
  const hook = hooks[name] as ((e: EventOf<K>) => void) | undefined;
  if (!hook) return;
  try {
    hook(event);
  } catch (error) {
    console.error(`[sessionkit] the ${name} hook threw; the request continues.`, error);
  }
}
