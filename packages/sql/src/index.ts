export { assertStorable, isStorable, MAX_EXPIRY, MAX_TEXT_BYTES, unstorableReason } from './checks';
export {
  connectionSettings,
  type ResolvedSqlConfig,
  type SqlDescriptorSpec,
  type SqlStoreConfig,
  sqlStoreDescriptor,
} from './descriptor';
export type {
  BatchDeleteOptions,
  BatchDeletePlan,
  CombinedUpdates,
  CompareAndSet,
  InsertPlan,
  SqlDialect,
  SqlErrorKind,
  SqlExecutor,
} from './dialect';
export {
  assertIdentifier,
  formatTableName,
  IDENTIFIER_PATTERN,
  parseTableName,
  type QualifiedName,
} from './identifiers';
export {
  DEFAULT_COLUMNS,
  DEFAULT_TABLE_NAME,
  type SqlColumnNames,
  type SqlFixedValue,
  type SqlIdleExpiry,
  type SqlStoreOptions,
} from './options';
export { type JitteredTimer, type JitteredTimerOptions, startJitteredTimer } from './prune-timer';
export {
  type ColumnTypes,
  joinStatements,
  resolveSchemaLayout,
  type SchemaLayout,
  type SqlSchemaOptions,
  tableDefinition,
} from './schema';
export { createSqlStore, type SqlStore, type SqlStoreSetup } from './sql-store';
export type { InsertRow, SqlResult, SqlSyntax, SqlValue, Statement } from './statement';
export {
  alterStatementsFor,
  type ColumnFamily,
  type SqlFailureKind,
  type SqlVerifySpec,
  type SqlVerifyTarget,
  verifySqlStore,
} from './verify';
// The statement builder (TableSql, ALIAS, whereClause…) is in './internal': `@sessionkit/sql/internal`.
