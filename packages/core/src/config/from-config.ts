import { isSessionError, SessionConfigError, SessionStoreError } from '../errors';
import {
  type ConfiguredStore,
  createSchemaOrClose,
  rootCauseText,
  toConfiguredStore,
} from './configured-store';
import type { StoreConfig, StoreConfigSource, StoreDescriptor } from './descriptor';
import { KNOWN_STORES, type KnownStore } from './known-stores';
import { passwordsIn, scrub } from './redact';
import { settingError } from './settings';
import { schemeOf, storeUrlError } from './url-parts';

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
   * Descriptors of stores that the built-in list does not name: a store of your own or a
   * third-party package. They are matched by `type` and URL scheme before the known stores.
   * @default []
   */
  stores?: readonly StoreDescriptor[];
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

/**
 * Creates a store from an operator's configuration: a typed object or one URL, by default the
 * `SESSIONKIT_STORE` environment variable. The URL scheme or the `type` picks the store package
 * (see config/known-stores.ts), which is imported only for the type in use, so core depends on
 * none of them; that package's descriptor checks the whole configuration before anything
 * connects, then creates the driver client, which `close()` closes.
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
  source?: StoreConfigSource,
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
  input: StoreConfigSource | undefined,
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
  const { descriptor, packages } = await findDescriptor(input, options);
  const config = (typeof input === 'string' ? descriptor.fromUrl(input) : input) as StoreConfig;
  for (const setting of Object.keys(config)) {
    if (!descriptor.settings.includes(setting)) {
      settingError(
        setting,
        `is not a setting of a ${descriptor.type} store; the settings are ${descriptor.settings.join(', ')}.`,
      );
    }
  }
  const resolved = descriptor.resolve(config);
  const description = descriptor.describe(resolved);
  let opened: Awaited<ReturnType<StoreDescriptor['open']>>;
  try {
    opened = await descriptor.open(resolved, { mustExist: options.mustExist === true });
  } catch (error) {
    if (isModuleNotFound(error)) throw installHint(descriptor.type, packages, error);
    if (isSessionError(error)) throw error;
    throw new SessionStoreError(`Cannot open ${description}: ${rootCauseText(error)}`, { cause: error });
  }
  const store = toConfiguredStore(opened.store, description, opened.closeClient, opened.explain);
  if (options.createSchema && opened.createSchema) await createSchemaOrClose(store, opened.createSchema);
  return store;
}

interface Found {
  descriptor: StoreDescriptor;
  /** What to install for it; empty for a descriptor the app passed or one built into core. */
  packages: readonly string[];
}

/** The descriptor for a URL's scheme or an object's `type`: the app's own first, then the known ones. */
async function findDescriptor(input: StoreConfigSource, options: StoreFromConfigOptions): Promise<Found> {
  const own = options.stores ?? [];
  // The app's own descriptors first, so one of them can stand in for a known store.
  const candidates: ReadonlyArray<StoreDescriptor | KnownStore> = [...own, ...KNOWN_STORES];
  let found: StoreDescriptor | KnownStore | undefined;
  if (typeof input === 'string') {
    const scheme = schemeOf(input);
    if (scheme === undefined) {
      storeUrlError(input, 'it is not of the form scheme://[credentials@]host[:port][/path][?options]');
    }
    found = candidates.find((candidate) => candidate.schemes.includes(scheme));
    if (!found) {
      const schemes = candidates.flatMap((candidate) => candidate.schemes.map((s) => `${s}:`));
      storeUrlError(input, `the scheme "${scheme}:" is not a session store (use ${schemes.join(', ')})`);
    }
  } else {
    if (typeof input !== 'object' || input === null)
      settingError('config', 'must be an object with a "type", or a URL string.');
    const { type } = input;
    found = candidates.find((candidate) => candidate.type === type);
    if (!found) {
      const types = [...new Set(candidates.map((candidate) => candidate.type))];
      settingError('type', `must be one of ${types.join(', ')} (got ${JSON.stringify(type)}).`);
    }
  }
  if (!('packages' in found)) return { descriptor: found, packages: [] };
  if (found.builtIn) return { descriptor: found.builtIn, packages: [] };
  const descriptor = await loadDescriptor(
    found.type,
    found.packages,
    options.importModule ?? importFromAppOrCore,
  );
  return { descriptor, packages: found.packages };
}

/** The password of a configuration, in every form a message could echo it. */
function secretsOf(input: StoreConfigSource | undefined): string[] {
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

async function loadDescriptor(
  type: string,
  packages: readonly string[],
  importModule: (specifier: string) => Promise<unknown>,
): Promise<StoreDescriptor> {
  const name = packages[0] as string;
  let module: { storeDescriptor?: Partial<StoreDescriptor> };
  try {
    module = (await importModule(name)) as typeof module;
  } catch (error) {
    if (isModuleNotFound(error)) throw installHint(type, packages, error);
    throw error;
  }
  const descriptor = module.storeDescriptor;
  if (typeof descriptor?.open !== 'function' || descriptor.type !== type) {
    throw new SessionConfigError(
      `${name} exports no storeDescriptor for "${type}"; upgrade it to the version of @sessionkit/core you use.`,
    );
  }
  return descriptor as StoreDescriptor;
}

function installHint(type: string, packages: readonly string[], cause: unknown): SessionConfigError {
  if (packages.length === 0) {
    return new SessionConfigError(
      `The "${type}" session store cannot load a module it needs: ${(cause as Error).message}`,
      { cause },
    );
  }
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
