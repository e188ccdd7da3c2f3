import { readCookieValues } from '@sessionkit/core';

/** The two views Next.js gives of the request's cookies. */
export interface RequestCookieViews {
  /** The Cookie header as the browser sent it (`headers().get('cookie')`). */
  header: string | null;
  /** The value `cookies().get(name)` holds now, or undefined. */
  current: string | undefined;
}

/**
 * The Cookie header to load the session from.
 *
 * The request's Cookie header keeps every cookie of the name (a browser can send several, for
 * different paths or domains, and core tries each), so it is the source as long as it agrees
 * with `cookies()`. They disagree once a server action has set the session cookie: Next.js then
 * renders the page in the same response with `cookies()` updated from the action's Set-Cookie,
 * while the header still carries what the browser sent. The session the action just committed
 * (or cleared) is the one that page must see, so the cookies() value wins: a new value is
 * loaded alone, and an emptied one (a destroyed session) means no cookie.
 */
export function sessionCookieHeader(name: string, views: RequestCookieViews): string | null {
  const { header, current } = views;
  if (current === undefined || readCookieValues(header, name).includes(current)) return header;
  return current === '' ? null : `${name}=${encodeURIComponent(current)}`;
}
