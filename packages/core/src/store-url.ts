import { SessionConfigError } from './errors';
import type { HostPort, StoreConfig } from './store-config';

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
 * with its password replaced by `***`.
 */
export function parseStoreUrl(url: string): StoreConfig {
  if (typeof url !== 'string' || url.trim() === '') fail(String(url), 'it is empty');
  const trimmed = url.trim();
  if (trimmed === 'memory:' || trimmed === 'memory://' || trimmed.startsWith('memory:?')) {
    const query = new URLSearchParams(trimmed.split('?')[1] ?? '');
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
      const only = single(url, parts.hosts);
      return {
        type,
        host: only.host,
        ...(only.port === undefined ? {} : { port: only.port }),
        ...credentials(parts, 'user'),
        database: parts.path[0] ?? '',
        ...(query.get('table') ? { tableName: query.get('table') as string } : {}),
        ...(query.get('ssl') === 'true' ? { ssl: true } : {}),
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

/** The URL with any password replaced by `***`, safe for logs and error messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon === -1 ? userinfo : `${userinfo.slice(0, colon)}:***`}@`;
  });
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
  if (!match) return fail(url, 'it is not of the form scheme://[user:password@]host[:port][/path][?options]');
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
  const prefix = query.get('prefix');
  const common = {
    type: 'redis' as const,
    ...credentials(parts, 'username'),
    ...(scheme === 'rediss' || query.get('tls') === 'true' ? { tls: true } : {}),
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
  // file:///abs/path (the standard form) or file:relative/path (resolved by the file store).
  const directory = decode(url, location.startsWith('//') ? location.slice(2) : location);
  if (directory === '') fail(url, 'it names no directory: file:///path/to/sessions');
  const depth = new URLSearchParams(search).get('depth');
  return { type: 'file', directory, ...(depth === null ? {} : { depth: number(url, 'depth', depth) }) };
}
