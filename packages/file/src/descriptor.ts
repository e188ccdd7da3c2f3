import { statSync } from 'node:fs';
import { redactUrl, SessionStoreError, type StoreDescriptor } from '@sessionkit/core';
import {
  acceptParameters,
  decodeUrlPart,
  integerSetting,
  requiredString,
  storeUrlError,
  urlNumber,
} from '@sessionkit/core/descriptor';
import { createFileStore } from './file-store';

/** A file store's settings, for `createStoreFromConfig` (or `file:///var/lib/app/sessions?depth=2`). */
export interface FileStoreConfig {
  type: 'file';
  /** The folder that holds the session files: an absolute path. */
  directory: string;
  /** Levels of sharded subfolders. @default 2 */
  depth?: number;
}

function fromUrl(url: string): FileStoreConfig {
  const [location = '', search = ''] = url.trim().slice('file:'.length).split('?');
  // The standard forms only: file:///abs/path, file://localhost/abs/path, file:/abs/path. In
  // file://relative/x, "relative" is a host; reading it as a relative path made the folder depend
  // on the working directory of whoever ran the command.
  const authority = location.startsWith('//');
  const hostEnd = authority ? location.indexOf('/', 2) : -1;
  const host = authority ? location.slice(2, hostEnd === -1 ? undefined : hostEnd) : '';
  if (host !== '' && host.toLowerCase() !== 'localhost') {
    storeUrlError(
      url,
      `"${redactUrl(host)}" is read as a host name, and a store directory must be an absolute path: ` +
        'write file:///absolute/path/to/sessions (three slashes)',
    );
  }
  const path = decodeUrlPart(
    url,
    authority ? location.slice(hostEnd === -1 ? location.length : hostEnd) : location,
  );
  if (path === '') storeUrlError(url, 'it names no directory: file:///path/to/sessions');
  // file:///C:/sessions on Windows: the drive letter follows the slash.
  const directory = /^\/[A-Za-z]:[\\/]/.test(path) ? path.slice(1) : path;
  if (!directory.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(directory)) {
    storeUrlError(
      url,
      'the directory is a relative path; write an absolute one: file:///absolute/path/to/sessions',
    );
  }
  const query = new URLSearchParams(search);
  acceptParameters(url, query, ['depth']);
  const depth = query.get('depth');
  return { type: 'file', directory, ...(depth === null ? {} : { depth: urlNumber(url, 'depth', depth) }) };
}

/**
 * How `createStoreFromConfig` opens a file store from `{ type: 'file', directory }` or a `file:`
 * URL. With `mustExist` a missing directory is an error instead of being created: the CLI's
 * `count` on a mistyped path must not report 0 and leave an empty folder behind.
 */
export const storeDescriptor: StoreDescriptor<FileStoreConfig> = {
  type: 'file',
  schemes: ['file'],
  settings: ['type', 'directory', 'depth'],
  fromUrl,
  resolve(config) {
    const directory = requiredString(config, 'directory', 'the folder that holds the session files');
    const depth = integerSetting(config, 'depth', 0, 4);
    return { type: 'file', directory, ...(depth === undefined ? {} : { depth }) };
  },
  describe: (config) => `file ${config.directory}`,
  async open(config, context) {
    if (context.mustExist) {
      const found = statSync(config.directory, { throwIfNoEntry: false });
      if (!found?.isDirectory()) {
        throw new SessionStoreError(
          `The session directory ${config.directory} ${found ? 'is not a directory' : 'does not exist'}; ` +
            'nothing was created. Check the path, or create it: start the app once (createFileStore ' +
            `creates its directory) or run mkdir -p '${config.directory}'.`,
        );
      }
    }
    const { directory, depth } = config;
    return { store: createFileStore({ directory, ...(depth === undefined ? {} : { depth }) }) };
  },
};
