export type { MongoCollectionLike, MongoDbLike, MongoDocument, MongoIndexSpec } from './collection';
export { openStoreFromConfig } from './from-config';
export { createMongoStore, type MongoStore } from './mongo-store';
export type { MongoStoreOptions } from './options';
export { SESSION_INDEXES } from './statements';
