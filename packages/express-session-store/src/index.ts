export { SessionkitStore, type SessionkitStoreOptions } from './sessionkit-store';
