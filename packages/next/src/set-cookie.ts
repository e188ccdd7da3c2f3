/** The attributes `cookies().set()` takes, as far as a sessionkit cookie uses them. */
export interface CookieInit {
  name: string;
  value: string;
  path?: string;
  domain?: string;
  expires?: Date;
  maxAge?: number;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'lax' | 'strict' | 'none';
  partitioned?: boolean;
}

/**
 * Turns the Set-Cookie value core produced back into the object `cookies().set()` expects: route
 * handlers and server actions can only add cookies through that API, which serializes them again.
 * The value is decoded here because Next.js encodes it once more.
 */
export function parseSetCookie(header: string): CookieInit {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  const cookie: CookieInit = {
    name: pair.slice(0, eq).trim(),
    value: decodeURIComponent(pair.slice(eq + 1)),
  };
  for (const attribute of attributes) {
    const eqAt = attribute.indexOf('=');
    const key = (eqAt === -1 ? attribute : attribute.slice(0, eqAt)).trim().toLowerCase();
    const value = eqAt === -1 ? '' : attribute.slice(eqAt + 1).trim();
    if (key === 'path') cookie.path = value;
    else if (key === 'domain') cookie.domain = value;
    else if (key === 'expires') cookie.expires = new Date(value);
    else if (key === 'max-age') cookie.maxAge = Number(value);
    else if (key === 'httponly') cookie.httpOnly = true;
    else if (key === 'secure') cookie.secure = true;
    else if (key === 'samesite') cookie.sameSite = value.toLowerCase() as CookieInit['sameSite'];
    else if (key === 'partitioned') cookie.partitioned = true;
  }
  return cookie;
}
