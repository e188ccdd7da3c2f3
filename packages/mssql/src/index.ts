export type {
  SqlColumnNames,
  SqlFixedValue,
  SqlIdleExpiry,
  SqlSchemaOptions,
  SqlStoreOptions,
} from '@sessionkit/sql';
export { type MssqlStoreConfig, type ResolvedMssqlConfig, storeDescriptor } from './descriptor';
export { mssqlDialect } from './dialect';
export {
  createMssqlStore,
  MSSQL_MAX_PRUNE_BATCH,
  type MssqlStore,
  type MssqlStoreOptions,
} from './mssql-store';
export {
  type MssqlParameterType,
  type MssqlPool,
  type MssqlRequest,
  mssqlExecutor,
  parameterType,
} from './pool';
export { MSSQL_SCHEMA_SQL, schemaSql, schemaStatements } from './schema';
export { mssqlVerify } from './verify';
