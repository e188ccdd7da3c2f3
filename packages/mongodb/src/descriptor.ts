import { SessionConfigError, SessionStoreError, type StoreDescriptor } from '@sessionkit/core';
import {
  booleanSetting,
  type HostPort,
  hostPortList,
  hostSetting,
  hostSettings,
  optionalString,
  portSetting,
  requiredString,
  settingError,
  singleHost,
  splitStoreUrl,
  urlCredentials,
} from '@sessionkit/core/descriptor';
import type { MongoDbLike } from './collection';
import { createMongoStore } from './mongo-store';

/**
 * A MongoDB store's settings, for `createStoreFromConfig` (or one URL:
 * `mongodb://user:pass@host:27017/db?collection=sessions`, a seed list
 * `mongodb://user:pass@h1,h2:27018/db?replicaSet=rs0`, or `mongodb+srv://user:pass@cluster.example.net/db`).
 *
 * @example
 * { type: 'mongodb', hosts: [{ host: 'h1' }, { host: 'h2' }], database: 'app', options: { replicaSet: 'rs0' } }
 */
export interface MongoStoreConfig {
  type: 'mongodb';
  /** One server (or, with srv, the DNS name). Give `host` or `hosts`, not both. */
  host?: string;
  /** @default 27017; not allowed with srv (DNS gives the ports) */
  port?: number;
  /**
   * A seed list: the members of a replica set or the mongos routers of a sharded cluster, as the
   * driver takes them in `mongodb://h1,h2,h3/`; each `port` defaults to 27017. Not with srv.
   */
  hosts?: HostPort[];
  /** Resolve `host` through DNS SRV records (mongodb+srv://). @default false */
  srv?: boolean;
  username?: string;
  password?: string;
  database: string;
  /** @default 'sessions' */
  collectionName?: string;
  /** Extra connection-string options, e.g. { replicaSet: 'rs0', authSource: 'admin' }. @default {} */
  options?: Record<string, string>;
}

/** A checked {@link MongoStoreConfig}, defaults filled in. */
export interface ResolvedMongoConfig
  extends Required<Omit<MongoStoreConfig, 'username' | 'password' | 'collectionName' | 'host' | 'port'>> {
  /** Every server of the seed list (one for a single server or srv); port 27017 when not given. */
  hosts: Required<HostPort>[];
  username?: string;
  password?: string;
  collectionName?: string;
}

const MONGODB_PORT = 27017;

function fromUrl(url: string): MongoStoreConfig {
  // Every parameter but `collection` is one of the driver's connection-string options: the driver
  // refuses the ones it does not know when the store opens, before connecting.
  const parts = splitStoreUrl(url, null);
  const srv = parts.scheme === 'mongodb+srv';
  // Like the driver: a seed list of any length for mongodb://, exactly one host name for srv.
  const hosts = srv
    ? [
        singleHost(
          url,
          parts.hosts,
          'mongodb+srv:// takes one host name, whose DNS SRV records list the servers',
        ),
      ]
    : parts.hosts.length > 1
      ? parts.hosts
      : [singleHost(url, parts.hosts)];
  const collection = parts.query.get('collection');
  const options = Object.fromEntries([...parts.query].filter(([key]) => key !== 'collection'));
  return {
    type: 'mongodb',
    ...(hosts.length === 1 ? hostSettings(hosts[0] as HostPort) : { hosts }),
    ...(srv ? { srv: true } : {}),
    ...urlCredentials(parts, 'username'),
    database: parts.path[0] ?? '',
    ...(collection ? { collectionName: collection } : {}),
    ...(Object.keys(options).length > 0 ? { options } : {}),
  };
}

function resolve(config: Record<string, unknown>): ResolvedMongoConfig {
  const options = config.options ?? {};
  if (
    typeof options !== 'object' ||
    options === null ||
    Object.values(options).some((v) => typeof v !== 'string')
  ) {
    settingError('options', 'must be an object of string values.');
  }
  const srv = booleanSetting(config, 'srv');
  let hosts: Required<HostPort>[];
  if (config.hosts !== undefined) {
    if (config.host !== undefined || config.port !== undefined) {
      settingError('hosts', 'cannot be combined with host or port; put every server in hosts.');
    }
    hosts = hostPortList(config.hosts, 'hosts', MONGODB_PORT);
  } else {
    hosts = [
      { host: hostSetting(config.host, 'host'), port: portSetting(config.port, 'port', MONGODB_PORT) },
    ];
  }
  if (srv && (hosts.length > 1 || config.port !== undefined || config.hosts !== undefined)) {
    settingError(
      'srv',
      'takes one host name and no port: the DNS SRV records list the servers and their ports.',
    );
  }
  return {
    type: 'mongodb',
    hosts,
    srv,
    username: optionalString(config, 'username'),
    password: optionalString(config, 'password'),
    database: requiredString(config, 'database', 'the database that holds the sessions collection'),
    collectionName: optionalString(config, 'collectionName'),
    options: options as Record<string, string>,
  };
}

/** The host part of the connection string: `h1:27017,h2:27018`, or the bare DNS name with srv. */
function hostList(config: ResolvedMongoConfig): string {
  return config.srv
    ? (config.hosts[0]?.host ?? '')
    : config.hosts.map(({ host, port }) => `${host}:${port}`).join(',');
}

function describe(config: ResolvedMongoConfig): string {
  return `mongodb ${config.srv ? 'srv ' : ''}${hostList(config)}/${config.database}`;
}

/** The connection string the descriptor hands to the driver (it holds the password: never print it). */
export function connectionString(config: ResolvedMongoConfig): string {
  const auth =
    config.username === undefined
      ? ''
      : `${encodeURIComponent(config.username)}${config.password === undefined ? '' : `:${encodeURIComponent(config.password)}`}@`;
  const query = new URLSearchParams(config.options).toString();
  return `mongodb${config.srv ? '+srv' : ''}://${auth}${hostList(config)}/${encodeURIComponent(config.database)}${query ? `?${query}` : ''}`;
}

/**
 * Opens a MongoDB store, creating the MongoClient itself; the configured store's close() closes
 * that client. With `mustExist` a missing collection is an error (MongoDB would create it on the
 * first write).
 */
const open: StoreDescriptor<ResolvedMongoConfig>['open'] = async (config, context) => {
  const { MongoClient } = await import('mongodb');
  const url = connectionString(config);
  let client: InstanceType<typeof MongoClient>;
  try {
    // The client connects on its first command; a bad address fails that command, not this call.
    client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  } catch (error) {
    // MongoParseError: an unknown or invalid connection-string option. Its message names the
    // option, never the URL.
    throw new SessionConfigError(
      `Invalid MongoDB store URL option: ${(error as Error).message}. mongodb URLs accept collection ` +
        'and the MongoDB connection-string options (authSource, replicaSet, tls, readPreference…).',
      { cause: error },
    );
  }
  const db = client.db(config.database);
  // createMongoStore's default collection, named here so the mustExist check looks at the same one.
  const collectionName = config.collectionName ?? 'sessions';
  if (context.mustExist) {
    const found = await db
      .listCollections({ name: collectionName }, { nameOnly: true })
      .toArray()
      .catch(async (error: unknown) => {
        await client.close();
        throw error;
      });
    if (found.length === 0) {
      await client.close();
      throw new SessionStoreError(
        `The collection ${collectionName} does not exist in database ${config.database} on ` +
          `${describe(config)} (nothing was created). Check the URL, or create it: call ` +
          "the store's ensureIndexes() from the app once (it also creates the indexes).",
      );
    }
  }
  const store = createMongoStore(db as unknown as MongoDbLike, { collectionName });
  return { store, closeClient: () => client.close(), createSchema: () => store.ensureIndexes() };
};

/** How `createStoreFromConfig` opens a MongoDB store from `{ type: 'mongodb', … }` or a `mongodb:` / `mongodb+srv:` URL. */
export const storeDescriptor: StoreDescriptor<ResolvedMongoConfig> = {
  type: 'mongodb',
  schemes: ['mongodb', 'mongodb+srv'],
  settings: [
    'type',
    'host',
    'port',
    'hosts',
    'srv',
    'username',
    'password',
    'database',
    'collectionName',
    'options',
  ],
  fromUrl,
  resolve,
  describe,
  open,
};
