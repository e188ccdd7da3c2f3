import { SessionConfigError } from '../errors';
import { redactUrl } from './redact';

/** A host and an optional port, as written in a URL or a configuration object. */
export interface HostPort {
  host: string;
  port?: number;
}

/** A store URL split into its parts: `scheme://[user[:password]@]host[:port][,host[:port]…][/path][?query]`. */
export interface StoreUrlParts {
  /** Lower case, without the colon. */
  scheme: string;
  user?: string;
  password?: string;
  /** Several for a seed list (`redis+cluster://h1:7000,h2:7001`). */
  hosts: HostPort[];
  /** The decoded, non-empty path segments. */
  path: string[];
  query: URLSearchParams;
}

/**
 * Fails on a store URL, quoting it with its password replaced by `***`.
 *
 * @example
 * storeUrlError(url, 'it names no database'); // Cannot use the session store URL "…": it names no database.
 */
export function storeUrlError(url: string, reason: string): never {
  throw new SessionConfigError(`Cannot use the session store URL "${redactUrl(url)}": ${reason}.`);
}

/**
 * The scheme of a store URL, lower case, or undefined when the text has none. Used to pick the
 * descriptor before anything else is parsed.
 */
export function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url.trim())?.[1]?.toLowerCase();
}

/**
 * Splits a URL of the authority form and refuses query parameters other than `accepted` (naming
 * the unknown one and listing the accepted ones: a misspelt `?tabel=` silently falling back to the
 * default table would count, or revoke, the wrong sessions). Pass `accepted: null` to keep every
 * parameter (MongoDB passes the driver's own options through).
 *
 * WHATWG `URL` cannot hold several hosts, so the authority is split by hand.
 *
 * @example
 * const parts = splitStoreUrl('postgres://u:pw@db:5432/app?table=s', ['table', 'ssl']);
 * // { scheme: 'postgres', user: 'u', password: 'pw', hosts: [{ host: 'db', port: 5432 }], path: ['app'], … }
 */
export function splitStoreUrl(url: string, accepted: readonly string[] | null): StoreUrlParts {
  const text = url.trim();
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i.exec(text);
  if (!match)
    return storeUrlError(url, 'it is not of the form scheme://[credentials@]host[:port][/path][?options]');
  unencodedAt(url, text.slice(text.indexOf('://') + 3));
  const [, scheme = '', authority = '', pathname = '', search = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? null : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);
  const colon = userinfo === null ? -1 : userinfo.indexOf(':');
  const query = new URLSearchParams(search);
  if (accepted !== null) acceptParameters(url, query, accepted);
  return {
    scheme: scheme.toLowerCase(),
    ...(userinfo === null || userinfo === '' || colon === 0
      ? {}
      : { user: decodeUrlPart(url, colon === -1 ? userinfo : userinfo.slice(0, colon)) }),
    ...(userinfo !== null && colon !== -1 ? { password: decodeUrlPart(url, userinfo.slice(colon + 1)) } : {}),
    hosts: hostList === '' ? [] : hostList.split(',').map((entry) => hostPort(url, entry)),
    path: pathname
      .split('/')
      .filter(Boolean)
      .map((segment) => decodeUrlPart(url, segment)),
    query,
  };
}

/** Fails on a query parameter not in `accepted`, listing the ones that are. */
export function acceptParameters(url: string, query: URLSearchParams, accepted: readonly string[]): void {
  const scheme = schemeOf(url) ?? 'these';
  for (const name of query.keys()) {
    if (!accepted.includes(name)) {
      storeUrlError(
        url,
        `the parameter "${name}" is not known; ${scheme} URLs accept ${accepted.join(', ') || 'none'}`,
      );
    }
  }
}

/** A true/false query parameter (absent is false); anything else is a mistake worth reporting. */
export function urlFlag(url: string, query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  return storeUrlError(url, `${name} must be true or false (got "${value}")`);
}

/** A numeric part of a URL; the resolve step checks its range. */
export function urlNumber(url: string, field: string, text: string): number {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) storeUrlError(url, `${field} "${text}" is not a number`);
  return value;
}

/** Percent-decodes one part of a URL, failing with the URL (redacted) on malformed encoding. */
export function decodeUrlPart(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return storeUrlError(url, 'it has malformed percent-encoding');
  }
}

/** The one host of a URL that names exactly one; `hint` says what to do with several. */
export function singleHost(url: string, hosts: HostPort[], hint = 'give one host'): HostPort {
  if (hosts.length === 0) return storeUrlError(url, 'it names no host');
  if (hosts.length > 1) return storeUrlError(url, `it names ${hosts.length} hosts; ${hint}`);
  return hosts[0] as HostPort;
}

/** The URL's credentials as configuration settings; `userSetting` is the store's name for the user. */
export function urlCredentials(parts: StoreUrlParts, userSetting: string): Record<string, string> {
  return {
    ...(parts.user === undefined ? {} : { [userSetting]: parts.user }),
    ...(parts.password === undefined ? {} : { password: parts.password }),
  };
}

/** `{ host, port? }` spread into a configuration, without a `port: undefined` entry. */
export function hostSettings({ host, port }: HostPort): HostPort {
  return port === undefined ? { host } : { host, port };
}

/**
 * Refuses an '@' anywhere but at the end of the credentials. A password with a raw '@', '/', '?'
 * or '#' moves the end of the authority, and the parser would then quote a piece of the password
 * as a "host", "database" or "parameter" in its error message; asking for percent-encoding
 * instead keeps every message free of it.
 */
function unencodedAt(url: string, rest: string): void {
  const at = rest.indexOf('@');
  if (at === -1) return;
  const authorityEnd = rest.search(/[/?#]/);
  if (rest.indexOf('@', at + 1) !== -1 || (authorityEnd !== -1 && at > authorityEnd)) {
    storeUrlError(
      url,
      "it has an '@' after the host part: percent-encode '@', '/', '?' and '#' inside a password or a " +
        'parameter (%40, %2F, %3F, %23)',
    );
  }
}

function hostPort(url: string, entry: string): HostPort {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(entry);
  if (!match?.[1]) return storeUrlError(url, `"${entry}" is not host[:port]`);
  const port = match[2];
  if (port === undefined || port === '') return { host: match[1] };
  const value = Number(port);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    storeUrlError(url, `port ${port} is out of range (1-65535)`);
  return { host: match[1], port: value };
}
