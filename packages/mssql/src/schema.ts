import {
  joinStatements,
  resolveSchemaLayout,
  type SchemaLayout,
  type SqlSchemaOptions,
  tableDefinition,
} from '@sessionkit/sql';

/** Bracket-quotes an identifier part (already validated, so the escaping is only a second guard). */
export function quoteIdentifier(part: string): string {
  return `[${part.replace(/]/g, ']]')}]`;
}

const quote = quoteIdentifier;

/**
 * Keys and owner ids are NVARCHAR with a binary (BIN2) collation: code-point equality, so keys
 * that differ only in case, accents or width never match (SQL Server's default `_CI_AS`
 * collations would alias them). SQL Server still ignores trailing spaces in `=`, which is why
 * the store rejects keys ending in a space. The whole script is one batch guarded by OBJECT_ID,
 * so it is idempotent; index keys stay under SQL Server 2016's 1700-byte limit.
 */
export function renderSchema(layout: SchemaLayout): string[] {
  const { table, columns } = tableDefinition(layout, quote, {
    text: 'NVARCHAR(255) COLLATE Latin1_General_100_BIN2',
    bytes: 'VARBINARY(MAX)',
    emptyText: "N''",
    primaryKey: 'PRIMARY KEY CLUSTERED',
    detailsText: 'NVARCHAR(1024)',
  });
  const index = ({ name, columns: on }: { name: string; columns: string[] }) =>
    `  CREATE INDEX ${quote(name)} ON ${table} (${on.map(quote).join(', ')});`;
  const body = [
    `  CREATE TABLE ${table} (\n    ${columns.join(',\n    ')}\n  );`,
    index(layout.expiresIndex),
    ...(layout.ownerIndex === null ? [] : [index(layout.ownerIndex)]),
  ];
  // Names are validated identifiers, so the quoted name is safe inside the N'…' literal.
  return [`IF OBJECT_ID(N'${table}', N'U') IS NULL\nBEGIN\n${body.join('\n')}\nEND;`];
}

/**
 * The SQL Server DDL of the session table as separate idempotent statements (one batch here).
 *
 * @example
 * for (const batch of schemaStatements({ tableName: 'dbo.sessions' })) await pool.request().batch(batch);
 */
export function schemaStatements(options?: SqlSchemaOptions): string[] {
  return renderSchema(resolveSchemaLayout(options, 'schemaStatements'));
}

/**
 * The SQL Server DDL of the session table as one script. Table and column names are validated
 * and quoted.
 *
 * @example
 * import { schemaSql } from '@sessionkit/mssql';
 * writeFileSync('migrations/001_sessions.sql', schemaSql({ tableName: 'dbo.sessions' }));
 */
export function schemaSql(options?: SqlSchemaOptions): string {
  return joinStatements(schemaStatements(options));
}

/** The DDL of the default table `sessionkit_sessions`. */
export const MSSQL_SCHEMA_SQL: string = schemaSql();
