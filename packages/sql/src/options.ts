import { SessionConfigError } from '@sessionkit/core';
import { unstorableReason } from './checks';
import { assertIdentifier, parseTableName, type QualifiedName } from './identifiers';

/**
 * Column names of the session table. Defaults match the schema this package generates; rename
 * them to point the store at an existing table. `null` says the table has no such column.
 */
export interface SqlColumnNames {
  /** The storage key core hands over (a SHA-256 of the session ID). Must be the primary key. @default 'session_key' */
  key?: string;
  /**
   * The compare-and-set token, a 64-bit integer. `null` for a table without one (Tomcat's layout
   * as it is): then `expiry` must be given, and its last-access column, kept strictly increasing
   * by the store, is the token (see the README, "A table without a version column").
   * @default 'version'
   */
  version?: string | null;
  /** The sealed session envelope, a binary column. @default 'payload' */
  payload?: string;
  /** Absolute expiry, BIGINT epoch milliseconds. Not allowed together with `expiry`. @default 'expires_at' */
  expiresAt?: string;
  /** Insert time, BIGINT epoch milliseconds; `null` when the table has none. @default 'created_at' */
  createdAt?: string | null;
  /**
   * The user a session belongs to; `null` when the table has none (then `listByOwner` and
   * `destroyByOwner` are unavailable and sessions with an owner cannot be saved).
   * @default 'owner_id'
   */
  ownerId?: string | null;
  /** The app / namespace column that lets several apps share one table; `null` when the table has none. @default 'app' */
  namespace?: string | null;
  /**
   * What a user's session list shows about a session (created-at and the metadata recorded at
   * login, as text core writes; at most 1024 characters); `null` when the table has none (then
   * `listSessions` shows no metadata and `revokeSession` is unavailable).
   * @default 'details'
   */
  details?: string | null;
  /** When the session was last written or touched, BIGINT epoch ms; `null` when the table has none. @default 'active_at' */
  activeAt?: string | null;
}

/**
 * Expiry kept as an idle timeout instead of an absolute instant, the way Tomcat's JDBCStore does:
 * expiry = `lastAccessColumn` (BIGINT epoch ms) + `maxInactiveColumn` (INT seconds) × 1000.
 */
export interface SqlIdleExpiry {
  /** BIGINT epoch milliseconds, e.g. Tomcat's `last_access`. */
  lastAccessColumn: string;
  /** INT seconds, e.g. Tomcat's `max_inactive`. */
  maxInactiveColumn: string;
}

/** A constant written into an extra NOT NULL column on every insert (e.g. Tomcat's `valid_session`). */
export type SqlFixedValue = string | number | boolean | null;

/** Options shared by the MySQL, PostgreSQL and SQL Server stores. */
export interface SqlStoreOptions {
  /**
   * The session table, `table` or `schema.table`. Each part is validated (letters, digits and
   * underscores) and quoted, so give the name exactly as the database stores it.
   * @default 'sessionkit_sessions'
   */
  tableName?: string;
  /** Column names, for an existing table. See {@link SqlColumnNames}. */
  columns?: SqlColumnNames;
  /**
   * Written into and matched against the namespace column, so several apps can share one table:
   * every read, count, clear, prune and owner operation stays within it. Keys stay unique across
   * the whole table (they are hashes of random IDs, so apps never collide).
   * @default ''
   */
  namespace?: string;
  /** Derive expiry from an idle-timeout pair instead of an absolute column (Tomcat layout). */
  expiry?: SqlIdleExpiry;
  /** Constants for extra NOT NULL columns of an existing table, written on every insert. @default {} */
  fixedValues?: Readonly<Record<string, SqlFixedValue>>;
  /**
   * Milliseconds between background prunes of expired rows, jittered by ±20% so nodes sharing a
   * table do not prune in lockstep. The timer never keeps the process alive. `0` disables it
   * (call `prune()` yourself, e.g. from a cron job). At least 100.
   * @default 300_000
   */
  pruneInterval?: number;
  /**
   * Rows one prune statement deletes at most, so a prune never holds many locks or a long
   * transaction; batches repeat until nothing expired is left. 1 to 5000.
   * @default 1000
   */
  pruneBatchSize?: number;
  /**
   * When the store's statements occupy every connection of the pool, reads of sessions that
   * arrive meanwhile wait together and go out as one `SELECT … WHERE key IN (…)` as soon as a
   * connection frees: the same rows for one round trip instead of one each, which is most of a
   * loaded server's CPU on a SQL store. A read that finds a connection free is sent at once, so a
   * lone request never waits for a batch. Needs the pool's size, which the store reads from
   * pg.Pool, mysql2 and mssql pools; with anything else every read goes out alone. A row answers
   * only the key of exactly its text, as the store wrote it.
   * @default true
   */
  coalesceReads?: boolean;
  /**
   * The same for compare-and-set writes, on a database that can run several in one statement
   * (PostgreSQL): writes of sessions that queue while the store's statements occupy every
   * connection go out together when one frees, each matched against its own version exactly as
   * alone, and each answered with its own result. Two writes of one session never share a
   * statement. When the database refuses the statement (a value a mapped column cannot hold),
   * each write is sent again alone, so only the one at fault fails. A write that finds a
   * connection free is sent at once. Ignored by dialects that cannot combine writes.
   * @default true
   */
  coalesceWrites?: boolean;
}

/** How expiry is stored. */
export type ExpiryMapping =
  | { kind: 'absolute'; column: string }
  | { kind: 'idle'; lastAccess: string; maxInactive: string };

/** The validated table layout the statements are built from (names unquoted). */
export interface TableMapping {
  table: QualifiedName;
  key: string;
  /** null: no version column; the idle expiry's last-access column is the token. */
  version: string | null;
  payload: string;
  expiry: ExpiryMapping;
  createdAt: string | null;
  ownerId: string | null;
  namespace: string | null;
  details: string | null;
  activeAt: string | null;
  /** The value of the namespace column for this store. */
  namespaceValue: string;
  fixedValues: ReadonlyArray<readonly [column: string, value: SqlFixedValue]>;
}

/** Options after validation. */
export interface ResolvedSqlOptions {
  mapping: TableMapping;
  pruneInterval: number;
  pruneBatchSize: number;
  coalesceReads: boolean;
  coalesceWrites: boolean;
}

/** The default table name of every SQL store. */
export const DEFAULT_TABLE_NAME = 'sessionkit_sessions';

/** Default column names of the generated schema. */
export const DEFAULT_COLUMNS = Object.freeze({
  key: 'session_key',
  version: 'version',
  payload: 'payload',
  expiresAt: 'expires_at',
  createdAt: 'created_at',
  ownerId: 'owner_id',
  namespace: 'app',
  details: 'details',
  activeAt: 'active_at',
} as const);

/** setTimeout turns longer delays into 1 ms, which would prune in a tight loop. */
const MAX_TIMER_DELAY = 2_147_483_647;
const MIN_PRUNE_INTERVAL = 100;
const MAX_PRUNE_BATCH = 5000;

const OPTION_NAMES = new Set([
  'tableName',
  'columns',
  'namespace',
  'expiry',
  'fixedValues',
  'pruneInterval',
  'pruneBatchSize',
  'coalesceReads',
  'coalesceWrites',
]);
const COLUMN_NAMES = new Set(Object.keys(DEFAULT_COLUMNS));

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') {
    return String(value);
  }
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates the table mapping (names, namespace, fixed values). Shared by the stores and by the
 * DDL generators, so the CLI rejects exactly what a store would.
 */
export function resolveMapping(options: SqlStoreOptions, context: string): TableMapping {
  const fail = (message: string): never => {
    throw new SessionConfigError(`${context}: ${message}`);
  };
  const table = parseTableName(options.tableName ?? DEFAULT_TABLE_NAME, context);

  const columns = options.columns ?? {};
  if (!isPlainObject(columns))
    fail(`columns must be an object such as { key: 'session_id' } (got ${show(columns)}).`);
  for (const name of Object.keys(columns)) {
    if (!COLUMN_NAMES.has(name)) {
      fail(`columns.${name} is not a column option; use one of ${[...COLUMN_NAMES].join(', ')}.`);
    }
  }
  const required = (name: 'key' | 'payload') => {
    if (columns[name] === null) fail(`columns.${name} cannot be null: the store needs that column.`);
    return assertIdentifier(columns[name] ?? DEFAULT_COLUMNS[name], `columns.${name}`, context);
  };
  const optional = (name: 'version' | 'createdAt' | 'ownerId' | 'namespace' | 'details' | 'activeAt') => {
    const value = columns[name];
    if (value === null) return null;
    return assertIdentifier(value ?? DEFAULT_COLUMNS[name], `columns.${name} (or null)`, context);
  };

  let expiry: ExpiryMapping;
  if (options.expiry === undefined) {
    expiry = {
      kind: 'absolute',
      column: assertIdentifier(columns.expiresAt ?? DEFAULT_COLUMNS.expiresAt, 'columns.expiresAt', context),
    };
  } else {
    if (!isPlainObject(options.expiry)) {
      fail(
        "expiry must be { lastAccessColumn, maxInactiveColumn }, e.g. { lastAccessColumn: 'last_access', " +
          `maxInactiveColumn: 'max_inactive' } (got ${show(options.expiry)}).`,
      );
    }
    if (columns.expiresAt !== undefined) {
      fail(
        'pass either columns.expiresAt (an absolute expiry column) or expiry (an idle-timeout pair), not both.',
      );
    }
    expiry = {
      kind: 'idle',
      lastAccess: assertIdentifier(options.expiry.lastAccessColumn, 'expiry.lastAccessColumn', context),
      maxInactive: assertIdentifier(options.expiry.maxInactiveColumn, 'expiry.maxInactiveColumn', context),
    };
  }

  const namespace = optional('namespace');
  const namespaceValue = options.namespace ?? '';
  if (typeof namespaceValue !== 'string') fail(`namespace must be a string (got ${show(namespaceValue)}).`);
  const namespaceProblem = unstorableReason(namespaceValue);
  if (namespaceProblem !== null) fail(`namespace ${show(namespaceValue)} ${namespaceProblem}.`);
  if (namespace === null && namespaceValue !== '') {
    fail('namespace is set but columns.namespace is null; map the column that holds it, or drop namespace.');
  }

  const fixed = options.fixedValues ?? {};
  if (!isPlainObject(fixed)) fail(`fixedValues must be an object of column: value (got ${show(fixed)}).`);
  const fixedValues = Object.entries(fixed).map(([column, value]) => {
    assertIdentifier(column, `the fixedValues column ${show(column)}`, context);
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok)
      fail(
        `fixedValues.${column} must be a string, a finite number, a boolean or null (got ${show(value)}).`,
      );
    return [column, value as SqlFixedValue] as const;
  });

  const mapping: TableMapping = {
    table,
    key: required('key'),
    version: optional('version'),
    payload: required('payload'),
    expiry,
    createdAt: optional('createdAt'),
    ownerId: optional('ownerId'),
    namespace,
    // A table without an owner column has no session list: no details column unless named.
    details: columns.ownerId === null && columns.details === undefined ? null : optional('details'),
    activeAt: optional('activeAt'),
    namespaceValue,
    fixedValues,
  };
  if (mapping.version === null && expiry.kind !== 'idle') {
    fail(
      'columns.version is null, which needs `expiry` ({ lastAccessColumn, maxInactiveColumn }): without a ' +
        'version column the last-access column, kept strictly increasing, is the compare-and-set token. ' +
        'Map both, or add a BIGINT version column.',
    );
  }
  if (mapping.details !== null && mapping.ownerId === null) {
    fail(
      'columns.details needs columns.ownerId: details are kept for a session list, which needs the owner column.',
    );
  }
  assertDistinct(mapping, fail);
  return mapping;
}

/** MySQL and SQL Server treat column names case-insensitively, so `Payload` and `payload` collide. */
function assertDistinct(mapping: TableMapping, fail: (message: string) => never): void {
  const used = [
    mapping.key,
    mapping.version,
    mapping.payload,
    ...(mapping.expiry.kind === 'absolute'
      ? [mapping.expiry.column]
      : [mapping.expiry.lastAccess, mapping.expiry.maxInactive]),
    mapping.createdAt,
    mapping.ownerId,
    mapping.namespace,
    mapping.details,
    mapping.activeAt,
    ...mapping.fixedValues.map(([column]) => column),
  ].filter((name): name is string => name !== null);
  const seen = new Set<string>();
  for (const name of used) {
    const folded = name.toLowerCase();
    if (seen.has(folded))
      fail(`the column ${show(name)} is mapped twice; every column option needs its own column.`);
    seen.add(folded);
  }
}

/** Validates every option of a SQL store and applies defaults. */
export function resolveSqlOptions(options: SqlStoreOptions | undefined, context: string): ResolvedSqlOptions {
  if (options !== undefined && !isPlainObject(options as unknown)) {
    throw new SessionConfigError(`${context}: options must be an object (got ${show(options)}).`);
  }
  const given: SqlStoreOptions = options ?? {};
  for (const name of Object.keys(given)) {
    if (!OPTION_NAMES.has(name)) {
      throw new SessionConfigError(
        `${context}: unknown option ${show(name)}; the options are ${[...OPTION_NAMES].join(', ')}.`,
      );
    }
  }
  const mapping = resolveMapping(given, context);
  const { pruneInterval = 300_000, pruneBatchSize = 1000 } = given;
  if (
    !Number.isInteger(pruneInterval) ||
    (pruneInterval !== 0 && (pruneInterval < MIN_PRUNE_INTERVAL || pruneInterval > MAX_TIMER_DELAY))
  ) {
    throw new SessionConfigError(
      `${context}: pruneInterval must be 0 (no background prune) or a whole number of milliseconds from ` +
        `${MIN_PRUNE_INTERVAL} to ${MAX_TIMER_DELAY} (got ${show(pruneInterval)}); the default is 300000 (5 minutes).`,
    );
  }
  if (!Number.isInteger(pruneBatchSize) || pruneBatchSize < 1 || pruneBatchSize > MAX_PRUNE_BATCH) {
    throw new SessionConfigError(
      `${context}: pruneBatchSize must be a whole number from 1 to ${MAX_PRUNE_BATCH} (got ${show(pruneBatchSize)}); ` +
        'the default is 1000.',
    );
  }
  const { coalesceReads = true, coalesceWrites = true } = given;
  for (const [name, value] of Object.entries({ coalesceReads, coalesceWrites })) {
    if (typeof value !== 'boolean') {
      throw new SessionConfigError(
        `${context}: ${name} must be true or false (got ${show(value)}); the default is true.`,
      );
    }
  }
  return { mapping, pruneInterval, pruneBatchSize, coalesceReads, coalesceWrites };
}
