export type {
  SqlColumnNames,
  SqlFixedValue,
  SqlIdleExpiry,
  SqlSchemaOptions,
  SqlStoreOptions,
} from '@sessionkit/sql';
export { type MssqlStoreConfig, storeDescriptor } from './descriptor';
export { mssqlDialect } from './dialect';
export { createMssqlStore, type MssqlStore, type MssqlStoreOptions } from './mssql-store';
export { type MssqlPool, type MssqlRequest, mssqlExecutor } from './pool';
export { MSSQL_SCHEMA_SQL, schemaSql, schemaStatements } from './schema';
export { mssqlVerify } from './verify';
