import { SessionStoreError } from '@sessionkit/core';

/**
 * The longest key, owner id or namespace the store accepts, in UTF-8 bytes. The default schema
 * declares these columns as 255 characters, so nothing that passes can be truncated on the way in.
 */
export const MAX_TEXT_BYTES = 255;

/**
 * The latest instant a BIGINT expiry is stored as: the end of the JavaScript Date range
 * (year 275760). Later deadlines, `Infinity` included, are clamped to it.
 */
export const MAX_EXPIRY = 8.64e15;

// A lone surrogate would be replaced by U+FFFD when encoded, so two different keys could alias.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a key, owner id or namespace cannot be stored exactly, or null when it can. Core's keys
 * (base64url SHA-256 digests) always can; the rules keep third-party keys from aliasing:
 * PAD SPACE collations (MySQL/MariaDB) and SQL Server compare `'a '` equal to `'a'`, PostgreSQL
 * rejects NUL, and an over-long value could be truncated by a non-strict MySQL server.
 */
export function unstorableReason(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'is not well-formed Unicode (it has a lone surrogate)';
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (text.endsWith(' ')) return 'ends with a space, which SQL comparisons ignore';
  if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES)
    return `is longer than ${MAX_TEXT_BYTES} bytes of UTF-8`;
  return null;
}

/** True when the text can be stored and matched exactly. */
export function isStorable(text: unknown): text is string {
  return typeof text === 'string' && unstorableReason(text) === null;
}

/** Throws a SessionStoreError unless `text` is a storable string. */
export function assertStorable(text: unknown, what: string, label: string): string {
  if (typeof text !== 'string') {
    throw new SessionStoreError(`${label} store: ${what} must be a string (got ${typeof text}).`);
  }
  const reason = unstorableReason(text);
  if (reason !== null)
    throw new SessionStoreError(`${label} store: the ${what} ${reason}; it cannot be stored.`);
  return text;
}

/** Validates an expiry and brings it into the BIGINT range the store writes. */
export function normalizeExpiry(expiresAt: unknown, label: string, operation: string): number {
  if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
    throw new SessionStoreError(
      `${label} store ${operation}: expiresAt must be a number (got ${String(expiresAt)}).`,
    );
  }
  return Math.max(-MAX_EXPIRY, Math.min(MAX_EXPIRY, Math.floor(expiresAt)));
}
