/**
 * ARCHITECTURE.md, "How to add a store", followed step by step: a store for a backend that holds
 * text values under keys with an expiry (the shape of etcd, Consul KV or a cloud KV service). Its
 * "client" is a Map the app owns; the steps are the same for a real driver.
 */
import {
  checkSetArguments,
  fromBase64url,
  NO_CAPABILITIES,
  readStoredRecord,
  SessionConflictError,
  type SessionStore,
  SessionStoreError,
  type StoreDescriptor,
  storeError,
  toBase64url,
} from '@sessionkit/core';
import { requiredString, splitStoreUrl, storeUrlError } from '@sessionkit/core/descriptor';

/** Step 1: the client, through the smallest structural type the store needs. */
export type TextKv = Map<string, string>;

const LABEL = 'Text KV store';

/** Step 2: the factory. It persists what core hands it and nothing else: no IDs, no expiry arithmetic. */
export function createTextKvStore(kv: TextKv): SessionStore {
  const read = (key: string) => {
    const text = kv.get(key);
    if (text === undefined) return null;
    let fields: Record<string, unknown> = {};
    try {
      fields = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Garbage under the key: readStoredRecord below reports it as a corrupt record.
    }
    const payload = typeof fields.p === 'string' ? fromBase64url(fields.p) : fields.p;
    // Step 3: every record read back goes through core's one validator.
    const record = readStoredRecord(key, {
      payload,
      version: fields.v,
      expiresAt: fields.e,
      ownerId: fields.o,
    });
    return record.expiresAt > Date.now() ? record : null;
  };
  // Step 4: driver failures mapped to the error family by core's one mapper.
  const guarded =
    <A extends unknown[], R>(operation: string, run: (...args: A) => R) =>
    async (...args: A): Promise<Awaited<R>> => {
      try {
        return await run(...args);
      } catch (error) {
        throw storeError(LABEL, operation, error);
      }
    };
  return {
    capabilities: NO_CAPABILITIES,
    get: guarded('get', (key: string) => read(key)),
    set: guarded('set', (key, record, options) => {
      const { ownerId, expectedVersion } = checkSetArguments(LABEL, key, record, options);
      // Compare-and-set: nothing awaits between the read and the write, so no writer can come between.
      const current = read(key);
      if (expectedVersion === undefined ? current !== null : current?.version !== expectedVersion) {
        throw new SessionConflictError();
      }
      const { payload, version, expiresAt } = record;
      kv.set(key, JSON.stringify({ p: toBase64url(payload), v: version, e: expiresAt, o: ownerId }));
    }),
    touch: guarded('touch', (key: string, expiresAt: number) => {
      if (typeof expiresAt !== 'number' || Number.isNaN(expiresAt)) {
        throw new SessionStoreError(`${LABEL} touch: expiresAt must be epoch milliseconds.`);
      }
      const current = read(key);
      if (current === null) return false;
      const { payload, version, ownerId } = current;
      kv.set(key, JSON.stringify({ p: toBase64url(payload), v: version, e: expiresAt, o: ownerId }));
      return true;
    }),
    destroy: guarded('destroy', (key: string) => {
      let live = false;
      try {
        live = read(key) !== null;
      } catch {
        // A corrupt record is removed all the same.
      }
      kv.delete(key);
      return live;
    }),
  };
}

/** Step 6: the descriptor, so `createStoreFromConfig('textkv://…')` can open it. */
export interface TextKvConfig {
  type: 'textkv';
  /** The name of the key-value space. */
  space: string;
}

/** The key-value spaces of this process, standing in for a server the descriptor would connect to. */
export const SPACES = new Map<string, TextKv>();

export const storeDescriptor: StoreDescriptor<TextKvConfig> = {
  type: 'textkv',
  schemes: ['textkv'],
  settings: ['type', 'space'],
  fromUrl(url) {
    const [space, ...rest] = splitStoreUrl(url, []).path;
    if (rest.length > 0) storeUrlError(url, 'write textkv://host/<space>');
    return { type: 'textkv', space: space ?? '' };
  },
  resolve: (config) => ({ type: 'textkv', space: requiredString(config, 'space', 'the key-value space') }),
  describe: (config) => `textkv ${config.space}`,
  async open(config) {
    const kv = SPACES.get(config.space) ?? new Map<string, string>();
    SPACES.set(config.space, kv);
    return { store: createTextKvStore(kv) };
  },
};
