/**
 * One error family for every sessionkit package. Each error has a stable `code` that callers can
 * switch on, and keeps the underlying failure in `cause`.
 *
 * `instanceof` breaks when an app ends up with two copies of the package (ESM and CJS builds, or
 * two versions in node_modules), so every error also carries a global-symbol brand that
 * {@link isSessionError} checks instead.
 */

import type { VerifyCheck, VerifyReport } from './store/verify';

const BRAND = Symbol.for('sessionkit.error');

/** Stable machine-readable error codes. Never renamed once published. */
export type SessionErrorCode =
  | 'SESSION_CONFIG_INVALID'
  | 'SESSION_STORE_ERROR'
  | 'SESSION_STORE_TIMEOUT'
  | 'SESSION_CONFLICT'
  | 'SESSION_TOO_LARGE'
  | 'SESSION_PAYLOAD_INVALID'
  | 'SESSION_RECORD_CORRUPT'
  | 'SESSION_STATE_INVALID'
  | 'SESSION_VERIFY_FAILED';

/** Base class of every error sessionkit throws or rejects with. */
export class SessionError extends Error {
  /** Stable code; prefer it over `instanceof` or the message. */
  readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SessionError';
    this.code = code;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** Invalid options, raised at construction time with a message that says how to fix them. */
export class SessionConfigError extends SessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SESSION_CONFIG_INVALID', message, options);
    this.name = 'SessionConfigError';
  }
}

/** A store call failed (network, server, driver). The driver's error is in `cause`. */
export class SessionStoreError extends SessionError {
  constructor(
    message: string,
    options?: { cause?: unknown; code?: 'SESSION_STORE_ERROR' | 'SESSION_STORE_TIMEOUT' },
  ) {
    super(options?.code ?? 'SESSION_STORE_ERROR', message, options);
    this.name = 'SessionStoreError';
  }
}

/** A store call did not settle within `storeTimeout`. */
export class SessionStoreTimeoutError extends SessionStoreError {
  constructor(operation: string, timeoutMs: number) {
    super(`Session store ${operation} did not answer within ${timeoutMs} ms`, {
      code: 'SESSION_STORE_TIMEOUT',
    });
    this.name = 'SessionStoreTimeoutError';
  }
}

/**
 * A compare-and-set write found another version than the one it expected (or an insert found a
 * live record). Core catches it, reloads and re-applies the request's changes.
 */
export class SessionConflictError extends SessionError {
  constructor(message = 'The session was changed by another request', options?: { cause?: unknown }) {
    super('SESSION_CONFLICT', message, options);
    this.name = 'SessionConflictError';
  }
}

/** The encoded session is larger than `maxPayloadBytes`; nothing was written. */
export class SessionTooLargeError extends SessionError {
  readonly size: number;
  readonly limit: number;

  constructor(size: number, limit: number) {
    super(
      'SESSION_TOO_LARGE',
      `The session payload is ${size} bytes, over the ${limit}-byte limit (maxPayloadBytes). ` +
        'Keep large data in your database and store only its id in the session, or raise maxPayloadBytes.',
    );
    this.name = 'SessionTooLargeError';
    this.size = size;
    this.limit = limit;
  }
}

/** Stored data could not be decoded: corrupt, truncated, unknown codec, or no key to decrypt it. */
export class SessionPayloadError extends SessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SESSION_PAYLOAD_INVALID', message, options);
    this.name = 'SessionPayloadError';
  }
}

/**
 * A record read back from the backend is not a record sessionkit could have written: a field is
 * missing or of the wrong type (a version that is not an integer, a garbage expiry), or the
 * storage key holds something else entirely. Stores reject `get` with it; core reports it through
 * the `payloadError` hook, treats the session as absent and removes the record, so it can never
 * lock its user out.
 */
export class SessionCorruptRecordError extends SessionError {
  /** The storage key of the record (a hash of the session ID by default, never the ID). */
  readonly key: string;
  /** What was wrong, e.g. `version is not a non-negative integer (got "abc")`. */
  readonly reason: string;

  constructor(key: string, reason: string, options?: { cause?: unknown }) {
    super('SESSION_RECORD_CORRUPT', `The stored session record is corrupt: ${reason}.`, options);
    this.name = 'SessionCorruptRecordError';
    this.key = key;
    this.reason = reason;
  }
}

/** A session was used in a way its state does not allow (for example, changed after commit). */
export class SessionStateError extends SessionError {
  constructor(message: string) {
    super('SESSION_STATE_INVALID', message);
    this.name = 'SessionStateError';
  }
}

/**
 * `verify()` found problems: the store (or the manager's options) cannot work as configured.
 * The message lists every problem and how to fix it; `report` holds every check, passed or not,
 * and `problems` the failed ones. Nothing in either is secret.
 */
export class SessionVerifyError extends SessionError {
  readonly report: VerifyReport;
  readonly problems: VerifyCheck[];

  constructor(report: VerifyReport) {
    const problems = report.checks.filter((check) => check.status === 'problem');
    const lines = problems.map((p) => `- [${p.check}] ${p.message}${p.fix ? `. Fix: ${p.fix}` : ''}`);
    super(
      'SESSION_VERIFY_FAILED',
      `${report.store} failed verification (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
    );
    this.name = 'SessionVerifyError';
    this.report = report;
    this.problems = problems;
  }
}

/**
 * Brand check that works across package copies, optionally narrowed to one code.
 *
 * @example
 * if (isSessionError(err, 'SESSION_STORE_TIMEOUT')) res.status(503);
 */
export function isSessionError(value: unknown, code?: SessionErrorCode): value is SessionError {
  if (typeof value !== 'object' || value === null) return false;
  if ((value as Record<symbol, unknown>)[BRAND] !== true) return false;
  return code === undefined || (value as SessionError).code === code;
}
