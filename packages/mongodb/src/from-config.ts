import {
  createSchemaOrClose,
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  SessionStoreError,
  toConfiguredStore,
} from '@sessionkit/core';
import type { MongoDbLike } from './collection';
import { createMongoStore } from './mongo-store';

/**
 * Opens a MongoDB store from a validated configuration, creating the MongoClient itself; the
 * returned store's close() closes that client. Used by core's `createStoreFromConfig`. URL
 * parameters other than `collection` are the driver's connection-string options: the driver
 * refuses unknown ones here, before connecting, and that becomes a SessionConfigError. With
 * `mustExist` a missing collection is an error (MongoDB would create it on the first write).
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config, context) => {
  if (config.type !== 'mongodb')
    throw new SessionConfigError(`@sessionkit/mongodb cannot open a "${config.type}" store.`);
  const { MongoClient } = await import('mongodb');
  const auth =
    config.username === undefined
      ? ''
      : `${encodeURIComponent(config.username)}${config.password === undefined ? '' : `:${encodeURIComponent(config.password)}`}@`;
  const query = new URLSearchParams(config.options).toString();
  const url = config.srv
    ? `mongodb+srv://${auth}${config.host}/${encodeURIComponent(config.database)}${query ? `?${query}` : ''}`
    : `mongodb://${auth}${config.host}:${config.port}/${encodeURIComponent(config.database)}${query ? `?${query}` : ''}`;
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
  if (context?.mustExist) {
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
          `${describeStoreConfig(config)} (nothing was created). Check the URL, or create it: call ` +
          "the store's ensureIndexes() from the app once (it also creates the indexes).",
      );
    }
  }
  const store = createMongoStore(db as unknown as MongoDbLike, { collectionName });
  const configured = toConfiguredStore(store, describeStoreConfig(config), () => client.close());
  if (context?.createSchema) await createSchemaOrClose(configured, () => store.ensureIndexes());
  return configured;
};
