/**
 * Removing credentials from text before it reaches a message, a log or a terminal. Store URLs
 * carry passwords, and the strings that fail to parse are exactly the ones whose shape cannot be
 * trusted (a missing ':' after the scheme, an unencoded '@' or '/' in the password), so these
 * functions never parse: they cut conservatively, preferring to hide too much over too little.
 */

const MASK = '***';

/** Query parameters whose value is a credential, in any of the drivers' spellings. */
const SECRET_PARAM = /pass|pwd|secret|token|credential|key|authmechanismproperties/i;

/** The scheme and its separator at the start of a URL-like string, however mistyped. */
const SCHEME_PREFIX = /^[a-z][a-z0-9+.-]*(?::\/{0,3}|\/\/)/i;

/**
 * Splits one URL-like token around its password: what precedes it, the password, and the rest
 * from the '@' on; null when there is none. The password ends at the LAST '@' (a host never
 * contains one, a careless password may) and begins at the first ':' after the scheme, so '@',
 * '/', '?' or '%' inside it cannot cut it short. A bare `name:` prefix may be a scheme or a user
 * name (`user:pw@host`): when it leaves no ':' before the '@', it is taken as the user name.
 */
function splitPassword(token: string): { head: string; password: string; tail: string } | null {
  const at = token.lastIndexOf('@');
  if (at === -1) return null;
  const scheme = SCHEME_PREFIX.exec(token)?.[0] ?? '';
  for (const start of scheme.endsWith(':') ? [scheme.length, 0] : [scheme.length]) {
    const colon = token.indexOf(':', start);
    if (colon !== -1 && colon < at) {
      return { head: token.slice(0, colon + 1), password: token.slice(colon + 1, at), tail: token.slice(at) };
    }
  }
  return null;
}

function maskUserinfo(token: string): string {
  const parts = splitPassword(token);
  return parts === null ? token : `${parts.head}${MASK}${parts.tail}`;
}

/** `name=value` pairs (query strings, key-value connection strings) with credential values masked. */
function maskParams(text: string): string {
  return text.replace(/([A-Za-z_][\w.-]*)=([^&\s;'"]*)/g, (all, name: string) =>
    SECRET_PARAM.test(name) ? `${name}=${MASK}` : all,
  );
}

/**
 * The store URL with its password and any credential parameter (`?password=`, `?sslkey=`…)
 * replaced by `***`; safe for logs and error messages. The whole string is taken as one URL, so
 * a password with spaces or an unparseable shape is hidden too.
 *
 * @example
 * redactUrl('postgres//app:s3cret@db/app'); // 'postgres//app:***@db/app'
 */
export function redactUrl(url: string): string {
  return maskParams(maskUserinfo(url));
}

/**
 * Free text (a driver's message, a line of CLI output) with every `user:password@` and every
 * credential parameter masked. Tokens are split at white space and quotes.
 *
 * @example
 * redactSecrets('connect to "redis://:pw@h:6379" failed'); // 'connect to "redis://:***@h:6379" failed'
 */
export function redactSecrets(text: string): string {
  return maskParams(text.replace(/[^\s'"`]+/g, (token) => maskUserinfo(token)));
}

/**
 * Every form in which the password of `url` could be echoed: the raw userinfo segment after the
 * first ':' and its percent-decoded form. For {@link scrub}, when a message may quote the input
 * in pieces.
 */
export function passwordsIn(url: string): string[] {
  const raw = splitPassword(url)?.password ?? '';
  if (raw === '') return [];
  let decoded = raw;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    // Malformed percent-encoding: only the raw form can appear.
  }
  return [...new Set([raw, decoded])];
}

/** `text` with each of `secrets` (of 3 characters or more: shorter ones would garble every word) replaced by `***`, then {@link redactSecrets}. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of secrets.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  return redactSecrets(out);
}
