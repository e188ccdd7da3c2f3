import type { StoreDescriptor } from '../config/descriptor';
import { settingError } from '../config/settings';
import { acceptParameters, storeUrlError, urlNumber } from '../config/url-parts';
import { createMemoryStore } from './memory-store';

/** `{ type: 'memory' }` or `memory:?maxSessions=1000`: one process's store, for development and tests. */
export interface MemoryStoreConfig {
  readonly type: 'memory';
  /** @default unlimited */
  readonly maxSessions?: number;
}

/** The memory store's descriptor: built into core, so it needs no package. */
export const memoryStoreDescriptor: StoreDescriptor<MemoryStoreConfig> = {
  type: 'memory',
  schemes: ['memory'],
  settings: ['type', 'maxSessions'],
  fromUrl(url) {
    const [head = '', search = ''] = url.trim().split('?');
    if (head !== 'memory:' && head !== 'memory://')
      storeUrlError(url, 'write memory: or memory:?maxSessions=N');
    const query = new URLSearchParams(search);
    acceptParameters(url, query, ['maxSessions']);
    const maxSessions = query.get('maxSessions');
    return {
      type: 'memory',
      ...(maxSessions === null ? {} : { maxSessions: urlNumber(url, 'maxSessions', maxSessions) }),
    };
  },
  resolve(config) {
    const { maxSessions } = config;
    if (maxSessions !== undefined && (typeof maxSessions !== 'number' || maxSessions < 0)) {
      settingError('maxSessions', 'must be a number >= 0.');
    }
    return { type: 'memory', ...(maxSessions === undefined ? {} : { maxSessions: maxSessions as number }) };
  },
  describe: () => 'memory',
  async open(config) {
    return {
      store: createMemoryStore(config.maxSessions === undefined ? {} : { maxSessions: config.maxSessions }),
    };
  },
};
