export type { BusyThresholds, LoadReading } from './busy';
export { SessionCapacityError } from './capacity-error';
export {
  createSessionTier,
  type RebalancePolicy,
  SessionTier,
  type SessionTierOptions,
  type SessionTierStats,
} from './session-tier';
export type { TieredStoreOptions, WhenFull } from './tier-options';
export {
  createTieredStore,
  type MaintenanceReport,
  type TieredStore,
  type TierStats,
} from './tiered-store';
