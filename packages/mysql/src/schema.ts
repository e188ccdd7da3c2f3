import {
  joinStatements,
  resolveSchemaLayout,
  type SchemaLayout,
  type SqlSchemaOptions,
  tableDefinition,
} from '@sessionkit/sql';

/** Backtick-quotes an identifier part (already validated, so the escaping is only a second guard). */
export function quoteIdentifier(part: string): string {
  return `\`${part.replace(/`/g, '``')}\``;
}

const quote = quoteIdentifier;

/**
 * Keys and owner ids are utf8mb4 with the binary collation: byte-for-byte equality, so keys
 * that differ only in case or Unicode normalisation never match (the server's default `_ci`
 * collations would alias them). The binary collation still pads with spaces, which is why the
 * store rejects keys ending in a space. Indexes are declared inline so the one
 * `CREATE TABLE IF NOT EXISTS` stays idempotent (MySQL 8 has no `CREATE INDEX IF NOT EXISTS`).
 * 255 utf8mb4 characters take at most 1020 bytes, within InnoDB's 3072-byte key limit even for
 * the two-column owner index.
 */
export function renderSchema(layout: SchemaLayout): string[] {
  const { table, columns } = tableDefinition(layout, quote, {
    text: 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
    bytes: 'LONGBLOB',
    emptyText: "''",
    primaryKey: 'PRIMARY KEY',
    detailsText: 'VARCHAR(1024) CHARACTER SET utf8mb4',
  });
  const index = ({ name, columns: on }: { name: string; columns: string[] }) =>
    `KEY ${quote(name)} (${on.map(quote).join(', ')})`;
  // Indexes inline, so the one CREATE TABLE IF NOT EXISTS stays idempotent.
  const definitions = [
    ...columns,
    index(layout.expiresIndex),
    ...(layout.ownerIndex === null ? [] : [index(layout.ownerIndex)]),
  ];
  return [`CREATE TABLE IF NOT EXISTS ${table} (\n  ${definitions.join(',\n  ')}\n) ENGINE=InnoDB`];
}

/**
 * The MySQL / MariaDB DDL of the session table as separate idempotent statements (one here:
 * the indexes are part of the CREATE TABLE).
 *
 * @example
 * for (const statement of schemaStatements({ tableName: 'sessions' })) await pool.query(statement);
 */
export function schemaStatements(options?: SqlSchemaOptions): string[] {
  return renderSchema(resolveSchemaLayout(options, 'schemaStatements'));
}

/**
 * The MySQL / MariaDB DDL of the session table as one script. Table and column names are
 * validated and quoted.
 *
 * @example
 * import { schemaSql } from '@sessionkit/mysql';
 * writeFileSync('migrations/001_sessions.sql', schemaSql({ tableName: 'sessions' }));
 */
export function schemaSql(options?: SqlSchemaOptions): string {
  return joinStatements(schemaStatements(options));
}

/** The DDL of the default table `sessionkit_sessions`. */
export const MYSQL_SCHEMA_SQL: string = schemaSql();
