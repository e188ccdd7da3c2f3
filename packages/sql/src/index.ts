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
  InsertPlan,
  InsertRow,
  SqlDialect,
  SqlErrorKind,
  SqlExecutor,
  SqlResult,
  SqlValue,
  Statement,
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
  type ExpiryMapping,
  type ResolvedSqlOptions,
  resolveMapping,
  resolveSqlOptions,
  type SqlColumnNames,
  type SqlFixedValue,
  type SqlIdleExpiry,
  type SqlStoreOptions,
  type TableMapping,
} from './options';
export { type JitteredTimer, type JitteredTimerOptions, startJitteredTimer } from './prune-timer';
export {
  indexName,
  joinStatements,
  layoutOf,
  resolveSchemaLayout,
  type SchemaLayout,
  type SqlSchemaOptions,
} from './schema';
export { createSqlStore, type SqlStore, type SqlStoreSetup } from './sql-store';
export { ALIAS, Params, TableSql, toBuffer, whereClause } from './table-sql';
