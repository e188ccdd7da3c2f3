export type {
  SqlColumnNames,
  SqlFixedValue,
  SqlIdleExpiry,
  SqlSchemaOptions,
  SqlStoreOptions,
} from '@sessionkit/sql';
export { postgresDialect } from './dialect';
export { openStoreFromConfig } from './from-config';
export { type PostgresQueryable, postgresExecutor } from './pool';
export { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from './postgres-store';
export { POSTGRES_SCHEMA_SQL, schemaSql, schemaStatements } from './schema';
