export { CODEC_MAX_ID, type Codec, CUSTOM_CODEC_MIN_ID, jsonCodec, MAX_NESTING_DEPTH } from './codec';
export type { CompressionAlgorithm, CompressionOptions } from './compression';
export * from './cookie';
export { concatBytes, fromBase64url, toBase64url } from './encoding';
export type { EncryptionKey } from './encryption';
export {
  createEnvelope,
  ENVELOPE_FORMAT_VERSION,
  type Envelope,
  type EnvelopeEncryptionOptions,
  type EnvelopeHeader,
  type EnvelopeOptions,
  readEnvelopeHeader,
} from './envelope';
export * from './errors';
export {
  type ConfiguredStore,
  createSchemaOrClose,
  createStoreFromConfig,
  describeStoreConfig,
  findCause,
  missingTableExplainer,
  type OpenStoreContext,
  type OpenStoreFromConfig,
  type StoreErrorExplainer,
  type StoreFromConfigOptions,
  shellWord,
  toConfiguredStore,
} from './from-config';
export { sha256Base64url } from './hashing';
export type { SessionHooks } from './hooks';
export { generateSessionId, isWellFormedSessionId, routeOf, storageKeyFor, withRoute } from './ids';
export { type CookieSource, createSessionManager, SessionManager } from './manager';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memory-store';
export type { SessionManagerOptions, StoreErrorPolicy } from './options';
export { redactSecrets, redactUrl } from './redact';
export { readSessionContents, Session, type SessionContents, type SessionData } from './session';
export { MIN_SECRET_LENGTH } from './signer';
export * from './store';
export {
  type HostPort,
  type MongoStoreConfig,
  type RedisStoreConfig,
  type ResolvedRedisConfig,
  type ResolvedStoreConfig,
  resolveStoreConfig,
  type SqlStoreConfig,
  STORE_CONFIG_FIELDS,
  STORE_TYPES,
  type StoreConfig,
  type StoreType,
} from './store-config';
export { parseStoreUrl, STORE_URL_PARAMETERS } from './store-url';
export {
  checkStoredRecord,
  readStoredRecord,
  type StoredRecordCheck,
  type StoredRecordFields,
} from './stored-record';
export { type CookieVerifier, createCookieVerifier } from './verify';
