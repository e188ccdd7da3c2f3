/**
 * fast-check generators of hostile input: strings built from path separators, SQL, glob and
 * LIKE metacharacters, control bytes, encodings and Unicode tricks, mixed with plain base64url
 * (so some inputs look almost like real session IDs) and arbitrary code units.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';

/** Pieces an attacker would put into a cookie, an ID or a key. */
export const HOSTILE_FRAGMENTS = [
  '../',
  '..\\',
  '/',
  '\\',
  '/etc/passwd',
  'C:\\Windows\\',
  '%2e%2e%2f',
  '%00',
  '%',
  '%%',
  "'",
  '"',
  '`',
  ';',
  '--',
  '/*',
  '*/',
  "' OR '1'='1",
  '; DROP TABLE sessionkit_sessions; --',
  '\\x27',
  '*',
  '?',
  '[a-z]',
  '[',
  ']',
  '^',
  '{',
  '}',
  '{tag}',
  '_',
  '\u0000',
  '\n',
  '\r\n',
  '\t',
  '\u001b[31m',
  '\u007f',
  '\u202e',
  '\ufeff',
  '\u00e9',
  'e\u0301',
  '\ud83d\udd11',
  '\ud800',
  ' ',
  '.',
  '..',
  '=',
  ',',
  '$(id)',
  'sid=',
  '; sid=',
  'CON',
  'nul.txt',
] as const;

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A base64url character. */
export const base64urlChar = fc.constantFrom(...BASE64URL.split(''));

/** A run of base64url characters (what real IDs and signatures are made of). */
export const base64urlRun = (maxLength = 48) =>
  fc.array(base64urlChar, { minLength: 1, maxLength }).map((chars) => chars.join(''));

/** A hostile string: fragments, base64url runs and arbitrary code units, concatenated. */
export const hostileString = (maxParts = 10) =>
  fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_FRAGMENTS) },
        { weight: 3, arbitrary: base64urlRun() },
        { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
        { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
      ),
      { minLength: 1, maxLength: maxParts },
    )
    .map((parts) => parts.join(''));

/**
 * `value.signature` as core signs cookies (HMAC-SHA256, base64url), computed here with
 * node:crypto as an independent oracle of the format.
 */
export function signLikeCore(value: string, secret: string): string {
  return `${value}.${createHmac('sha256', secret).update(value, 'utf8').digest('base64url')}`;
}
