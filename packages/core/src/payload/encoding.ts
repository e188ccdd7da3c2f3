/**
 * Byte and text helpers built only on Web-standard APIs, so core runs unchanged in Node, Deno,
 * Bun and edge runtimes.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
/**
 * `text`'s UTF-8 bytes after `room` bytes left for a header, in one buffer: one allocation and no
 * copy where utf8() plus concatBytes() would take two and a copy. Text that is all ASCII (JSON
 * of most sessions) fits a buffer of its length; other text is measured first.
 */
export function utf8After(room: number, text: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(room + text.length);
  if (encoder.encodeInto(text, out.subarray(room)).read === text.length) return out;
  const bytes = utf8(text);
  const sized = new Uint8Array(room + bytes.length);
  sized.set(bytes, room);
  return sized;
}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Decodes UTF-8; throws a TypeError on invalid sequences instead of inserting U+FFFD. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * Node's Buffer where the runtime has one: its base64url encoder is native and allocates one
 * string, where the portable path below builds a binary string, calls btoa and rewrites it with
 * three regular expressions (a session ID on every login, about 3 µs). Both give the same text.
 */
const nodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** Base64url without padding (RFC 4648 §5). */
export function toBase64url(bytes: Uint8Array): string {
  if (nodeBuffer !== undefined) {
    return nodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
  }
  return toBase64urlPortable(bytes);
}

/** {@link toBase64url} on Web-standard APIs only: edge runtimes and browsers. */
export function toBase64urlPortable(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Decodes unpadded base64url; returns null for anything that is not strictly base64url. */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Compares two strings in time that depends only on their lengths (both are public: a signature
 * is always 43 characters), so a signature check leaks nothing about how many characters matched.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Concatenates byte arrays. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
