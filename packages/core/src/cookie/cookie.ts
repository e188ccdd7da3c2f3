import { SessionConfigError } from '../errors';

/** Attributes of the session cookie. */
export interface CookieOptions {
  /**
   * Cookie name. A `__Host-` prefix is allowed and enforces Secure, Path=/ and no Domain.
   * @default 'sid'
   */
  name?: string;
  /** @default '/' */
  path?: string;
  /** Omitted by default, so the cookie is host-only (the safest scope). @default undefined */
  domain?: string;
  /** @default true */
  httpOnly?: boolean;
  /**
   * Send only over HTTPS. Defaults to true unless NODE_ENV is 'development' or 'test', so plain
   * http://localhost keeps working while you develop.
   * @default process.env.NODE_ENV !== 'development' && !== 'test'
   */
  secure?: boolean;
  /** @default 'lax' */
  sameSite?: 'lax' | 'strict' | 'none';
  /** CHIPS partitioned cookie (requires secure). @default false */
  partitioned?: boolean;
  /**
   * true: the cookie expires with the session (Expires/Max-Age follow the server-side expiry and
   * are refreshed when it moves). false: a browser-session cookie, dropped when the browser closes.
   * @default true
   */
  persistent?: boolean;
}

export type ResolvedCookieOptions = Required<Omit<CookieOptions, 'domain'>> & { domain: string | undefined };

// RFC 6265 token characters for the name; cookie-octets for values we emit.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PATH_OR_DOMAIN = /^[\u0021-\u003A\u003C-\u007E]+$/;

function defaultSecure(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.NODE_ENV;
  return env !== 'development' && env !== 'test';
}

/** Fills defaults and rejects attribute combinations browsers would silently drop. */
export function resolveCookieOptions(options: CookieOptions = {}): ResolvedCookieOptions {
  const resolved: ResolvedCookieOptions = {
    name: options.name ?? 'sid',
    path: options.path ?? '/',
    domain: options.domain,
    httpOnly: options.httpOnly ?? true,
    secure: options.secure ?? defaultSecure(),
    sameSite: options.sameSite ?? 'lax',
    partitioned: options.partitioned ?? false,
    persistent: options.persistent ?? true,
  };
  if (!TOKEN.test(resolved.name)) {
    throw new SessionConfigError(
      `cookie.name "${resolved.name}" is not a valid cookie name; use letters, digits and - _ . only.`,
    );
  }
  if (!PATH_OR_DOMAIN.test(resolved.path) || !resolved.path.startsWith('/')) {
    throw new SessionConfigError(
      `cookie.path "${resolved.path}" must start with "/" and contain no ";" or spaces.`,
    );
  }
  if (resolved.domain !== undefined && !PATH_OR_DOMAIN.test(resolved.domain)) {
    throw new SessionConfigError(
      `cookie.domain "${resolved.domain}" contains characters a cookie domain cannot have.`,
    );
  }
  if (!['lax', 'strict', 'none'].includes(resolved.sameSite)) {
    throw new SessionConfigError(
      `cookie.sameSite must be 'lax', 'strict' or 'none', not "${String(resolved.sameSite)}".`,
    );
  }
  if (resolved.sameSite === 'none' && !resolved.secure) {
    throw new SessionConfigError(
      "cookie.sameSite 'none' requires cookie.secure: true (browsers drop it otherwise).",
    );
  }
  if (resolved.partitioned && !resolved.secure) {
    throw new SessionConfigError('cookie.partitioned requires cookie.secure: true.');
  }
  if (resolved.name.startsWith('__Host-') && (!resolved.secure || resolved.path !== '/' || resolved.domain)) {
    throw new SessionConfigError('A "__Host-" cookie needs secure: true, path "/" and no domain.');
  }
  if (resolved.name.startsWith('__Secure-') && !resolved.secure) {
    throw new SessionConfigError('A "__Secure-" cookie needs secure: true.');
  }
  // Frozen: serializeCookie caches the attributes built from it.
  return Object.freeze(resolved);
}

/** Longest Cookie header we look through; real ones stay far below, hostile ones are cut short. */
const MAX_HEADER_LENGTH = 16 * 1024;

/**
 * Every value of cookie `name` in a Cookie header, in order. Several can arrive when cookies with
 * the same name exist for different paths or domains; the caller tries each.
 */
export function readCookieValues(header: string | null | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  const text = header.length > MAX_HEADER_LENGTH ? header.slice(0, MAX_HEADER_LENGTH) : header;
  // Scanned in place rather than split(';'): this runs on every request, and the split's array
  // of parts, one per cookie of the site, cost more than the rest of the parse (about 0.5 µs).
  // The next '=' is found once and kept until the scan passes it: searching from every part's
  // start would rescan the rest of the header per ';' (quadratic in a header of ';' alone).
  let eq = text.indexOf('=');
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf(';', start);
    if (end === -1) end = text.length;
    if (eq !== -1 && eq < start) eq = text.indexOf('=', start);
    if (eq !== -1 && eq < end && text.slice(start, eq).trim() === name) {
      let value = text.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      // Without a '%' there is nothing to decode (and nothing that could fail to).
      if (!value.includes('%')) values.push(value);
      else {
        try {
          values.push(decodeURIComponent(value));
        } catch {
          // Malformed percent-encoding: a hostile or broken cookie, treated as absent.
        }
      }
    }
    start = end + 1;
  }
  return values;
}

/** A Set-Cookie header value. `expires` null means a browser-session cookie. */
export function serializeCookie(
  options: ResolvedCookieOptions,
  value: string,
  expires: number | null,
  now: number,
): string {
  const { head, tail } = attributesOf(options);
  let header = `${options.name}=${encodeURIComponent(value)}${head}`;
  if (expires !== null) {
    const maxAge = Math.max(0, Math.floor((expires - now) / 1000));
    header += `; Expires=${httpDate(now + maxAge * 1000)}; Max-Age=${maxAge}`;
  }
  return header + tail;
}

/** The attributes before and after Expires / Max-Age, which only depend on the options. */
interface CookieAttributes {
  head: string;
  tail: string;
}

// A Set-Cookie goes out on every write: the fixed attributes are built once per options object.
const attributeCache = new WeakMap<ResolvedCookieOptions, CookieAttributes>();

function attributesOf(options: ResolvedCookieOptions): CookieAttributes {
  let cached = attributeCache.get(options);
  if (cached === undefined) {
    let tail = '';
    if (options.httpOnly) tail += '; HttpOnly';
    if (options.secure) tail += '; Secure';
    tail += `; SameSite=${options.sameSite[0]?.toUpperCase()}${options.sameSite.slice(1)}`;
    if (options.partitioned) tail += '; Partitioned';
    const head = `; Path=${options.path}${options.domain ? `; Domain=${options.domain}` : ''}`;
    cached = { head, tail };
    attributeCache.set(options, cached);
  }
  return cached;
}

// Expires has one-second resolution, and the requests of one second share it.
let httpDateSecond = Number.NaN;
let httpDateText = '';

/** `at` (epoch ms) as an HTTP date, e.g. "Sun, 06 Nov 1994 08:49:37 GMT". */
function httpDate(at: number): string {
  const second = Math.floor(at / 1000);
  if (second !== httpDateSecond) {
    httpDateText = new Date(second * 1000).toUTCString();
    httpDateSecond = second;
  }
  return httpDateText;
}

/** A Set-Cookie value that deletes the cookie (same name, path and domain, expired). */
export function serializeClearingCookie(options: ResolvedCookieOptions): string {
  // expires 0 at now 0 yields Max-Age=0 and an Expires of the epoch.
  return serializeCookie(options, '', 0, 0);
}
