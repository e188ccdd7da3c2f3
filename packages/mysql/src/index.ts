export type {
  SqlColumnNames,
  SqlFixedValue,
  SqlIdleExpiry,
  SqlSchemaOptions,
  SqlStoreOptions,
} from '@sessionkit/sql';
export { type MysqlStoreConfig, storeDescriptor } from './descriptor';
export { mysqlDialect } from './dialect';
export { createMysqlStore, type MysqlStore, type MysqlStoreOptions } from './mysql-store';
export { type MysqlCallbackPool, type MysqlPool, type MysqlPromisePool, mysqlExecutor } from './pool';
export { MYSQL_SCHEMA_SQL, schemaSql, schemaStatements } from './schema';
export { mysqlVerify } from './verify';
