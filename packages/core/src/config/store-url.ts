import { SessionConfigError } from '../errors';
import { redactUrl } from './redact';
import type { HostPort, StoreConfig } from './store-config';

/**
 * The query parameters each family of URLs understands. Anything else is refused: a misspelt
 * `?tabel=` silently falling back to the default table would count, or revoke, the wrong sessions.
 * MongoDB URLs also pass the driver's own connection-string options through; the driver rejects
 * the ones it does not know when the store opens, before connecting.
 */
export const STORE_URL_PARAMETERS = Object.freeze({
  memory: ['maxSessions'],
  file: ['depth'],
  redis: ['prefix', 'tls'],
  sql: ['table', 'ssl'],
  mongodb: ['collection'],
} as const);

/**
 * Turns one store URL into a {@link StoreConfig}:
 *
 *   memory:                                       file:///var/lib/app/sessions?depth=2
 *   redis://[user:pass@]host:6379/0?prefix=s:     rediss://… (TLS)
 *   redis+sentinel://[:pass@]h1:26379,h2:26379/mymaster[/0]
 *   redis+cluster://[:pass@]h1:7000,h2:7001
 *   mysql://user:pass@host:3306/db?table=sessions (also mariadb://)
 *   postgres://user:pass@host:5432/db (also postgresql://)     mssql://user:pass@host:1433/db (also sqlserver://)
 *   mongodb://user:pass@host:27017/db?collection=sessions     mongodb+srv://user:pass@cluster.example.net/db
 *
 * WHATWG `URL` cannot hold several hosts, so the authority is split by hand. Errors show the URL
 * with its password replaced by `***`, name an unknown query parameter with the accepted ones
 * ({@link STORE_URL_PARAMETERS}), and refuse a relative file path (`file://relative/x` names a
 * host, not a folder).
 */
export function parseStoreUrl(url: string): StoreConfig {
  if (typeof url !== 'string' || url.trim() === '') fail(String(url), 'it is empty');
  const trimmed = url.trim();
  if (trimmed === 'memory:' || trimmed === 'memory://' || trimmed.startsWith('memory:?')) {
    const query = new URLSearchParams(trimmed.split('?')[1] ?? '');
    knownParams(url, query, 'memory');
    const maxSessions = query.get('maxSessions');
    return {
      type: 'memory',
      ...(maxSessions === null ? {} : { maxSessions: number(url, 'maxSessions', maxSessions) }),
    };
  }
  if (trimmed.startsWith('file:')) return fileConfig(trimmed);
  const parts = split(trimmed);
  const { scheme, query } = parts;
  switch (scheme) {
    case 'redis':
    case 'rediss':
    case 'redis+sentinel':
    case 'redis+cluster':
      return redisConfig(url, parts);
    case 'mysql':
    case 'mariadb':
    case 'postgres':
    case 'postgresql':
    case 'mssql':
    case 'sqlserver': {
      const type =
        scheme === 'mariadb'
          ? 'mysql'
          : scheme === 'postgresql'
            ? 'postgres'
            : scheme === 'sqlserver'
              ? 'mssql'
              : scheme;
      knownParams(url, query, 'sql');
      const only = single(url, parts.hosts);
      return {
        type,
        host: only.host,
        ...(only.port === undefined ? {} : { port: only.port }),
        ...credentials(parts, 'user'),
        database: parts.path[0] ?? '',
        ...(query.get('table') ? { tableName: query.get('table') as string } : {}),
        ...(flag(url, query, 'ssl') ? { ssl: true } : {}),
      };
    }
    case 'mongodb':
    case 'mongodb+srv': {
      const only = single(
        url,
        parts.hosts,
        'list replica-set members in options.replicaSet, or use mongodb+srv://',
      );
      const options = Object.fromEntries([...query].filter(([key]) => key !== 'collection'));
      return {
        type: 'mongodb',
        host: only.host,
        ...(only.port === undefined ? {} : { port: only.port }),
        ...(scheme === 'mongodb+srv' ? { srv: true } : {}),
        ...credentials(parts, 'username'),
        database: parts.path[0] ?? '',
        ...(query.get('collection') ? { collectionName: query.get('collection') as string } : {}),
        options,
      };
    }
    default:
      return fail(
        url,
        `the scheme "${scheme}:" is not a session store (use memory:, file:, redis:, rediss:, redis+sentinel:, redis+cluster:, mysql:, postgres:, mssql:, mongodb: or mongodb+srv:)`,
      );
  }
}

interface UrlParts {
  scheme: string;
  user?: string;
  password?: string;
  hosts: HostPort[];
  path: string[];
  query: URLSearchParams;
}

function fail(url: string, reason: string): never {
  throw new SessionConfigError(`Cannot use the session store URL "${redactUrl(url)}": ${reason}.`);
}

/** Fails on a query parameter that the URL's family does not accept, listing the ones it does. */
function knownParams(url: string, query: URLSearchParams, family: keyof typeof STORE_URL_PARAMETERS): void {
  const accepted: readonly string[] = STORE_URL_PARAMETERS[family];
  for (const name of query.keys()) {
    if (!accepted.includes(name)) {
      fail(url, `the parameter "${name}" is not known; ${family} URLs accept ${accepted.join(', ')}`);
    }
  }
}

/** A true/false query parameter; anything else is a mistake worth reporting. */
function flag(url: string, query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null || value === 'false') return false;
  if (value === 'true') return true;
  return fail(url, `${name} must be true or false (got "${value}")`);
}

function decode(url: string, text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return fail(url, 'it has malformed percent-encoding');
  }
}

function number(url: string, field: string, text: string): number {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) fail(url, `${field} "${text}" is not a number`);
  return value;
}

function split(url: string): UrlParts {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/i.exec(url);
  if (!match) return fail(url, 'it is not of the form scheme://[credentials@]host[:port][/path][?options]');
  unencodedAt(url, url.slice(url.indexOf('://') + 3));
  const [, scheme = '', authority = '', pathname = '', search = ''] = match;
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? null : authority.slice(0, at);
  const hostList = at === -1 ? authority : authority.slice(at + 1);
  const colon = userinfo === null ? -1 : userinfo.indexOf(':');
  const hosts = hostList === '' ? [] : hostList.split(',').map((entry) => hostPort(url, entry));
  return {
    scheme: scheme.toLowerCase(),
    ...(userinfo === null || userinfo === '' || colon === 0
      ? {}
      : { user: decode(url, colon === -1 ? userinfo : userinfo.slice(0, colon)) }),
    ...(userinfo !== null && colon !== -1 ? { password: decode(url, userinfo.slice(colon + 1)) } : {}),
    hosts,
    path: pathname
      .split('/')
      .filter(Boolean)
      .map((segment) => decode(url, segment)),
    query: new URLSearchParams(search),
  };
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
    fail(
      url,
      "it has an '@' after the host part: percent-encode '@', '/', '?' and '#' inside a password or a " +
        'parameter (%40, %2F, %3F, %23)',
    );
  }
}

function hostPort(url: string, entry: string): HostPort {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d*))?$/.exec(entry);
  if (!match?.[1]) return fail(url, `"${entry}" is not host[:port]`);
  const port = match[2];
  if (port === undefined || port === '') return { host: match[1] };
  const value = Number(port);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    fail(url, `port ${port} is out of range (1-65535)`);
  return { host: match[1], port: value };
}

function single(url: string, hosts: HostPort[], hint = 'give one host'): HostPort {
  if (hosts.length === 0) return fail(url, 'it names no host');
  if (hosts.length > 1) return fail(url, `it names ${hosts.length} hosts; ${hint}`);
  return hosts[0] as HostPort;
}

function credentials(parts: UrlParts, userField: 'user' | 'username') {
  return {
    ...(parts.user === undefined ? {} : { [userField]: parts.user }),
    ...(parts.password === undefined ? {} : { password: parts.password }),
  };
}

function redisConfig(url: string, parts: UrlParts): StoreConfig {
  const { scheme, path, query } = parts;
  knownParams(url, query, 'redis');
  const prefix = query.get('prefix');
  const common = {
    type: 'redis' as const,
    ...credentials(parts, 'username'),
    ...(scheme === 'rediss' || flag(url, query, 'tls') ? { tls: true } : {}),
    ...(prefix === null ? {} : { prefix }),
  };
  const database = (segment: string | undefined) =>
    segment === undefined ? {} : { database: number(url, 'the database index', segment) };
  if (scheme === 'redis+sentinel') {
    if (!path[0])
      fail(url, 'it names no master: redis+sentinel://host:26379,host2:26379/<master-name>[/<db>]');
    return { ...common, sentinels: parts.hosts, sentinelName: path[0], ...database(path[1]) };
  }
  if (scheme === 'redis+cluster') return { ...common, cluster: parts.hosts, ...database(path[0]) };
  const only = single(url, parts.hosts, 'use redis+cluster:// or redis+sentinel:// for several nodes');
  return {
    ...common,
    host: only.host,
    ...(only.port === undefined ? {} : { port: only.port }),
    ...database(path[0]),
  };
}

function fileConfig(url: string): StoreConfig {
  const [location = '', search = ''] = url.slice('file:'.length).split('?');
  // The standard forms only: file:///abs/path, file://localhost/abs/path, file:/abs/path. In
  // file://relative/x, "relative" is a host; reading it as a relative path made the folder depend
  // on the working directory of whoever ran the command.
  const hostEnd = location.startsWith('//') ? location.indexOf('/', 2) : -1;
  const host = location.startsWith('//') ? location.slice(2, hostEnd === -1 ? undefined : hostEnd) : '';
  if (host !== '' && host.toLowerCase() !== 'localhost') {
    fail(
      url,
      `"${redactUrl(host)}" is read as a host name, and a store directory must be an absolute path: ` +
        'write file:///absolute/path/to/sessions (three slashes)',
    );
  }
  const path = decode(
    url,
    location.startsWith('//') ? location.slice(hostEnd === -1 ? location.length : hostEnd) : location,
  );
  if (path === '') fail(url, 'it names no directory: file:///path/to/sessions');
  // file:///C:/sessions on Windows: the drive letter follows the slash.
  const directory = /^\/[A-Za-z]:[\\/]/.test(path) ? path.slice(1) : path;
  if (!directory.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(directory)) {
    fail(url, 'the directory is a relative path; write an absolute one: file:///absolute/path/to/sessions');
  }
  const query = new URLSearchParams(search);
  knownParams(url, query, 'file');
  const depth = query.get('depth');
  return { type: 'file', directory, ...(depth === null ? {} : { depth: number(url, 'depth', depth) }) };
}
