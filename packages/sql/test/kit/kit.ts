/**
 * The kit moved to the published entry `@sessionkit/sql/testing` (src/testing/). What stays in this
 * folder is repository-only (from-config.ts: createStoreFromConfig against the three built-in SQL
 * stores), and it reads the kit through this path.
 */
export * from '@sessionkit/sql/testing';
