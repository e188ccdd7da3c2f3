import {
  joinStatements,
  resolveSchemaLayout,
  type SchemaLayout,
  type SqlSchemaOptions,
  tableDefinition,
} from '@sessionkit/sql';

/**
 * Keys and owner ids use the "C" collation: byte-for-byte equality, so keys that differ only in
 * case or Unicode normalisation never match each other, and the btree compares bytes (cheaper
 * than a linguistic collation). Times are BIGINT epoch milliseconds from the app's clock.
 */
export function renderSchema(layout: SchemaLayout, quote: (part: string) => string): string[] {
  const { table, columns } = tableDefinition(layout, quote, {
    text: 'VARCHAR(255) COLLATE "C"',
    bytes: 'BYTEA',
    emptyText: "''",
    primaryKey: 'PRIMARY KEY',
  });
  const index = ({ name, columns: on }: { name: string; columns: string[] }) =>
    `CREATE INDEX IF NOT EXISTS ${quote(name)} ON ${table} (${on.map(quote).join(', ')})`;
  return [
    `CREATE TABLE IF NOT EXISTS ${table} (\n  ${columns.join(',\n  ')}\n)`,
    index(layout.expiresIndex),
    ...(layout.ownerIndex === null ? [] : [index(layout.ownerIndex)]),
  ];
}

/** Double-quotes an identifier part (already validated, so the escaping is only a second guard). */
export function quoteIdentifier(part: string): string {
  return `"${part.replace(/"/g, '""')}"`;
}

const quote = quoteIdentifier;

/**
 * The PostgreSQL DDL of the session table as separate idempotent statements, for migration tools
 * that run one statement at a time.
 *
 * @example
 * for (const statement of schemaStatements({ tableName: 'auth.sessions' })) await pool.query(statement);
 */
export function schemaStatements(options?: SqlSchemaOptions): string[] {
  return renderSchema(resolveSchemaLayout(options, 'schemaStatements'), quote);
}

/**
 * The PostgreSQL DDL of the session table as one script (`CREATE TABLE IF NOT EXISTS` plus its
 * indexes). Table and column names are validated and quoted.
 *
 * @example
 * import { schemaSql } from '@sessionkit/postgres';
 * writeFileSync('migrations/001_sessions.sql', schemaSql({ tableName: 'sessions' }));
 */
export function schemaSql(options?: SqlSchemaOptions): string {
  return joinStatements(schemaStatements(options));
}

/** The DDL of the default table `sessionkit_sessions`. */
export const POSTGRES_SCHEMA_SQL: string = schemaSql();
