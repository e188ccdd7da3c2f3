export type {
  SqlColumnNames,
  SqlFixedValue,
  SqlIdleExpiry,
  SqlSchemaOptions,
  SqlStoreOptions,
} from '@sessionkit/sql';
export { type PostgresStoreConfig, storeDescriptor } from './descriptor';
export { postgresDialect } from './dialect';
export { type PostgresQueryable, postgresExecutor } from './pool';
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store';
export { POSTGRES_SCHEMA_SQL, schemaSql, schemaStatements } from './schema';
export { postgresVerify } from './verify';
