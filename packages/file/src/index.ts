export { createFileStore, type FileStore } from './file-store';
export { openStoreFromConfig } from './from-config';
export type { FileStoreOptions } from './options';
