import type { SessionStore, StoreDescriptor } from '@sessionkit/core';
import {
  booleanSetting,
  hostSetting,
  hostSettings,
  missingTableExplainer,
  optionalString,
  portSetting,
  requiredString,
  singleHost,
  splitStoreUrl,
  urlCredentials,
  urlFlag,
} from '@sessionkit/core/descriptor';
import { DEFAULT_TABLE_NAME } from './options';

/**
 * A SQL store's settings, for `createStoreFromConfig` (or one URL:
 * `postgres://user:pass@host:5432/db?table=sessions&ssl=true`, likewise `mysql:`, `mariadb:`,
 * `mssql:`, `sqlserver:`).
 */
export interface SqlStoreConfig<Type extends string = 'mysql' | 'postgres' | 'mssql'> {
  type: Type;
  host: string;
  /** @default the dialect's port: 3306, 5432 or 1433 */
  port?: number;
  user?: string;
  password?: string;
  /** The database that holds the sessions table. */
  database: string;
  /** @default 'sessions' */
  tableName?: string;
  /** @default false */
  ssl?: boolean;
}

/** A checked {@link SqlStoreConfig}, defaults filled in. */
export interface ResolvedSqlConfig<Type extends string = string> {
  type: Type;
  host: string;
  port: number;
  user?: string;
  password?: string;
  database: string;
  tableName?: string;
  ssl: boolean;
}

/** What a SQL store package supplies to {@link sqlStoreDescriptor}: its names and how it connects. */
export interface SqlDescriptorSpec<Type extends string> {
  type: Type;
  /** URL schemes, the canonical one first. */
  schemes: readonly string[];
  defaultPort: number;
  /** Creates the driver's pool and the store; nothing has connected before this call. */
  open(config: ResolvedSqlConfig<Type>): Promise<{
    store: SessionStore & { createSchema(): Promise<unknown> };
    closeClient: () => Promise<unknown>;
  }>;
  /** Recognises the driver's "no such table" error (PostgreSQL 42P01, MySQL 1146, SQL Server 208). */
  isMissingTable(error: unknown): boolean;
  /** The shell command that creates `table` with the dialect's client, for the missing-table advice. */
  createCommand(table: string, config: ResolvedSqlConfig<Type>): string;
}

/** The settings every driver's pool takes under the same names. */
export function connectionSettings(config: ResolvedSqlConfig): {
  host: string;
  port: number;
  database: string;
  user?: string;
  password?: string;
} {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    ...(config.user === undefined ? {} : { user: config.user }),
    ...(config.password === undefined ? {} : { password: config.password }),
  };
}

/**
 * The descriptor of a SQL store: the settings, URL form and description are the same for every
 * dialect, so a dialect package supplies only its names, port and how it opens its driver.
 *
 * @example
 * export const storeDescriptor = sqlStoreDescriptor({
 *   type: 'postgres', schemes: ['postgres', 'postgresql'], defaultPort: 5432,
 *   async open(config) {
 *     const pool = new Pool(connectionSettings(config));
 *     return { store: createPostgresStore(pool, { tableName: config.tableName }), closeClient: () => pool.end() };
 *   },
 *   isMissingTable: (error) => (error as { code?: unknown }).code === '42P01',
 *   createCommand: (table, config) => `sessionkit schema postgres --table ${table} | psql -d ${config.database}`,
 * });
 */
export function sqlStoreDescriptor<Type extends string>(
  spec: SqlDescriptorSpec<Type>,
): StoreDescriptor<ResolvedSqlConfig<Type>> {
  return {
    type: spec.type,
    schemes: spec.schemes,
    settings: ['type', 'host', 'port', 'user', 'password', 'database', 'tableName', 'ssl'],
    fromUrl(url) {
      const parts = splitStoreUrl(url, ['table', 'ssl']);
      const table = parts.query.get('table');
      return {
        type: spec.type,
        ...hostSettings(singleHost(url, parts.hosts)),
        ...urlCredentials(parts, 'user'),
        database: parts.path[0] ?? '',
        ...(table ? { tableName: table } : {}),
        ...(urlFlag(url, parts.query, 'ssl') ? { ssl: true } : {}),
      };
    },
    resolve: (config) => ({
      type: spec.type,
      host: hostSetting(config.host, 'host'),
      port: portSetting(config.port, 'port', spec.defaultPort),
      user: optionalString(config, 'user'),
      password: optionalString(config, 'password'),
      database: requiredString(config, 'database', 'the database that holds the sessions table'),
      tableName: optionalString(config, 'tableName'),
      ssl: booleanSetting(config, 'ssl'),
    }),
    describe: (config) =>
      `${config.type} ${config.host}:${config.port}/${config.database}${config.tableName ? ` table ${config.tableName}` : ''}`,
    async open(config) {
      const { store, closeClient } = await spec.open(config);
      const table = config.tableName ?? DEFAULT_TABLE_NAME;
      return {
        store,
        closeClient,
        createSchema: () => store.createSchema(),
        explain: missingTableExplainer(spec.isMissingTable, {
          table,
          database: config.database,
          create: spec.createCommand(table, config),
        }),
      };
    },
  };
}
