import { toBase64url } from '../payload/encoding';
import { defaultHashBackend, type MaybePromise } from './hashing';

/** Random bytes in a session ID: 192 bits, well above the 128-bit floor OWASP asks for. */
const ID_BYTES = 24;

/**
 * Session IDs are base64url. An optional route suffix (`.node1`) may follow, for load balancers
 * that stick on it. Anything else in a cookie is hostile and never reaches a store.
 */
const ID_PATTERN = /^[A-Za-z0-9_-]{22,128}(\.[A-Za-z0-9_-]{1,32})?$/;

/** What a route (the suffix after the dot) may contain. */
export const ROUTE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** IDs drawn per CSPRNG call: one call costs about as much as building a whole session. */
const POOLED_IDS = 128;

let pool = new Uint8Array(0);
let poolOffset = 0;
let poolSource: unknown = null;

/**
 * ID_BYTES fresh bytes from the Web Crypto CSPRNG. Each getRandomValues call costs ~5 µs in Node
 * whatever its size, so bytes are drawn for POOLED_IDS IDs at a time and each byte is handed out
 * once. The pool belongs to the getRandomValues function that filled it: if that function is
 * replaced (a test pinning IDs, a polyfill installed late), the pool is dropped and refilled.
 */
function randomIdBytes(): Uint8Array {
  const source = crypto.getRandomValues;
  if (source !== poolSource || poolOffset + ID_BYTES > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(ID_BYTES * POOLED_IDS));
    poolSource = source;
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + ID_BYTES);
  poolOffset += ID_BYTES;
  return bytes;
}

/** A fresh session ID from the Web Crypto CSPRNG, with `.route` appended when given. */
export function generateSessionId(route: string | null = null): string {
  const id = toBase64url(randomIdBytes());
  return route === null ? id : `${id}.${route}`;
}

/** True when `id` has the shape of a session ID (checked before it is hashed or looked up). */
export function isWellFormedSessionId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The route suffix of an ID, or null. */
export function routeOf(id: string): string | null {
  const dot = id.indexOf('.');
  return dot === -1 ? null : id.slice(dot + 1);
}

/** The ID with its route replaced (or removed, with null). */
export function withRoute(id: string, route: string | null): string {
  const dot = id.indexOf('.');
  const base = dot === -1 ? id : id.slice(0, dot);
  return route === null ? base : `${base}.${route}`;
}

/**
 * The key a store sees. Hashing means a leaked table or key dump cannot be replayed as cookies;
 * the ID stays the only bearer secret and lives only in the user's cookie. The route suffix is
 * left out, so moving a session to another node changes the cookie but never the stored record.
 */
export async function storageKeyFor(id: string, hashIds: boolean): Promise<string> {
  return storageKey(id, hashIds);
}

/** {@link storageKeyFor} without the promise when the hash is synchronous (node:crypto). */
export function storageKey(id: string, hashIds: boolean): MaybePromise<string> {
  const base = withRoute(id, null);
  return hashIds ? defaultHashBackend.sha256(base) : base;
}
