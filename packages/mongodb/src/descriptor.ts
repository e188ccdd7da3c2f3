import { SessionConfigError, SessionStoreError, type StoreDescriptor } from '@sessionkit/core';
import {
  booleanSetting,
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
 * `mongodb://user:pass@host:27017/db?collection=sessions`, `mongodb+srv://user:pass@cluster.example.net/db`).
 */
export interface MongoStoreConfig {
  type: 'mongodb';
  host: string;
  /** @default 27017; ignored with srv */
  port?: number;
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
  extends Required<Omit<MongoStoreConfig, 'username' | 'password' | 'collectionName'>> {
  username?: string;
  password?: string;
  collectionName?: string;
}

function fromUrl(url: string): MongoStoreConfig {
  // Every parameter but `collection` is one of the driver's connection-string options: the driver
  // refuses the ones it does not know when the store opens, before connecting.
  const parts = splitStoreUrl(url, null);
  const only = singleHost(
    url,
    parts.hosts,
    'list replica-set members in options.replicaSet, or use mongodb+srv://',
  );
  const collection = parts.query.get('collection');
  const options = Object.fromEntries([...parts.query].filter(([key]) => key !== 'collection'));
  return {
    type: 'mongodb',
    ...hostSettings(only),
    ...(parts.scheme === 'mongodb+srv' ? { srv: true } : {}),
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
  return {
    type: 'mongodb',
    host: hostSetting(config.host, 'host'),
    port: portSetting(config.port, 'port', 27017),
    srv: booleanSetting(config, 'srv'),
    username: optionalString(config, 'username'),
    password: optionalString(config, 'password'),
    database: requiredString(config, 'database', 'the database that holds the sessions collection'),
    collectionName: optionalString(config, 'collectionName'),
    options: options as Record<string, string>,
  };
}

function describe(config: ResolvedMongoConfig): string {
  return `mongodb ${config.srv ? 'srv ' : ''}${config.host}${config.srv ? '' : `:${config.port}`}/${config.database}`;
}

/**
 * Opens a MongoDB store, creating the MongoClient itself; the configured store's close() closes
 * that client. With `mustExist` a missing collection is an error (MongoDB would create it on the
 * first write).
 */
const open: StoreDescriptor<ResolvedMongoConfig>['open'] = async (config, context) => {
  const { MongoClient } = await import('mongodb');
  const auth =
    config.username === undefined
      ? ''
      : `${encodeURIComponent(config.username)}${config.password === undefined ? '' : `:${encodeURIComponent(config.password)}`}@`;
  const query = new URLSearchParams(config.options).toString();
  const hostPart = config.srv ? config.host : `${config.host}:${config.port}`;
  const url = `mongodb${config.srv ? '+srv' : ''}://${auth}${hostPart}/${encodeURIComponent(config.database)}${query ? `?${query}` : ''}`;
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
  settings: ['type', 'host', 'port', 'srv', 'username', 'password', 'database', 'collectionName', 'options'],
  fromUrl,
  resolve,
  describe,
  open,
};
