/**
 * `@sessionkit/sql/internal`: the statement builder and the resolved table mapping, for the dialect
 * packages of this repository (`@sessionkit/postgres`, `@sessionkit/mysql`, `@sessionkit/mssql`)
 * and their tests. Not a public API: it changes with them, without a major version. The folder's
 * name says so, as tRPC's `unstable-core-do-not-import` does.
 */
export { ALIAS, Params, TableSql, toBuffer, whereClause } from './internal-do-not-import/table-sql';
export {
  type ExpiryMapping,
  type ResolvedSqlOptions,
  resolveMapping,
  resolveSqlOptions,
  type TableMapping,
} from './options';
export { indexName, layoutOf } from './schema';
