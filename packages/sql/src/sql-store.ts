import {
  checkSetArguments,
  NO_CAPABILITIES,
  type OptionalStoreOperation,
  type OwnedSession,
  readStoredRecord,
  SessionConfigError,
  SessionConflictError,
  SessionStoreError,
  type SetOptions,
  type StoreCapabilities,
  type StoredRecord,
  type StoreTally,
  type StoreWith,
  type VerifyOptions,
  type VerifyReport,
} from '@sessionkit/core';
import { assertStorable, isStorable, normalizeExpiry } from './checks';
import { Coalescer, coalescingLimit } from './coalescer';
import type { CompareAndSet, SqlDialect, SqlExecutor } from './dialect';
import { executeWithRetry, textOf, toSessionError } from './execution';
import { formatTableName } from './identifiers';
import { ALIAS, TableSql, versionlessAccess } from './internal-do-not-import/table-sql';
import { type ResolvedSqlOptions, resolveSqlOptions, type SqlStoreOptions } from './options';
import { type JitteredTimer, startJitteredTimer } from './prune-timer';
import { layoutOf } from './schema';
import type { InsertRow, SqlResult, SqlValue, Statement } from './statement';
import { type SqlVerifySpec, verifySqlStore } from './verify';

/** A SQL session store: every optional operation, plus `createSchema()`. */
export interface SqlStore
  extends StoreWith<
    'destroyByOwner' | 'listByOwner' | 'destroyOwned' | 'count' | 'tally' | 'clear' | 'prune' | 'close'
  > {
  /** The table, as configured (`table` or `schema.table`). */
  readonly tableName: string;
  /** The value of the namespace column this store reads and writes. */
  readonly namespace: string;
  /**
   * Creates the table and its indexes when they do not exist (opt-in; idempotent and safe to run
   * from several nodes at once). Only for the default layout: rejects with a SessionConfigError
   * when the store is mapped with `expiry` or `fixedValues` onto an existing table.
   */
  createSchema(): Promise<void>;
}

/** What a dialect package passes to {@link createSqlStore}. */
export interface SqlStoreSetup {
  executor: SqlExecutor;
  dialect: SqlDialect;
  options: SqlStoreOptions | undefined;
  /** The public factory's name, for error messages (e.g. 'createPostgresStore'). */
  context: string;
  /** The dialect's part of `verify()`; without it the store declares no verify. */
  verify?: SqlVerifySpec;
  /**
   * How many statements the app's pool runs at once (its connection limit), when the dialect
   * package can read it from the pool: reads, and compare-and-sets on a dialect with
   * `combinedUpdates`, that arrive while the store's own statements fill it are coalesced (see
   * Coalescer). Passed as the pool holds it and checked here: anything but a whole number ≥ 1
   * (unknown, a wrapper's) means every statement goes out on its own.
   */
  connections?: unknown;
}

/** Insert attempts when the row a duplicate-key error pointed at vanished before the replace. */
const INSERT_ATTEMPTS = 2;

/**
 * Builds a store on top of a dialect and a driver executor. Dialect packages call it from their
 * `create<Backend>Store`; apps use those factories instead.
 *
 * @example
 * export function createPostgresStore(pool: pg.Pool, options?: SqlStoreOptions): SqlStore {
 *   const executor: SqlExecutor = async ({ text, values }) => {
 *     const result = await pool.query(text, [...values]);
 *     return { rows: result.rows, affected: result.rowCount ?? 0 };
 *   };
 *   return createSqlStore({ executor, dialect: postgresDialect, options, context: 'createPostgresStore' });
 * }
 */
export function createSqlStore(setup: SqlStoreSetup): SqlStore {
  return new SqlSessionStore(setup, resolveSqlOptions(setup.options, setup.context));
}

class SqlSessionStore implements SqlStore {
  readonly capabilities: StoreCapabilities;
  readonly tableName: string;
  readonly namespace: string;

  readonly #sql: TableSql;
  readonly #dialect: SqlDialect;
  readonly #executor: SqlExecutor;
  readonly #options: ResolvedSqlOptions;
  readonly #context: string;
  readonly #label: string;
  readonly #timer: JitteredTimer | null;
  readonly #verify: SqlVerifySpec | undefined;
  readonly #coalescer: Coalescer<CompareAndSet>;

  constructor(setup: SqlStoreSetup, options: ResolvedSqlOptions) {
    this.#dialect = setup.dialect;
    this.#executor = setup.executor;
    this.#options = options;
    this.#context = setup.context;
    this.#label = setup.dialect.label;
    this.#sql = new TableSql(options.mapping, setup.dialect);
    this.tableName = formatTableName(options.mapping.table);
    this.namespace = options.mapping.namespaceValue;
    const owners = options.mapping.ownerId !== null;
    this.capabilities = Object.freeze({
      ...NO_CAPABILITIES,
      destroyByOwner: owners,
      listByOwner: owners,
      count: true,
      clear: true,
      prune: true,
      replaceOnInsert: setup.dialect.insertReplacing !== undefined,
      verify: setup.verify !== undefined,
      ownerDetails: owners && options.mapping.details !== null,
      tally: true,
      assignsVersions: this.#sql.versionless,
    });
    this.#verify = setup.verify;
    const combined = setup.dialect.combinedUpdates;
    this.#coalescer = new Coalescer<CompareAndSet>({
      connections: coalescingLimit(setup.connections),
      coalesceReads: options.coalesceReads,
      coalesceWrites: options.coalesceWrites && combined !== undefined,
      reads: {
        one: async (key) => (await this.#send(this.#sql.selectByKey(key))).rows[0],
        many: async (keys) => (await this.#send(this.#sql.selectByKeys(keys))).rows,
        keyOf: (row) => textOf(row[ALIAS.key]),
      },
      writes: {
        one: async ({ row, expected }) =>
          this.#dialect.affectedRows(await this.#send(this.#sql.updateIfVersion(row, expected))) > 0,
        many: async (writes) => {
          // Only called with coalesceWrites on, which needs combinedUpdates.
          const { rows } = await this.#send(combined!.statement(this.#sql, writes));
          const matched = new Set(rows.map((row) => Number(row[ALIAS.index])));
          return writes.map((_, i) => matched.has(i));
        },
        keyOf: ({ row }) => row.key,
        refused: (error) => combined?.refused(error) ?? false,
      },
    });
    this.#timer =
      options.pruneInterval === 0
        ? null
        : startJitteredTimer({
            interval: options.pruneInterval,
            run: (timer) => this.#deleteInBatches(Date.now(), () => timer.stopped),
            onError: (error) => {
              // No caller to reject to: a warning keeps a failing prune visible without crashing the app.
              process.emitWarning(
                `sessionkit ${this.#label} store: background prune of ${this.tableName} failed: ${String(error)}`,
                { code: 'SESSIONKIT_SQL_PRUNE' },
              );
            },
          });
  }

  get(key: string): Promise<StoredRecord | null> {
    return this.#run('get', async () => {
      if (!this.#lookupKey(key)) return null;
      const row = await this.#coalescer.read(key);
      if (row === undefined) return null;
      // The clock after the answer: a read that waited for a batch judges expiry when it got it.
      const now = Date.now();
      // Drivers return BIGINT as a number or a decimal string, binary as a Buffer: core's
      // validator takes them as they are and rejects a row nothing but a script could have written.
      const record = readStoredRecord(key, {
        payload: row[ALIAS.payload],
        version: row[ALIAS.version],
        expiresAt: row[ALIAS.expiresAt],
        ownerId: this.#sql.ownerId === null ? null : textOf(row[ALIAS.ownerId]),
        details: this.#sql.details === null ? null : textOf(row[ALIAS.details]),
      });
      return record.expiresAt > now ? record : null;
    });
  }

  // biome-ignore lint/suspicious/noConfusingVoidType: `async set() {}` in a store must still satisfy this (Promise<void> is not assignable to Promise<undefined>).
  set(key: string, record: StoredRecord, options?: SetOptions): Promise<void | number> {
    return this.#run('set', async () => {
      const checked = checkSetArguments(`${this.#label} store`, key, record, options, this.capabilities);
      assertStorable(key, 'key', this.#label);
      const ownerId =
        checked.ownerId === null ? null : assertStorable(checked.ownerId, 'ownerId', this.#label);
      if (ownerId !== null && this.#sql.ownerId === null) {
        throw new SessionStoreError(
          `${this.#label} store set: the session has an owner, but ${this.#noOwner()}`,
        );
      }
      if (checked.details !== null && this.#sql.details === null) {
        throw new SessionStoreError(
          `${this.#label} store set: the session has session-list details, but ${this.#noDetails()}`,
        );
      }
      const now = Date.now();
      const expiresAt = normalizeExpiry(record.expiresAt, this.#label, 'set');
      const { expectedVersion: expected, replaces } = checked;
      // Without a version column the token is last access, strictly above the one replaced (and
      // never behind this clock): two writers that read the same row cannot both match it.
      const version = this.#sql.versionless
        ? versionlessAccess(expected === undefined ? now : Math.max(now, expected + 1), expiresAt)
        : record.version;
      const row: InsertRow = {
        key,
        version,
        payload: record.payload,
        expiresAt,
        ownerId,
        details: checked.details,
        now,
      };
      await this.#save(row, expected, replaces);
      return this.#sql.versionless ? version : undefined;
    });
  }

  /** The write of a checked set: an insert (replacing another key, or not) or a compare-and-set. */
  async #save(row: InsertRow, expected: number | undefined, replaces: string | undefined): Promise<void> {
    // A key that could never be stored holds no row: there is nothing to replace.
    if (expected === undefined && replaces !== undefined && isStorable(replaces)) {
      const statement = this.#dialect.insertReplacing!(this.#sql, row, replaces);
      if ((await this.#write(statement)) === 0) throw new SessionConflictError();
      return;
    }
    if (expected === undefined) return this.#insert(row);
    if (!(await this.#coalescer.write({ row, expected }))) throw new SessionConflictError();
  }

  touch(key: string, expiresAt: number): Promise<boolean> {
    return this.#run('touch', async () => {
      const deadline = normalizeExpiry(expiresAt, this.#label, 'touch');
      if (!this.#lookupKey(key)) return false;
      return (await this.#write(this.#sql.touch(key, deadline, Date.now()))) > 0;
    });
  }

  destroy(key: string): Promise<boolean> {
    return this.#run('destroy', async () => {
      if (!this.#lookupKey(key)) return false;
      const now = Date.now();
      if ((await this.#write(this.#sql.deleteKey(key, now, true))) > 0) return true;
      // Not live: remove an expired leftover too, so destroy never leaves the row behind.
      await this.#write(this.#sql.deleteKey(key, now, false));
      return false;
    });
  }

  destroyByOwner(ownerId: string): Promise<number> {
    return this.#run('destroyByOwner', async () => {
      const column = this.#ownerColumn('destroyByOwner');
      if (!this.#lookupOwner(ownerId)) return 0;
      const now = Date.now();
      const destroyed = await this.#write(this.#sql.deleteOwner(column, ownerId, now, true));
      await this.#write(this.#sql.deleteOwner(column, ownerId, now, false));
      return destroyed;
    });
  }

  listByOwner(ownerId: string): Promise<OwnedSession[]> {
    return this.#run('listByOwner', async () => {
      const column = this.#ownerColumn('listByOwner');
      if (!this.#lookupOwner(ownerId)) return [];
      const { rows } = await this.#exec(this.#sql.listOwner(column, ownerId, Date.now()));
      return rows.map((row) => {
        const activeAt = row[ALIAS.activeAt];
        return {
          key: textOf(row[ALIAS.key]) ?? '',
          expiresAt: Number(row[ALIAS.expiresAt]),
          details: textOf(row[ALIAS.details]),
          lastActiveAt: activeAt === null || activeAt === undefined ? null : Number(activeAt),
        };
      });
    });
  }

  destroyOwned(ownerId: string, key: string): Promise<boolean> {
    return this.#run('destroyOwned', async () => {
      const column = this.#ownerColumn('destroyOwned');
      if (!this.#lookupOwner(ownerId) || !this.#lookupKey(key)) return false;
      const now = Date.now();
      // One statement per state, each matching key and owner together: a row that moved to another
      // owner is never matched, however the two calls interleave with writes.
      if ((await this.#write(this.#sql.deleteOwnedKey(column, ownerId, key, now, true))) > 0) return true;
      await this.#write(this.#sql.deleteOwnedKey(column, ownerId, key, now, false));
      return false;
    });
  }

  tally(): Promise<StoreTally> {
    return this.#run('tally', async () => {
      const { rows } = await this.#exec(this.#sql.stats(Date.now()));
      const row = rows[0] ?? {};
      const number = (value: unknown) => (value === null || value === undefined ? 0 : Number(value));
      return {
        live: number(row[ALIAS.live]),
        expired: number(row[ALIAS.expired]),
        owned: number(row[ALIAS.owned]),
        owners: number(row[ALIAS.owners]),
      };
    });
  }

  unsupportedReason(operation: OptionalStoreOperation): string | undefined {
    const owners = ['listByOwner', 'destroyByOwner', 'destroyOwned'];
    if (owners.includes(operation) && this.#sql.ownerId === null)
      return `${this.#context}: ${this.#noOwner()}`;
    if (operation === 'destroyOwned' && this.#sql.details === null)
      return `${this.#context}: ${this.#noDetails()}`;
    return undefined;
  }

  #noOwner(): string {
    return (
      `${this.tableName} has no owner column (columns.ownerId is null). Add a nullable text column for it, ` +
      `e.g. ALTER TABLE ${this.#sql.table} ADD ${this.#sql.q('sk_owner_id')} VARCHAR(255) NULL, index it with the ` +
      `namespace column, and map it with columns: { ownerId: 'sk_owner_id' }.`
    );
  }

  #noDetails(): string {
    return (
      `${this.tableName} has no details column (columns.details is null). Add a nullable text column of 1024 ` +
      `characters and a nullable BIGINT, e.g. ALTER TABLE ${this.#sql.table} ADD ${this.#sql.q('details')} ` +
      `VARCHAR(1024) NULL, ADD ${this.#sql.q('active_at')} BIGINT NULL, and map them with columns: ` +
      `{ details: 'details', activeAt: 'active_at' }.`
    );
  }

  count(): Promise<number> {
    return this.#run('count', async () => {
      const { rows } = await this.#exec(this.#sql.countLive(Date.now()));
      return Number(rows[0]?.[ALIAS.count] ?? 0);
    });
  }

  clear(): Promise<void> {
    return this.#run('clear', async () => {
      await this.#deleteInBatches(null, () => false);
    });
  }

  prune(): Promise<number> {
    return this.#run('prune', () => this.#deleteInBatches(Date.now(), () => false));
  }

  async close(): Promise<void> {
    // The pool belongs to the app; only the store's own timer is stopped (and its run awaited).
    await this.#timer?.stop();
  }

  /** See SessionStore.verify; the checks are in verify.ts. */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    const spec = this.#verify;
    if (spec === undefined) {
      return Promise.reject(new SessionConfigError(`${this.#context}: this store declares no verify().`));
    }
    return verifySqlStore(
      {
        label: this.#label,
        tableName: this.tableName,
        mapping: this.#sql.mapping,
        pruneInterval: this.#options.pruneInterval,
        executor: this.#executor,
        spec,
        store: this,
      },
      options,
    );
  }

  createSchema(): Promise<void> {
    return this.#run('createSchema', async () => {
      const layout = layoutOf(this.#sql.mapping, this.#context);
      for (const text of this.#dialect.schemaStatements(layout)) {
        const statement: Statement = { text, values: [] };
        try {
          await this.#exec(statement);
        } catch (error) {
          const kind = this.#dialect.classifyError(error);
          if (kind !== 'exists' && kind !== 'duplicate') throw error;
          // Another node created the same object at the same moment (PostgreSQL's IF NOT EXISTS
          // can still fail on its catalog's unique index then); the re-run sees it and does nothing.
          await this.#exec(statement).catch((again: unknown) => {
            if (this.#dialect.classifyError(again) !== 'exists') throw again;
          });
        }
      }
    });
  }

  // ---- internals ------------------------------------------------------------------------------

  /**
   * The race-safe insert. An upsert decides in one statement. Insert-then-replace relies on the
   * primary key: exactly one of several racing inserts succeeds, the others get a duplicate-key
   * error and may then only replace an expired row; a live row makes that update match nothing.
   */
  async #insert(row: InsertRow): Promise<void> {
    const plan = this.#dialect.insert(this.#sql, row);
    if (plan.kind === 'upsert') {
      if ((await this.#write(plan.statement)) === 0) throw new SessionConflictError();
      return;
    }
    for (let attempt = 0; attempt < INSERT_ATTEMPTS; attempt++) {
      try {
        await this.#exec(plan.insert);
        return;
      } catch (error) {
        if (this.#dialect.classifyError(error) !== 'duplicate') throw error;
      }
      if ((await this.#write(plan.replace)) > 0) return;
      // 0 rows: a live row holds the key, or the row was deleted since the insert failed; in the
      // second case the next attempt's insert succeeds.
    }
    throw new SessionConflictError();
  }

  /** Deletes in bounded batches until a batch comes back short; yields to I/O between batches. */
  async #deleteInBatches(expiredBefore: number | null, stopped: () => boolean): Promise<number> {
    const { pruneBatchSize: batchSize } = this.#options;
    const skipLocked = expiredBefore !== null;
    let total = 0;
    while (!stopped()) {
      const plan = this.#dialect.batchDelete(this.#sql, { expiredBefore, batchSize, skipLocked });
      let deleted: number;
      let full: boolean;
      if (plan.kind === 'single') {
        deleted = await this.#write(plan.statement);
        full = deleted >= batchSize;
      } else {
        const { rows } = await this.#exec(plan.select);
        if (rows.length === 0) break;
        deleted = await this.#write(plan.remove(rows.map((row) => row[ALIAS.key] as SqlValue)));
        // Rows that became live between the read and the delete survive; stop rather than spin.
        full = rows.length >= batchSize && deleted > 0;
      }
      total += deleted;
      if (!full) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return total;
  }

  /** Runs a statement, counted by the coalescer as in flight. */
  #exec(statement: Statement): Promise<SqlResult> {
    return this.#coalescer.run(() => this.#send(statement));
  }

  #send(statement: Statement): Promise<SqlResult> {
    return executeWithRetry(this.#executor, this.#dialect, statement);
  }

  async #write(statement: Statement): Promise<number> {
    return this.#dialect.affectedRows(await this.#exec(statement));
  }

  /** Every method rejects only with SessionErrors: driver errors become SessionStoreErrors. */
  async #run<T>(operation: string, body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw toSessionError(error, this.#dialect, operation, this.tableName);
    }
  }

  /** False for a string that could never have been stored (so it cannot match a row). */
  #lookupKey(key: unknown): boolean {
    if (typeof key !== 'string') {
      throw new SessionStoreError(`${this.#label} store: keys must be strings (got ${typeof key}).`);
    }
    return isStorable(key);
  }

  #lookupOwner(ownerId: unknown): boolean {
    if (typeof ownerId !== 'string') {
      throw new SessionStoreError(`${this.#label} store: ownerId must be a string (got ${typeof ownerId}).`);
    }
    return isStorable(ownerId);
  }

  #ownerColumn(operation: OptionalStoreOperation): string {
    const reason = this.unsupportedReason(operation);
    if (reason !== undefined || this.#sql.ownerId === null) {
      throw new SessionConfigError(`${reason ?? this.#context}: ${operation}() is unavailable.`);
    }
    return this.#sql.ownerId;
  }
}
