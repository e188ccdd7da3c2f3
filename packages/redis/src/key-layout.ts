/**
 * Key layout (see README "Key layout"):
 *
 *   <prefix>{<storageKey>}        hash: p = payload bytes, v = version, e = expiresAt (epoch ms),
 *                                 o = ownerId (absent when none); PEXPIREAT e
 *   <prefix>owner:{<ownerId>}     sorted set: member = storageKey, score >= that session's expiry;
 *                                 PEXPIREAT = highest score
 *
 * The braces are a Cluster hash tag: only the text between them picks the slot, so anything a
 * later version keeps beside a session (`<prefix>{<storageKey>}:x`) lands in the session's slot
 * and can be updated by the same script. A session key always has `{` right after the prefix
 * and an owner key has `owner:{`, so the two families never overlap and SCAN can tell them apart.
 */
import { SessionConfigError } from '@sessionkit/core';

/** The prefix used when none is given. */
export const DEFAULT_PREFIX = 'sess:';

const MAX_PREFIX_LENGTH = 256;

/** Validates a key prefix; throws SessionConfigError saying how to fix it. */
export function validatePrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || prefix.length === 0) {
    throw new SessionConfigError(
      'createRedisStore: `prefix` must be a non-empty string such as "sess:"; an empty prefix would ' +
        'make clear() delete every key in the database.',
    );
  }
  if (prefix.length > MAX_PREFIX_LENGTH) {
    throw new SessionConfigError(
      `createRedisStore: \`prefix\` must be at most ${MAX_PREFIX_LENGTH} characters.`,
    );
  }
  if (/[{}]/.test(prefix)) {
    throw new SessionConfigError(
      'createRedisStore: `prefix` must not contain "{" or "}": the store puts a Cluster hash tag right ' +
        'after it, and a brace in the prefix would move every session into one slot. Use e.g. "app:sess:".',
    );
  }
  return prefix;
}

/** The builders of every key the store touches, for one prefix. */
export interface KeyLayout {
  session(storageKey: string): string;
  owner(ownerId: string): string;
  /** SCAN pattern of session keys only. */
  readonly sessionPattern: string;
  /** SCAN pattern of every key under the prefix (sessions and owner indexes). */
  readonly allPattern: string;
  /** Whether a key returned by SCAN is an owner index key. */
  isOwnerKey(key: string): boolean;
}

/** Escapes the glob metacharacters of SCAN MATCH, so a prefix is matched literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (char) => `\\${char}`);
}

// Redis keeps strings as UTF-8, where every lone surrogate becomes U+FFFD, so two different keys
// (or owner ids) would alias one another. Core's keys are base64url digests and never have one.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether Redis can hold `text` exactly (no lone surrogate). */
export function isExact(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export function keyLayout(prefix: string): KeyLayout {
  const ownerPrefix = `${prefix}owner:{`;
  return {
    session: (storageKey) => `${prefix}{${storageKey}}`,
    owner: (ownerId) => `${ownerPrefix}${ownerId}}`,
    sessionPattern: `${escapeGlob(prefix)}{*`,
    allPattern: `${escapeGlob(prefix)}*`,
    isOwnerKey: (key) => key.startsWith(ownerPrefix),
  };
}
