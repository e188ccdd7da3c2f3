// `@sessionkit/core/descriptor`: what a store package needs to write its `storeDescriptor` (see
// config/descriptor.ts): the protocol, URL splitting, setting checks and error explainers, all
// with the same messages and none quoting a password. Apps never import it.
export {
  findCause,
  missingTableExplainer,
  type StoreErrorExplainer,
  shellWord,
} from './config/configured-store';
export type {
  OpenedStore,
  OpenStoreContext,
  StoreConfig,
  StoreConfigSource,
  StoreDescriptor,
} from './config/descriptor';
export {
  booleanSetting,
  hostPortList,
  hostSetting,
  integerSetting,
  optionalString,
  portSetting,
  requiredString,
  settingError,
} from './config/settings';
export {
  acceptParameters,
  decodeUrlPart,
  type HostPort,
  hostSettings,
  type StoreUrlParts,
  schemeOf,
  singleHost,
  splitStoreUrl,
  storeUrlError,
  urlCredentials,
  urlFlag,
  urlNumber,
} from './config/url-parts';
