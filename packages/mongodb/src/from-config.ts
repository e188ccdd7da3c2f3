import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  toConfiguredStore,
} from '@sessionkit/core';
import type { MongoDbLike } from './collection';
import { createMongoStore } from './mongo-store';

/**
 * Opens a MongoDB store from a validated configuration, creating the MongoClient itself; the
 * returned store's close() closes that client. Used by core's `createStoreFromConfig`.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config) => {
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
  // The client connects on its first command; a bad address fails that command, not this call.
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 5000 });
  const store = createMongoStore(client.db(config.database) as unknown as MongoDbLike, {
    ...(config.collectionName === undefined ? {} : { collectionName: config.collectionName }),
  });
  return toConfiguredStore(store, describeStoreConfig(config), () => client.close());
};
