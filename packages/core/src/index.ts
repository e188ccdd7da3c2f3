export type { ConfiguredStore, StoreErrorExplainer } from './config/configured-store';
export type {
  OpenedStore,
  OpenStoreContext,
  StoreConfig,
  StoreConfigSource,
  StoreDescriptor,
} from './config/descriptor';
export { createStoreFromConfig, type StoreFromConfigOptions } from './config/from-config';
export { KNOWN_STORES, type KnownStore } from './config/known-stores';
export { redactSecrets, redactUrl } from './config/redact';
export * from './cookie/cookie';
export { sha256Base64url } from './cookie/hashing';
export { generateSessionId, isWellFormedSessionId, routeOf, storageKeyFor, withRoute } from './cookie/ids';
export { MIN_SECRET_LENGTH } from './cookie/signer';
export { type CookieVerifier, createCookieVerifier } from './cookie/verify';
export * from './errors';
export { CODEC_MAX_ID, type Codec, CUSTOM_CODEC_MIN_ID, jsonCodec, MAX_NESTING_DEPTH } from './payload/codec';
export type { CompressionAlgorithm, CompressionOptions } from './payload/compression';
export { concatBytes, fromBase64url, toBase64url } from './payload/encoding';
export type { EncryptionKey } from './payload/encryption';
export {
  createEnvelope,
  ENVELOPE_FORMAT_VERSION,
  type Envelope,
  type EnvelopeEncryptionOptions,
  type EnvelopeHeader,
  type EnvelopeOptions,
  readEnvelopeHeader,
} from './payload/envelope';
export {
  readSessionDetails,
  type SessionListEntry,
  type SessionMeta,
  sealSessionDetails,
  toSessionListEntry,
} from './session/details';
export type { SessionHooks } from './session/hooks';
export { type CookieSource, createSessionManager, SessionManager } from './session/manager';
// The one way in for framework bindings: a manager, or the options to create one.
export { type SessionManagerInput, toSessionManager } from './session/manager-input';
export type { SessionManagerOptions, StoreErrorPolicy } from './session/options';
export { readSessionContents, Session, type SessionContents, type SessionData } from './session/session';
export type { VerifyOnStart } from './session/startup';
export { type MemoryStoreConfig, memoryStoreDescriptor } from './store/memory-descriptor';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './store/memory-store';
export { type CheckedSetArguments, checkSetArguments } from './store/set-arguments';
export * from './store/store';
export { callStore, type StoreCall, storeCaller } from './store/store-call';
export { type StoreErrorDetail, storeError } from './store/store-errors';
export {
  checkStoredRecord,
  copyHeldRecord,
  type HeldRecord,
  readStoredRecord,
  type StoredRecordCheck,
  type StoredRecordFields,
} from './store/stored-record';
export {
  formatVerifyReport,
  type ResolvedVerifyOptions,
  resolveVerifyOptions,
  Verification,
  type VerifyCheck,
  type VerifyCheckName,
  type VerifyOptions,
  type VerifyReport,
  type VerifyStatus,
  verifyProbeKey,
} from './store/verify';
export type { SessionStats, StoreCallStats } from './telemetry/stats';
export {
  SESSION_COUNTERS,
  type SessionCounter,
  type SessionTelemetry,
  type StoreCallOutcome,
} from './telemetry/telemetry';
