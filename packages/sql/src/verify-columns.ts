/**
 * The columns a table mapping needs, with the type family and nullability the store relies on
 * and the DDL that adds each one: what `verify()` compares with information_schema, and what
 * `sessionkit schema --for-mapping` prints.
 */
import type { QualifiedName } from './identifiers';
import { resolveMapping, type SqlStoreOptions, type TableMapping } from './options';
import type { ColumnTypes } from './schema';
import type { Statement } from './statement';

/** How a column's declared type is used by the store. */
export type ColumnFamily = 'text' | 'bigint' | 'int' | 'binary' | 'other';

/** What a driver error means, for the report. */
export type SqlFailureKind =
  | 'auth'
  | 'unreachable'
  | 'missing-table'
  | 'missing-column'
  | 'read-only'
  | 'other';

/** The dialect-specific part of a SQL store's verify. */
export interface SqlVerifySpec {
  /** One row, one column `sk_now`: the server's current time in epoch milliseconds. */
  serverTime: string;
  /**
   * The table's columns, one row each: `sk_name`, `sk_type` (information_schema's DATA_TYPE) and
   * `sk_nullable` ('YES' or 'NO'). No row: the table does not exist (or the user cannot see it).
   */
  columns(table: QualifiedName): Statement;
  /** The family of an information_schema DATA_TYPE, e.g. 'bigint' for PostgreSQL's `bigint`. */
  family(dataType: string): ColumnFamily;
  classify(error: unknown): SqlFailureKind;
  quote(part: string): string;
  /** `ALTER TABLE <table> ADD [COLUMN] <column> <definition>` in the dialect's words. */
  addColumn(table: string, column: string, definition: string): string;
  /** The types the schema generator uses, so an added column matches a generated table. */
  types: Pick<ColumnTypes, 'text' | 'bytes' | 'emptyText' | 'detailsText'>;
  /** The command that creates the default table, for the missing-table fix. */
  createHint: string;
}

/** One column the mapping needs: its role, the family it must have and the DDL that adds it. */
export interface NeededColumn {
  role: string;
  name: string;
  families: readonly ColumnFamily[];
  /** NULL must be storable (owner: a session without a user). */
  nullable: boolean;
  definition: string;
}

const INTEGER: readonly ColumnFamily[] = ['bigint'];

/** Every column the mapping names, with what the store writes into it. */
export function neededColumns(mapping: TableMapping, types: SqlVerifySpec['types']): NeededColumn[] {
  const needed: NeededColumn[] = [
    {
      role: 'key',
      name: mapping.key,
      families: ['text'],
      nullable: false,
      definition: `${types.text} NOT NULL`,
    },
    {
      role: 'payload',
      name: mapping.payload,
      families: ['binary'],
      nullable: false,
      definition: `${types.bytes} NULL`,
    },
  ];
  // No version column (a table mapped as it is): the last-access column is the token instead.
  if (mapping.version !== null) {
    needed.push({
      role: 'version',
      name: mapping.version,
      families: ['bigint', 'int'],
      nullable: false,
      definition: 'BIGINT NOT NULL DEFAULT 0',
    });
  }
  if (mapping.expiry.kind === 'absolute') {
    needed.push({
      role: 'expiresAt',
      name: mapping.expiry.column,
      families: INTEGER,
      nullable: false,
      definition: 'BIGINT NOT NULL DEFAULT 0',
    });
  } else {
    needed.push(
      {
        role: 'expiry.lastAccessColumn',
        name: mapping.expiry.lastAccess,
        families: INTEGER,
        nullable: false,
        definition: 'BIGINT NOT NULL DEFAULT 0',
      },
      {
        role: 'expiry.maxInactiveColumn',
        name: mapping.expiry.maxInactive,
        families: ['int', 'bigint'],
        nullable: false,
        definition: 'INT NOT NULL DEFAULT 0',
      },
    );
  }
  if (mapping.createdAt !== null) {
    needed.push({
      role: 'createdAt',
      name: mapping.createdAt,
      families: INTEGER,
      nullable: false,
      definition: 'BIGINT NOT NULL DEFAULT 0',
    });
  }
  if (mapping.ownerId !== null) {
    needed.push({
      role: 'ownerId',
      name: mapping.ownerId,
      families: ['text'],
      nullable: true,
      definition: `${types.text} NULL`,
    });
  }
  if (mapping.namespace !== null) {
    needed.push({
      role: 'namespace',
      name: mapping.namespace,
      families: ['text'],
      nullable: false,
      definition: `${types.text} NOT NULL DEFAULT ${types.emptyText}`,
    });
  }
  // The session list's columns (nullable: written only for sessions with details).
  if (mapping.details !== null) {
    needed.push({
      role: 'details',
      name: mapping.details,
      families: ['text'],
      nullable: true,
      definition: `${types.detailsText ?? 'VARCHAR(1024)'} NULL`,
    });
  }
  if (mapping.activeAt !== null) {
    needed.push({
      role: 'activeAt',
      name: mapping.activeAt,
      families: INTEGER,
      nullable: true,
      definition: 'BIGINT NULL',
    });
  }
  for (const [column, value] of mapping.fixedValues) {
    const definition = typeof value === 'number' ? 'BIGINT NULL' : `${types.text} NULL`;
    // Written on every insert: NULL only has to fit when the fixed value is null.
    needed.push({ role: 'fixedValues', name: column, families: [], nullable: value === null, definition });
  }
  return needed;
}

export function quotedTable(table: QualifiedName, quote: (part: string) => string): string {
  return table.schema === null ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`;
}

/**
 * The `ALTER TABLE` statements that add the columns sessionkit itself brings to an existing table
 * (the version, the owner and the creation time, as mapped; an existing table such as Tomcat's
 * has the others): what `sessionkit schema --for-mapping` prints. `verify()` names exactly the
 * ones a live table lacks, any mapped column included. Throws a SessionConfigError for an
 * invalid mapping, as the store would.
 *
 * @example
 * alterStatementsFor({ tableName: 'tomcat_sessions', columns: { version: 'sk_version', ownerId: 'sk_owner_id' }, ... }, postgresVerify);
 */
export function alterStatementsFor(options: SqlStoreOptions, spec: SqlVerifySpec): string[] {
  const mapping = resolveMapping(options, 'alterStatementsFor');
  const table = quotedTable(mapping.table, spec.quote);
  const own = new Set(['version', 'ownerId', 'createdAt']);
  return neededColumns(mapping, spec.types)
    .filter((column) => own.has(column.role))
    .map((column) => spec.addColumn(table, spec.quote(column.name), column.definition));
}
