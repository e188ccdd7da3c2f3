/**
 * `verify()` of the SQL stores: the checks are the same in every dialect (ask the server its
 * time, read the table's columns from information_schema, compare them with the mapping, write a
 * probe row, look at the prune timer); a dialect package supplies only its statements, its type
 * names and how its driver reports each failure ({@link SqlVerifySpec}).
 */
import { type SessionStore, Verification, type VerifyOptions, type VerifyReport } from '@sessionkit/core';
import type { SqlExecutor } from './dialect';
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
  types: Pick<ColumnTypes, 'text' | 'bytes' | 'emptyText'>;
  /** The command that creates the default table, for the missing-table fix. */
  createHint: string;
}

/** One column the mapping needs: its role, the family it must have and the DDL that adds it. */
interface NeededColumn {
  role: string;
  name: string;
  families: readonly ColumnFamily[];
  /** NULL must be storable (owner: a session without a user). */
  nullable: boolean;
  definition: string;
}

const INTEGER: readonly ColumnFamily[] = ['bigint'];

/** Every column the mapping names, with what the store writes into it. */
function neededColumns(mapping: TableMapping, types: SqlVerifySpec['types']): NeededColumn[] {
  const needed: NeededColumn[] = [
    {
      role: 'key',
      name: mapping.key,
      families: ['text'],
      nullable: false,
      definition: `${types.text} NOT NULL`,
    },
    {
      role: 'version',
      name: mapping.version,
      families: ['bigint', 'int'],
      nullable: false,
      definition: 'BIGINT NOT NULL DEFAULT 0',
    },
    {
      role: 'payload',
      name: mapping.payload,
      families: ['binary'],
      nullable: false,
      definition: `${types.bytes} NULL`,
    },
  ];
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
  for (const [column, value] of mapping.fixedValues) {
    const definition = typeof value === 'number' ? 'BIGINT NULL' : `${types.text} NULL`;
    // Written on every insert: NULL only has to fit when the fixed value is null.
    needed.push({ role: 'fixedValues', name: column, families: [], nullable: value === null, definition });
  }
  return needed;
}

function quotedTable(table: QualifiedName, quote: (part: string) => string): string {
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

/** What a failure means: the store wraps driver errors, so the driver's is found down the `cause` chain. */
function classify(spec: SqlVerifySpec, error: unknown): SqlFailureKind {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const kind = spec.classify(current);
    if (kind !== 'other') return kind;
    current = (current as { cause?: unknown }).cause;
  }
  return 'other';
}

/** What {@link verifySqlStore} needs of the store. */
export interface SqlVerifyTarget {
  label: string;
  tableName: string;
  mapping: TableMapping;
  pruneInterval: number;
  executor: SqlExecutor;
  spec: SqlVerifySpec;
  store: Pick<SessionStore, 'set' | 'get' | 'destroy'>;
}

/** The checks of a SQL store's `verify()`. */
export async function verifySqlStore(
  target: SqlVerifyTarget,
  options?: VerifyOptions,
): Promise<VerifyReport> {
  const { spec, mapping, executor, label, tableName } = target;
  const v = new Verification(`${label} store on ${tableName}`, options);
  const { clock } = v.options;

  const sentAt = clock();
  const time = await v.attempt(() => executor({ text: spec.serverTime, values: [] }));
  const receivedAt = clock();
  if (!time.ok) {
    const kind = v.isTimeout(time.error) ? 'unreachable' : classify(spec, time.error);
    if (kind === 'auth') {
      v.ok('reachable', 'the server answered');
      v.problem(
        'credentials',
        `the server refused the credentials: ${String((time.error as Error).message)}`,
        "check the user and password (or the URL's user:password@)",
      );
    } else {
      v.unreachable(
        time.error,
        'check the host and port, that the server runs, and the network between them',
      );
    }
    for (const check of ['schema', 'write', 'clock'] as const)
      v.skipped(check, 'not checked: the server could not be used');
    return v.finish();
  }
  v.ok('reachable', 'the server answered');
  v.ok('credentials', 'the credentials were accepted');
  v.clock(
    Number(time.value.rows[0]?.sk_now),
    sentAt,
    receivedAt,
    "expiry is written from the app's clock, so clocks this far apart usually mean the app nodes disagree too",
  );

  await checkColumns(v, target);
  if (v.failed('schema')) {
    v.skipped('write', 'not checked: fix the table first');
  } else {
    const table = quotedTable(mapping.table, spec.quote);
    await v.writeProbe(target.store, (error) =>
      classify(spec, error) === 'read-only'
        ? {
            message: `the user may read but not write ${tableName}: ${String((error as Error).message ?? error)}`,
            fix: `GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO <the store's user>`,
          }
        : null,
    );
  }
  v.pruneTimer(target.pruneInterval, 'rows');
  return v.finish();
}

async function checkColumns(v: Verification, target: SqlVerifyTarget): Promise<void> {
  const { spec, mapping, executor, tableName } = target;
  const listed = await v.attempt(() => executor(spec.columns(mapping.table)));
  if (!listed.ok) {
    v.problem(
      'schema',
      `the columns of ${tableName} could not be read: ${String((listed.error as Error)?.message ?? listed.error)}`,
      'grant the user read access to information_schema',
    );
    return;
  }
  const found = new Map<string, { type: string; nullable: boolean }>();
  for (const row of listed.value.rows) {
    found.set(String(row.sk_name).toLowerCase(), {
      type: String(row.sk_type).toLowerCase(),
      nullable: String(row.sk_nullable).toUpperCase() === 'YES',
    });
  }
  if (found.size === 0) {
    const isDefault = mapping.expiry.kind === 'absolute' && mapping.fixedValues.length === 0;
    v.problem(
      'schema',
      `the table ${tableName} does not exist (or the user cannot see it)`,
      isDefault
        ? `create it: ${spec.createHint}, or call store.createSchema()`
        : `create ${tableName}, or map the store onto the table that holds the sessions`,
    );
    return;
  }
  const table = quotedTable(mapping.table, spec.quote);
  let problems = 0;
  for (const column of neededColumns(mapping, spec.types)) {
    const info = found.get(column.name.toLowerCase());
    if (info === undefined) {
      problems++;
      v.problem(
        'schema',
        `column ${column.name} (${column.role}) is missing from ${tableName}`,
        `${spec.addColumn(table, spec.quote(column.name), column.definition)};`,
      );
      continue;
    }
    const family = spec.family(info.type);
    if (column.families.length > 0 && !column.families.includes(family)) {
      problems++;
      v.problem(
        'schema',
        `column ${column.name} (${column.role}) is ${info.type}, but the store writes ${describe(column.families[0] as ColumnFamily)} into it`,
        `change ${column.name} to ${column.definition.replace(/ (NOT )?NULL.*$/, '')}`,
      );
    }
    if (column.nullable && !info.nullable) {
      problems++;
      v.problem(
        'schema',
        `column ${column.name} (${column.role}) is NOT NULL, but a session without ${column.role === 'ownerId' ? 'an owner' : 'a value'} stores NULL there`,
        `allow NULL in ${column.name}`,
      );
    }
  }
  if (problems === 0) v.ok('schema', `${tableName} has every mapped column, of the right type`);
}

function describe(family: ColumnFamily): string {
  return { text: 'text', bigint: '64-bit integers', int: 'integers', binary: 'bytes', other: 'values' }[
    family
  ];
}
