import type { SessionStore } from '../store/store';
import type { StoreErrorExplainer } from './configured-store';

/**
 * A store configuration as an operator writes it: a `type` and the settings of that type's store
 * package. Each store package exports the precise type of its own settings (`RedisStoreConfig`,
 * `SqlStoreConfig`, …); core knows only this shape.
 */
export interface StoreConfig {
  readonly type: string;
  readonly [setting: string]: unknown;
}

/**
 * What `createStoreFromConfig` accepts: one URL, or a configuration object, either written inline
 * or typed with a store package's own interface (which TypeScript does not treat as a
 * {@link StoreConfig}, having no index signature).
 */
export type StoreConfigSource = string | StoreConfig | { readonly type: string };

/** How {@link createStoreFromConfig} asks a descriptor to open its store. */
export interface OpenStoreContext {
  /** Open only a store that exists: create no directory, table or collection (see `mustExist`). */
  readonly mustExist: boolean;
}

/**
 * What a descriptor's `open` hands back; `createStoreFromConfig` wraps it into a
 * {@link ConfiguredStore} (failures that name the store, a close() that also closes the client).
 */
export interface OpenedStore {
  readonly store: SessionStore;
  /** Closes the driver client the descriptor created (and only that one). */
  readonly closeClient?: () => Promise<unknown>;
  /** Turns a driver failure into the cause an operator can act on (a missing table, a refused connection). */
  readonly explain?: StoreErrorExplainer;
  /** Creates the table / indexes the store needs, idempotently, for `createSchema: true`. */
  readonly createSchema?: () => Promise<unknown>;
}

/**
 * Everything core needs to open one kind of store from configuration. Each store package exports
 * its descriptor as `storeDescriptor`, next to its factory; core defines this shape and knows no
 * backend by name. The one list of known descriptors, with the packages to install for each, is
 * config/known-stores.ts; an app can pass descriptors of its own (`createStoreFromConfig`'s
 * `stores` option).
 *
 * The helpers of `@sessionkit/core/descriptor` (URL splitting, setting checks) give every
 * descriptor the same messages; none of them ever quotes a password.
 *
 * @example
 * export const storeDescriptor: StoreDescriptor<ExampleConfig> = {
 *   type: 'example',
 *   schemes: ['example'],
 *   settings: ['type', 'host', 'port'],
 *   fromUrl(url) {
 *     const parts = splitStoreUrl(url, []);
 *     const { host, port } = singleHost(url, parts.hosts);
 *     return { type: 'example', host, ...(port === undefined ? {} : { port }) };
 *   },
 *   resolve: (config) => ({ type: 'example', host: hostSetting(config.host, 'host'), port: portSetting(config.port, 'port', 7777) }),
 *   describe: (config) => `example ${config.host}:${config.port}`,
 *   async open(config) {
 *     const client = await connect(config.host, config.port);
 *     return { store: createExampleStore(client), closeClient: () => client.quit() };
 *   },
 * };
 */
export interface StoreDescriptor<Config extends { readonly type: string } = { readonly type: string }> {
  /** The configuration's `type`, e.g. 'redis'. */
  readonly type: string;
  /** The URL schemes it answers, lower case and without the colon, e.g. ['redis', 'rediss']. */
  readonly schemes: readonly string[];
  /**
   * Every setting a configuration object may have, `type` included. Anything else is refused
   * before `resolve` runs: a misspelt `tabel` must not fall back to the default table.
   */
  readonly settings: readonly string[];
  /** Turns a URL of one of its schemes into a configuration object (checked by `resolve` next). */
  fromUrl(url: string): { readonly type: string };
  /** Checks every setting and fills in defaults; throws SessionConfigError naming the setting. */
  resolve(config: StoreConfig): Config;
  /** One line saying what is configured, without secrets: for logs and the CLI. */
  describe(config: Config): string;
  /** Creates the driver client and the store. Nothing has connected before this call. */
  open(config: Config, context: OpenStoreContext): Promise<OpenedStore>;
}
