export { type FileStoreConfig, storeDescriptor } from './descriptor';
export { createFileStore, type FileStore } from './file-store';
export type { FileStoreOptions } from './options';
