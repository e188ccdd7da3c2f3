import { isSessionError, SessionConfigError, SessionStoreError } from '../errors';
import { createMemoryStore } from '../store/memory-store';
import { type ConfiguredStore, rootCauseText, toConfiguredStore } from './configured-store';
import { passwordsIn, scrub } from './redact';
import {
  type ResolvedStoreConfig,
  resolveStoreConfig,
  type StoreConfig,
  type StoreType,
} from './store-config';
import { parseStoreUrl } from './store-url';

export {
  type ConfiguredStore,
  createSchemaOrClose,
  findCause,
  missingTableExplainer,
  type StoreErrorExplainer,
  shellWord,
  toConfiguredStore,
} from './configured-store';

/** How {@link createStoreFromConfig} asks a store package to open its store. */
export interface OpenStoreContext {
  /** Open only a store that exists: create no directory, table or collection (see `mustExist`). */
  readonly mustExist: boolean;
  /** Create the table / indexes the store needs before returning it (see `createSchema`). */
  readonly createSchema: boolean;
}

/**
 * What a store package exports so {@link createStoreFromConfig} can open it. Failures name the
 * store and never contain a password.
 */
export type OpenStoreFromConfig = (
  config: ResolvedStoreConfig,
  context: OpenStoreContext,
) => Promise<ConfiguredStore>;

export interface StoreFromConfigOptions {
  /**
   * Loads a store package by name. The default tries a plain `import()` and then resolves from
   * the current working directory, so a store installed by the app is found even where the
   * package manager keeps core's own dependencies strictly separate (pnpm).
   */
  importModule?: (specifier: string) => Promise<unknown>;
  /** Where `SESSIONKIT_STORE` is read from. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Open only a store that is already there, creating nothing: a missing file-store directory or
   * MongoDB collection fails with a SessionStoreError that says how to create it (SQL tables and
   * Redis key spaces are never created by opening; a missing SQL table fails on first use with
   * the same kind of message). The `sessionkit` CLI sets it, so a mistyped location is reported
   * instead of appearing as a new, empty store.
   * @default false
   */
  mustExist?: boolean;
  /**
   * Create what the store needs before returning it, idempotently: the SQL table and its indexes
   * (`CREATE TABLE IF NOT EXISTS …`, or SQL Server's `IF OBJECT_ID(…) IS NULL`), MongoDB's
   * indexes. For development, demos and apps that own their database; with migrations, apply the
   * DDL from `sessionkit schema <dialect>` instead. Cannot be combined with `mustExist`.
   * @default false
   */
  createSchema?: boolean;
}

/** The store package and driver each type needs, for the install hint. */
const PACKAGES: Record<Exclude<StoreType, 'memory'>, string[]> = {
  file: ['@sessionkit/file'],
  redis: ['@sessionkit/redis', 'ioredis'],
  mysql: ['@sessionkit/mysql', 'mysql2'],
  postgres: ['@sessionkit/postgres', 'pg'],
  mssql: ['@sessionkit/mssql', 'mssql'],
  mongodb: ['@sessionkit/mongodb', 'mongodb'],
};

/**
 * Creates a store from an operator's configuration: a typed object or one URL, by default the
 * `SESSIONKIT_STORE` environment variable. The configuration is validated completely before
 * anything connects; the store package (and its driver) is imported only for the type in use, so
 * core depends on none of them. The driver client is created here and closed by `close()`.
 *
 * Unknown URL parameters and unknown configuration fields are errors (SessionConfigError naming
 * the field and the accepted ones). No message, parsed input or not, contains the password.
 *
 * @example
 * // SESSIONKIT_STORE=redis://:secret@127.0.0.1:6379/0
 * const store = await createStoreFromConfig();
 * const sessions = createSessionManager({ store, secrets: [process.env.SESSION_SECRET!] });
 * // on shutdown
 * await store.close();
 *
 * @example
 * await createStoreFromConfig({ type: 'postgres', host: 'db', database: 'app', user: 'app', password });
 */
export async function createStoreFromConfig(
  source?: StoreConfig | string,
  options: StoreFromConfigOptions = {},
): Promise<ConfiguredStore> {
  const env =
    options.env ??
    (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ??
    {};
  const input = source ?? env.SESSIONKIT_STORE;
  try {
    return await openConfigured(input, options);
  } catch (error) {
    throw withoutSecrets(error, secretsOf(input));
  }
}

async function openConfigured(
  input: StoreConfig | string | undefined,
  options: StoreFromConfigOptions,
): Promise<ConfiguredStore> {
  if (input === undefined || input === '') {
    throw new SessionConfigError(
      'No session store is configured: pass a configuration, or set SESSIONKIT_STORE to a URL such as ' +
        'redis://127.0.0.1:6379/0, postgres://user:password@host/db or file:///var/lib/app/sessions.',
    );
  }
  if (options.mustExist && options.createSchema) {
    throw new SessionConfigError(
      'createStoreFromConfig: mustExist and createSchema contradict each other; pass one of them.',
    );
  }
  const config = resolveStoreConfig(typeof input === 'string' ? parseStoreUrl(input) : input);
  if (config.type === 'memory') {
    const store = createMemoryStore(
      config.maxSessions === undefined ? {} : { maxSessions: config.maxSessions },
    );
    return toConfiguredStore(store, describeStoreConfig(config));
  }
  const packages = PACKAGES[config.type];
  const importModule = options.importModule ?? importFromAppOrCore;
  const open = await loadOpener(config.type, packages, importModule);
  try {
    return await open(config, {
      mustExist: options.mustExist === true,
      createSchema: options.createSchema === true,
    });
  } catch (error) {
    if (isModuleNotFound(error)) throw installHint(config.type, packages, error);
    if (isSessionError(error)) throw error;
    throw new SessionStoreError(`Cannot open ${describeStoreConfig(config)}: ${rootCauseText(error)}`, {
      cause: error,
    });
  }
}

/** The password of a configuration, in every form a message could echo it. */
function secretsOf(input: StoreConfig | string | undefined): string[] {
  if (typeof input === 'string') return passwordsIn(input.trim());
  const password = (input as { password?: unknown } | undefined)?.password;
  return typeof password === 'string' ? [password] : [];
}

/**
 * The error with any trace of the password removed from its message. Messages built here are
 * redacted when written; this also covers a driver that quotes its connection string. A scrubbed
 * error drops its cause, which may quote the password too.
 */
function withoutSecrets(error: unknown, secrets: string[]): unknown {
  if (!(error instanceof Error)) return error;
  const message = scrub(error.message, secrets);
  if (message === error.message) return error;
  return isSessionError(error, 'SESSION_CONFIG_INVALID')
    ? new SessionConfigError(message)
    : new SessionStoreError(message);
}

/** One line describing a configuration, with no password in it. */
export function describeStoreConfig(config: ResolvedStoreConfig): string {
  switch (config.type) {
    case 'memory':
      return 'memory';
    case 'file':
      return `file ${config.directory}`;
    case 'redis': {
      const nodes = config.nodes.map((n) => `${n.host}:${n.port}`).join(',');
      const where =
        config.mode === 'sentinel'
          ? `sentinel ${config.sentinelName} via ${nodes}`
          : `${config.mode} ${nodes}`;
      return `redis ${where} db ${config.database}${config.tls ? ' (tls)' : ''}`;
    }
    case 'mongodb':
      return `mongodb ${config.srv ? 'srv ' : ''}${config.host}${config.srv ? '' : `:${config.port}`}/${config.database}`;
    default:
      return `${config.type} ${config.host}:${config.port}/${config.database}${config.tableName ? ` table ${config.tableName}` : ''}`;
  }
}

async function loadOpener(
  type: StoreType,
  packages: string[],
  importModule: (specifier: string) => Promise<unknown>,
): Promise<OpenStoreFromConfig> {
  const name = packages[0] as string;
  let module: { openStoreFromConfig?: unknown };
  try {
    module = (await importModule(name)) as { openStoreFromConfig?: unknown };
  } catch (error) {
    if (isModuleNotFound(error)) throw installHint(type, packages, error);
    throw error;
  }
  if (typeof module.openStoreFromConfig !== 'function') {
    throw new SessionConfigError(
      `${name} has no openStoreFromConfig(); upgrade it to the version of @sessionkit/core you use.`,
    );
  }
  return module.openStoreFromConfig as OpenStoreFromConfig;
}

function installHint(type: StoreType, packages: string[], cause: unknown): SessionConfigError {
  return new SessionConfigError(
    `A "${type}" session store needs the packages ${packages.join(' and ')}. ` +
      `Install them: npm install ${packages.join(' ')} (or pnpm add / yarn add).`,
    { cause },
  );
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function importFromAppOrCore(specifier: string): Promise<unknown> {
  try {
    return await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier);
  } catch (error) {
    if (!isModuleNotFound(error)) throw error;
    // Loaded lazily: only Node reaches this fallback, and only for a package core cannot see.
    const [{ createRequire }, { pathToFileURL }] = await Promise.all([
      import('node:module'),
      import('node:url'),
    ]);
    const cwd = (globalThis as { process?: { cwd(): string } }).process?.cwd() ?? '.';
    let resolved: string;
    try {
      resolved = createRequire(pathToFileURL(`${cwd}/`).href).resolve(specifier);
    } catch {
      throw error;
    }
    return import(/* webpackIgnore: true */ /* @vite-ignore */ pathToFileURL(resolved).href);
  }
}
