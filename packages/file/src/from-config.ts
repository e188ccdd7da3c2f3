import { statSync } from 'node:fs';
import {
  describeStoreConfig,
  type OpenStoreFromConfig,
  SessionConfigError,
  SessionStoreError,
  toConfiguredStore,
} from '@sessionkit/core';
import { createFileStore } from './file-store';

/**
 * Opens a file store from a validated configuration (`file:///path?depth=2` or
 * `{ type: 'file', directory }`); used by core's `createStoreFromConfig`. With `mustExist` a
 * missing directory is an error instead of being created: the CLI's `count` on a mistyped path
 * must not report 0 and leave an empty folder behind.
 */
export const openStoreFromConfig: OpenStoreFromConfig = async (config, context) => {
  if (config.type !== 'file')
    throw new SessionConfigError(`@sessionkit/file cannot open a "${config.type}" store.`);
  if (context?.mustExist) {
    const found = statSync(config.directory, { throwIfNoEntry: false });
    if (!found?.isDirectory()) {
      throw new SessionStoreError(
        `The session directory ${config.directory} ${found ? 'is not a directory' : 'does not exist'}; ` +
          'nothing was created. Check the path, or create it: start the app once (createFileStore ' +
          `creates its directory) or run mkdir -p '${config.directory}'.`,
      );
    }
  }
  const store = createFileStore({
    directory: config.directory,
    ...(config.depth === undefined ? {} : { depth: config.depth }),
  });
  return toConfiguredStore(store, describeStoreConfig(config));
};
