import { SessionStoreError, type StoreDescriptor } from '@sessionkit/core';
import { settingError, shellWord, splitStoreUrl, urlFlag } from '@sessionkit/core/descriptor';
import {
  connectionSettings,
  type ResolvedSqlConfig,
  type SqlStoreConfig,
  sqlStoreDescriptor,
} from '@sessionkit/sql';
import { createMssqlStore } from './mssql-store';

/**
 * A SQL Server store's settings for `createStoreFromConfig`: those of {@link SqlStoreConfig},
 * with TLS on by default as in mssql, or one URL such as
 * `mssql://user:pass@host:1433/db?table=sessions&trustServerCertificate=true`.
 *
 * @example
 * // A local SQL Server in Docker (self-signed certificate): still encrypted, certificate trusted.
 * { type: 'mssql', host: '127.0.0.1', user: 'sa', password, database: 'app', trustServerCertificate: true }
 */
export interface MssqlStoreConfig extends Omit<SqlStoreConfig<'mssql'>, 'ssl'> {
  /**
   * Encrypt the connection (TLS), mssql's own default. `false` only for a local server without
   * TLS; SQL Server still encrypts the login. Also `?encrypt=false` in the URL.
   * @default true
   */
  encrypt?: boolean;
  /**
   * Accept the server's certificate without checking it: for a local or test server with a
   * self-signed certificate, never across a network you do not control. Also
   * `?trustServerCertificate=true` in the URL.
   * @default false
   */
  trustServerCertificate?: boolean;
  /** The SQL stores' name for `encrypt`; give one of them. @default true */
  ssl?: boolean;
}

/** A checked {@link MssqlStoreConfig}. */
export interface ResolvedMssqlConfig extends ResolvedSqlConfig<'mssql'> {
  encrypt: boolean;
  trustServerCertificate: boolean;
}

const TLS_SETTINGS = ['encrypt', 'trustServerCertificate'] as const;

/** An optional true/false setting: undefined when absent. */
function optionalFlag(config: Readonly<Record<string, unknown>>, setting: string): boolean | undefined {
  const value = config[setting];
  if (value !== undefined && typeof value !== 'boolean') settingError(setting, 'must be true or false.');
  return value as boolean | undefined;
}

/**
 * The TLS settings: `encrypt` (or `ssl`, the other SQL stores' name) defaults to true, as in mssql;
 * the shared SQL settings resolve `ssl` to false when absent, so it is read here from the source.
 */
export function resolveTls(config: Readonly<Record<string, unknown>>): {
  encrypt: boolean;
  trustServerCertificate: boolean;
} {
  const encrypt = optionalFlag(config, 'encrypt');
  const ssl = optionalFlag(config, 'ssl');
  if (encrypt !== undefined && ssl !== undefined && encrypt !== ssl) {
    settingError('encrypt', `and ssl disagree (${encrypt} and ${ssl}); give one of them.`);
  }
  return {
    encrypt: encrypt ?? ssl ?? true,
    trustServerCertificate: optionalFlag(config, 'trustServerCertificate') ?? false,
  };
}

/**
 * The innermost reason of a driver error. mssql keeps tedious's error as `originalError`, tedious
 * its cause as `cause`, and a connection tried on several addresses ends in an AggregateError
 * ("Could not connect (sequence)") whose members say what happened (ECONNREFUSED, a timeout).
 */
function innermostReason(error: unknown): string {
  let current = error as { originalError?: unknown; cause?: unknown } | null;
  for (let depth = 0; depth < 10; depth++) {
    const next = current?.originalError ?? current?.cause;
    if (next === undefined || next === null) break;
    current = next as typeof current;
  }
  const { errors, message, code } = (current ?? {}) as {
    errors?: unknown;
    message?: unknown;
    code?: unknown;
  };
  if (Array.isArray(errors) && errors.length > 0) return [...new Set(errors.map(innermostReason))].join('; ');
  if (typeof message === 'string' && message !== '') return message;
  return typeof code === 'string' ? code : String(current);
}

/**
 * Why a connection failed: the server, whether TLS was on, and the innermost reason (a refused
 * socket, the certificate the server sent, a login failure), with the password masked should a
 * message ever quote it.
 */
export function connectionFailure(config: ResolvedMssqlConfig, error: unknown): string {
  let text = innermostReason(error);
  if (config.password) text = text.split(config.password).join('***');
  const hint = /certificate/i.test(text)
    ? ' (for a local server with a self-signed certificate, set trustServerCertificate: true, or ?trustServerCertificate=true in the URL)'
    : '';
  return `Could not connect to SQL Server at ${config.host}:${config.port} (encrypt: ${config.encrypt}): ${text}${hint}`;
}

const sqlDescriptor = sqlStoreDescriptor({
  type: 'mssql',
  schemes: ['mssql', 'sqlserver'],
  defaultPort: 1433,
  async open(resolved) {
    const config = resolved as ResolvedMssqlConfig;
    const mssql = await import('mssql');
    const ConnectionPool = mssql.ConnectionPool ?? mssql.default.ConnectionPool;
    const { host, ...settings } = connectionSettings(config);
    const pool = new ConnectionPool({
      server: host,
      ...settings,
      options: { encrypt: config.encrypt, trustServerCertificate: config.trustServerCertificate },
      connectionTimeout: 5_000,
    });
    try {
      await pool.connect();
    } catch (error) {
      throw new SessionStoreError(connectionFailure(config, error), { cause: error });
    }
    const tableName = config.tableName;
    return {
      store: createMssqlStore(pool, tableName === undefined ? {} : { tableName }),
      closeClient: () => pool.close(),
    };
  },
  isMissingTable: (error) => (error as { number?: unknown }).number === 208,
  createCommand(table, config) {
    // -C trusts the server certificate, as sqlcmd 18 needs for a self-signed one.
    const sqlcmd = ['sqlcmd', '-S', `${config.host},${config.port}`, '-d', config.database];
    if (config.user !== undefined) sqlcmd.push('-U', config.user);
    return `sessionkit schema mssql --table ${table} > sessions.sql && ${sqlcmd.map(shellWord).join(' ')} -i sessions.sql`;
  },
});

/**
 * How `createStoreFromConfig` opens a SQL Server store from `{ type: 'mssql', … }` or a `mssql:` /
 * `sqlserver:` URL, creating and connecting the mssql pool itself (the store needs a connected
 * pool); the configured store's close() closes it. The connection is encrypted unless
 * `encrypt: false`, as in mssql. A failed connection names the server and keeps the driver's
 * reason. A query on a missing table (error 208, "Invalid object name") fails naming the table
 * and the sqlcmd command that creates it.
 */
export const storeDescriptor: StoreDescriptor<ResolvedMssqlConfig> = {
  ...(sqlDescriptor as unknown as StoreDescriptor<ResolvedMssqlConfig>),
  settings: [...sqlDescriptor.settings, ...TLS_SETTINGS],
  fromUrl(url) {
    const parts = splitStoreUrl(url, ['table', 'ssl', ...TLS_SETTINGS]);
    const flags: Record<string, boolean> = {};
    for (const name of ['ssl', ...TLS_SETTINGS]) {
      if (parts.query.has(name)) flags[name] = urlFlag(url, parts.query, name);
    }
    // The shared parser reads the rest and accepts only its own parameters: hand it `table` alone.
    const table = parts.query.get('table');
    const base = `${url.replace(/\?.*$/, '')}${table === null ? '' : `?table=${encodeURIComponent(table)}`}`;
    return { ...sqlDescriptor.fromUrl(base), ...flags };
  },
  resolve(config) {
    return { ...sqlDescriptor.resolve(config), ...resolveTls(config) } as ResolvedMssqlConfig;
  },
  describe(config) {
    return `${sqlDescriptor.describe(config)}${config.encrypt ? '' : ' (not encrypted)'}`;
  },
};
