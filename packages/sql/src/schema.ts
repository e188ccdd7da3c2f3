import { createHash } from 'node:crypto';
import { SessionConfigError } from '@sessionkit/core';
import type { QualifiedName } from './identifiers';
import { resolveMapping, type SqlStoreOptions, type TableMapping } from './options';

/** Options of the DDL generators: the table name and, optionally, renamed columns. */
export type SqlSchemaOptions = Pick<SqlStoreOptions, 'tableName' | 'columns'>;

/**
 * The default layout, with the configured names (unquoted), from which each dialect renders its
 * DDL with its own types:
 * - key: text up to 255 characters compared byte for byte (binary collation), the primary key;
 * - namespace: text, NOT NULL, default '';
 * - version, expires_at, created_at: BIGINT (epoch milliseconds for the last two);
 * - payload: the dialect's large binary type;
 * - owner_id: nullable text compared byte for byte;
 * - details: nullable text of up to 1024 characters (a session list's created-at and metadata);
 * - active_at: nullable BIGINT, epoch ms of the last write or touch.
 */
export interface SchemaLayout {
  table: QualifiedName;
  key: string;
  namespace: string | null;
  version: string;
  payload: string;
  expiresAt: string;
  createdAt: string | null;
  ownerId: string | null;
  details: string | null;
  activeAt: string | null;
  /** On (namespace, expires_at): prune, count and the expiry filter of every read. */
  expiresIndex: { name: string; columns: string[] };
  /** On (owner_id, namespace): listByOwner and destroyByOwner. */
  ownerIndex: { name: string; columns: string[] } | null;
}

/** PostgreSQL silently truncates longer names, which could make two tables' indexes collide. */
const MAX_NAME = 63;

/** `<table>_<suffix>`, shortened with a hash of the table name when it would exceed 63 characters. */
export function indexName(table: string, suffix: string): string {
  const plain = `${table}_${suffix}`;
  if (plain.length <= MAX_NAME) return plain;
  const hash = createHash('sha256').update(table).digest('hex').slice(0, 8);
  return `${table.slice(0, MAX_NAME - suffix.length - hash.length - 2)}_${hash}_${suffix}`;
}

/** The layout for a validated mapping; fails for mappings that describe someone else's table. */
export function layoutOf(mapping: TableMapping, context: string): SchemaLayout {
  if (mapping.expiry.kind !== 'absolute' || mapping.fixedValues.length > 0) {
    throw new SessionConfigError(
      `${context}: the schema generator only creates the default layout (an absolute expiry column, no ` +
        'fixed values). A table mapped with `expiry` or `fixedValues` already exists: create or alter it ' +
        'yourself (see the README section on existing tables).',
    );
  }
  const expiresColumns = [...(mapping.namespace === null ? [] : [mapping.namespace]), mapping.expiry.column];
  return {
    table: mapping.table,
    key: mapping.key,
    namespace: mapping.namespace,
    // Never null here: a table without a version column is mapped with `expiry`, refused above.
    version: mapping.version as string,
    payload: mapping.payload,
    expiresAt: mapping.expiry.column,
    createdAt: mapping.createdAt,
    ownerId: mapping.ownerId,
    details: mapping.details,
    activeAt: mapping.activeAt,
    expiresIndex: { name: indexName(mapping.table.name, 'expires_idx'), columns: expiresColumns },
    ownerIndex:
      mapping.ownerId === null
        ? null
        : {
            name: indexName(mapping.table.name, 'owner_idx'),
            columns: [mapping.ownerId, ...(mapping.namespace === null ? [] : [mapping.namespace])],
          },
  };
}

/** Validates DDL options (the same rules as the stores) and returns the layout. */
export function resolveSchemaLayout(options: SqlSchemaOptions | undefined, context: string): SchemaLayout {
  const given = options ?? {};
  if (typeof given !== 'object' || given === null) {
    throw new SessionConfigError(`${context}: options must be an object such as { tableName: 'sessions' }.`);
  }
  for (const name of Object.keys(given)) {
    if (name !== 'tableName' && name !== 'columns') {
      throw new SessionConfigError(
        `${context}: unknown option ${JSON.stringify(name)}; use tableName or columns.`,
      );
    }
  }
  return layoutOf(resolveMapping(given, context), context);
}

/**
 * Joins DDL statements into one script, each ending with `;` (SQL Server's batch already ends
 * with its own terminator).
 */
export function joinStatements(statements: readonly string[]): string {
  return `${statements.map((statement) => (statement.trimEnd().endsWith(';') ? statement : `${statement};`)).join('\n\n')}\n`;
}

/** The column types one dialect writes in its `CREATE TABLE`. */
export interface ColumnTypes {
  /** Keys, namespaces and owner ids: a binary-collated string of up to 255 characters. */
  text: string;
  /** The payload. */
  bytes: string;
  /** The empty string literal for the namespace column's default (`''`, or `N''` on SQL Server). */
  emptyText: string;
  /** The primary key clause's keyword (`PRIMARY KEY`, or `PRIMARY KEY CLUSTERED`). */
  primaryKey: string;
  /** Session-list details: text of up to 1024 characters. @default 'VARCHAR(1024)' */
  detailsText?: string;
}

/**
 * The quoted table name and the column definitions of the session table, the same in every
 * dialect but for the types: the dialects differ in quoting, types, indexes and idempotence, and
 * keep only those. Times are BIGINT epoch milliseconds from the app's clock.
 *
 * @example
 * const { table, columns } = tableDefinition(layout, quote, { text: 'VARCHAR(255) COLLATE "C"', bytes: 'BYTEA', emptyText: "''", primaryKey: 'PRIMARY KEY' });
 */
export function tableDefinition(
  layout: SchemaLayout,
  quote: (part: string) => string,
  types: ColumnTypes,
): { table: string; columns: string[] } {
  const { text } = types;
  const table =
    layout.table.schema === null
      ? quote(layout.table.name)
      : `${quote(layout.table.schema)}.${quote(layout.table.name)}`;
  const columns = [
    `${quote(layout.key)} ${text} NOT NULL`,
    ...(layout.namespace === null
      ? []
      : [`${quote(layout.namespace)} ${text} NOT NULL DEFAULT ${types.emptyText}`]),
    `${quote(layout.version)} BIGINT NOT NULL`,
    `${quote(layout.payload)} ${types.bytes} NOT NULL`,
    `${quote(layout.expiresAt)} BIGINT NOT NULL`,
    ...(layout.createdAt === null ? [] : [`${quote(layout.createdAt)} BIGINT NOT NULL`]),
    ...(layout.ownerId === null ? [] : [`${quote(layout.ownerId)} ${text} NULL`]),
    ...(layout.details === null
      ? []
      : [`${quote(layout.details)} ${types.detailsText ?? 'VARCHAR(1024)'} NULL`]),
    ...(layout.activeAt === null ? [] : [`${quote(layout.activeAt)} BIGINT NULL`]),
    `${types.primaryKey} (${quote(layout.key)})`,
  ];
  return { table, columns };
}
