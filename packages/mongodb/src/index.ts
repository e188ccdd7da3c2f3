export type { MongoCollectionLike, MongoDbLike, MongoDocument, MongoIndexSpec } from './collection';
export { type MongoStoreConfig, type ResolvedMongoConfig, storeDescriptor } from './descriptor';
export { createMongoStore, type MongoStore } from './mongo-store';
export type { MongoStoreOptions } from './options';
export { SESSION_INDEXES, TTL_GRACE_SECONDS } from './statements';
export {
  classifyMongoError,
  type MongoFailureKind,
  SERVER_TIME_PROJECTION,
  ttlIndexCommand,
  ttlIndexProblem,
} from './verify';
