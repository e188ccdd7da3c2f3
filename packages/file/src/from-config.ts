import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  toConfiguredStore,
} from '@sessionkit/core';
import { createFileStore } from './file-store';

/**
 * Opens a file store from a validated configuration (`file:///path?depth=2` or
 * `{ type: 'file', directory }`); used by core's `createStoreFromConfig`.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config) => {
  if (config.type !== 'file')
    throw new SessionConfigError(`@sessionkit/file cannot open a "${config.type}" store.`);
  const store = createFileStore({
    directory: config.directory,
    ...(config.depth === undefined ? {} : { depth: config.depth }),
  });
  return toConfiguredStore(store, describeStoreConfig(config));
};
