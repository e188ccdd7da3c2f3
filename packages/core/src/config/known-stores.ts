import { memoryStoreDescriptor } from '../store/memory-descriptor';
import type { StoreDescriptor } from './descriptor';

/** One kind of store that `createStoreFromConfig` can open by name. */
export interface KnownStore {
  /** The configuration's `type`. */
  readonly type: string;
  /** The URL schemes that select it (the descriptor's own `schemes` must list the same). */
  readonly schemes: readonly string[];
  /** What to install for it, the store package first: it exports `storeDescriptor`. */
  readonly packages: readonly string[];
  /** Set for a store built into core. */
  readonly builtIn?: StoreDescriptor;
}

/**
 * The registry: every store `createStoreFromConfig` knows by name, and the packages to install for
 * each. It is the only place outside a store's own package that names it, and it holds no logic:
 * the schemes pick the package to import before anything is parsed (so a missing package gets the
 * install command), and that package's `storeDescriptor` does the rest. Adding a backend is one
 * line here plus its own package.
 */
export const KNOWN_STORES: readonly KnownStore[] = Object.freeze([
  { type: 'memory', schemes: ['memory'], packages: [], builtIn: memoryStoreDescriptor as StoreDescriptor },
  { type: 'file', schemes: ['file'], packages: ['@sessionkit/file'] },
  {
    type: 'redis',
    schemes: ['redis', 'rediss', 'redis+sentinel', 'redis+cluster'],
    packages: ['@sessionkit/redis', 'ioredis'],
  },
  { type: 'mysql', schemes: ['mysql', 'mariadb'], packages: ['@sessionkit/mysql', 'mysql2'] },
  { type: 'postgres', schemes: ['postgres', 'postgresql'], packages: ['@sessionkit/postgres', 'pg'] },
  { type: 'mssql', schemes: ['mssql', 'sqlserver'], packages: ['@sessionkit/mssql', 'mssql'] },
  { type: 'mongodb', schemes: ['mongodb', 'mongodb+srv'], packages: ['@sessionkit/mongodb', 'mongodb'] },
]);
