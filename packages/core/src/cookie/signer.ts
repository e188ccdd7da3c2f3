import { SessionConfigError } from '../errors';
import { constantTimeEqual } from '../payload/encoding';
import { defaultHashBackend, type HashBackend, type MaybePromise } from './hashing';
import { CookieMemo } from './memo';

/** Shortest secret accepted: 32 characters, about 192 bits when random base64url. */
export const MIN_SECRET_LENGTH = 32;

const HOW_TO_MAKE_A_SECRET =
  "Generate one with: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64url'))\" " +
  'and load it from the environment, e.g. secrets: [process.env.SESSION_SECRET].';

/** An HMAC-SHA256 tag in unpadded base64url: always 43 characters. */
const BASE64URL_SIGNATURE = /^[A-Za-z0-9_-]{43}$/;

/** Signs cookie values with HMAC-SHA256; the first secret signs, every secret verifies. */
export interface CookieSigner {
  sign(value: string): MaybePromise<string>;
  /** Which secret signed `value.signature` (0 is the one signing now), or -1. Never throws. */
  signerIndex(signed: string): MaybePromise<number>;
}

/** Validates secrets (at construction, so a bad deploy fails on boot, not on the first request). */
export function normalizeSecrets(secrets: unknown): string[] {
  const list = typeof secrets === 'string' ? [secrets] : secrets;
  if (!Array.isArray(list) || list.length === 0) {
    throw new SessionConfigError(
      `secrets is required: a list of strings, the first signs. ${HOW_TO_MAKE_A_SECRET}`,
    );
  }
  list.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      throw new SessionConfigError(
        `secrets[${index}] must be a string of at least ${MIN_SECRET_LENGTH} characters` +
          `${typeof secret === 'string' ? ` (it has ${secret.length})` : ''}. ${HOW_TO_MAKE_A_SECRET}`,
      );
    }
  });
  return [...list] as string[];
}

/**
 * How many verified cookies a signer remembers (about 1 MB at most): cookie values whose
 * signature checked out, with the index of the secret that signed them, so that the next request
 * carrying the same cookie skips the HMAC (the largest single cost of loading a session). This is
 * the same check, not a weaker one: an entry is the exact string already verified under these
 * secrets, which never change for a signer, and HMAC is deterministic, so recomputing would give
 * the same answer. Only successes are remembered, so forged cookies cannot fill it (a new entry
 * needs a valid signature, i.e. the secret). A lookup by an attacker's string reveals nothing
 * about a signature: the map compares hashes, and whole strings only on a hash match. Bounded
 * as CookieMemo says: cookies in use stay.
 */
export const VERIFIED_MEMO_SIZE = 8192;

/**
 * Creates a signer. The signed form is `value.signature`, the signature being the canonical
 * unpadded base64url of the tag; the value itself may contain dots, so the signature is taken
 * after the last one. Verification recomputes the tag and compares the text in constant time,
 * which also rejects other spellings of the same bytes; verified cookies are remembered
 * (VERIFIED_MEMO_SIZE above), and so are the ones this signer issued.
 */
export function createCookieSigner(
  secrets: string[],
  backend: HashBackend = defaultHashBackend,
  memoSize: number = VERIFIED_MEMO_SIZE,
): CookieSigner {
  const taggers = secrets.map((secret) => backend.hmac(secret));
  const memo = new CookieMemo<number>(memoSize);
  const remember = (signed: string, index: number): number => {
    if (index >= 0) memo.add(signed, index);
    return index;
  };
  const signWith = taggers[0] as (value: string) => MaybePromise<string>;

  const firstMatch = (value: string, signature: string, from: number): MaybePromise<number> => {
    for (let i = from; i < taggers.length; i++) {
      const tag = (taggers[i] as (value: string) => MaybePromise<string>)(value);
      // Web Crypto answers later: finish the search asynchronously from this secret on.
      if (typeof tag !== 'string') {
        return tag.then((t) => (constantTimeEqual(t, signature) ? i : firstMatch(value, signature, i + 1)));
      }
      if (constantTimeEqual(tag, signature)) return i;
    }
    return -1;
  };

  const signerIndex = (signed: string): MaybePromise<number> => {
    const known = memo.get(signed);
    if (known !== undefined) return known;
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return -1;
    const signature = signed.slice(dot + 1);
    // Not worth a crypto call: it cannot be a tag (43 base64url characters).
    if (!BASE64URL_SIGNATURE.test(signature)) return -1;
    const index = firstMatch(signed.slice(0, dot), signature, 0);
    return typeof index === 'number' ? remember(signed, index) : index.then((i) => remember(signed, i));
  };

  const issued = (signed: string): string => {
    memo.add(signed, 0);
    return signed;
  };

  return {
    sign(value) {
      const tag = signWith(value);
      return typeof tag === 'string' ? issued(`${value}.${tag}`) : tag.then((t) => issued(`${value}.${t}`));
    },
    signerIndex,
  };
}
