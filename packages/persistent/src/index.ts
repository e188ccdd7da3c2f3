export type { BusyThresholds, LoadReading } from './busy';
export { SessionCapacityError } from './errors';
export {
  createPersistentManager,
  type PersistentManagerOptions,
  PersistentSessionManager,
  type PersistentStats,
  type RebalancePolicy,
} from './manager';
export type { TieredStoreOptions, WhenFull } from './options';
export {
  createTieredStore,
  type MaintenanceReport,
  type TieredStore,
  type TierStats,
} from './tiered-store';
