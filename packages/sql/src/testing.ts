/**
 * `@sessionkit/sql/testing`: the test kit of the SQL stores, for vitest. A store for another SQL
 * database supplies one small `SqlKit` (a pool, raw SQL, its factory, a Tomcat-style table) and
 * gets the conformance setups with a raw back door (for `@sessionkit/store-test-suite`), the
 * store-behaviour tests, the concurrency tests through core, and the statement-shape helpers.
 * Needs `vitest` and `@sessionkit/store-test-suite` (optional peer dependencies of this package).
 */
export { storeBehaviourTests } from './testing/behaviour';
export { coreConcurrencyTests } from './testing/core-concurrency';
export {
  DEFAULT_RAW_LAYOUT,
  defaultSetup,
  describeWithDatabase,
  dropTable,
  type KitDatabase,
  type KitPool,
  namespacedSetup,
  type RawLayout,
  type Row,
  rawReader,
  rawWriter,
  type SqlKit,
  testTable,
  tomcatOptions,
  tomcatRawLayout,
  tomcatSeedOptions,
  tomcatSeedRawLayout,
  tomcatSeedSetup,
  tomcatSeedTable,
  tomcatSetup,
} from './testing/kit';
export { pruneTrafficTests } from './testing/prune-traffic';
export {
  allStatements,
  DB_CLOCK,
  NOW,
  placeholderCount,
  ROW,
  versionlessAndDetailsStatementTests,
} from './testing/statements';
export {
  type VerifyAccess,
  verifyAccessTests,
  verifyBehaviourTests,
  verifyProblems,
} from './testing/verify-behaviour';
