/**
 * `verify()` of the SQL stores: the checks are the same in every dialect (ask the server its
 * time, read the table's columns from information_schema, compare them with the mapping, write a
 * probe row, look at the prune timer); a dialect package supplies only its statements, its type
 * names and how its driver reports each failure ({@link SqlVerifySpec}).
 */
import { type SessionStore, Verification, type VerifyOptions, type VerifyReport } from '@sessionkit/core';
import type { SqlExecutor } from './dialect';
import type { TableMapping } from './options';
import {
  type ColumnFamily,
  neededColumns,
  quotedTable,
  type SqlFailureKind,
  type SqlVerifySpec,
} from './verify-columns';

export {
  alterStatementsFor,
  type ColumnFamily,
  type SqlFailureKind,
  type SqlVerifySpec,
} from './verify-columns';

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
