import type { TableMapping } from '../options';
import type { InsertRow, SqlSyntax, SqlValue, Statement } from '../statement';

/** Collects parameter values in placeholder order and hands out the dialect's placeholders. */
export class Params {
  readonly values: SqlValue[] = [];
  readonly #dialect: SqlSyntax;

  constructor(dialect: SqlSyntax) {
    this.#dialect = dialect;
  }

  /** Binds a value and returns its placeholder. Call in the order the placeholders appear. */
  add(value: SqlValue): string {
    this.values.push(value);
    return this.#dialect.placeholder(this.values.length);
  }

  statement(text: string): Statement {
    return { text, values: this.values };
  }
}

/** Largest INT, the type of Tomcat's `max_inactive` seconds. */
const MAX_INT = 2_147_483_647;

/** Result-column aliases, fixed whatever the mapping, so rows decode the same way for every table. */
export const ALIAS = Object.freeze({
  key: 'sk_key',
  version: 'sk_version',
  payload: 'sk_payload',
  expiresAt: 'sk_expires_at',
  ownerId: 'sk_owner_id',
  details: 'sk_details',
  activeAt: 'sk_active_at',
  count: 'sk_count',
  live: 'sk_live',
  expired: 'sk_expired',
  owned: 'sk_owned',
  owners: 'sk_owners',
  /** A write's position in a combined compare-and-set (SqlDialect.combinedUpdates). */
  index: 'sk_index',
} as const);

/**
 * For a table without a version column: the last-access value of a write, the compare-and-set
 * token. It must exceed `floor` (the token it replaces, plus one; for an insert, the clock), and
 * be congruent to `expiresAt` modulo 1000, so that last access + whole seconds × 1000 is exactly
 * `expiresAt`: the smallest such value. With an idle timeout in whole seconds that is the clock
 * itself; only two writes within one millisecond (or a deadline off the second) move it up to
 * 999 ms ahead, and the writes that follow bring it back as the clock catches up. The value
 * does not depend on any node's clock being right: it is above the token it replaces whatever
 * the clocks say, so compare-and-set holds with clocks that disagree (last access then runs
 * ahead of the slower clocks until they catch up).
 */
export function versionlessAccess(floor: number, expiresAt: number): number {
  // A deadline more than 34 years ahead moves last access forward, so that the INT seconds hold
  // it and a touch can still extend it as far again (a touch cannot move last access).
  const lowest = Math.max(floor, expiresAt - Math.floor(MAX_INT / 2) * 1000);
  return lowest + ((((expiresAt - lowest) % 1000) + 1000) % 1000);
}

/** A payload as a Buffer view (no copy): mysql2 and mssql only bind Buffers as binary. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * The quoted names of one mapped table and the statements every dialect shares. Identifiers
 * were validated by resolveMapping(); values only ever travel as parameters.
 */
export class TableSql {
  readonly dialect: SqlSyntax;
  readonly mapping: TableMapping;
  /** The quoted, possibly schema-qualified table. */
  readonly table: string;
  readonly key: string;
  /** The version column, or null when the table has none (see {@link versionless}). */
  readonly version: string | null;
  /** The column compare-and-set matches on: the version column, or the last-access column. */
  readonly token: string;
  readonly payload: string;
  readonly createdAt: string | null;
  readonly ownerId: string | null;
  readonly namespace: string | null;
  readonly details: string | null;
  readonly activeAt: string | null;

  constructor(mapping: TableMapping, dialect: SqlSyntax) {
    this.dialect = dialect;
    this.mapping = mapping;
    const q = (name: string) => dialect.quoteIdentifier(name);
    this.table =
      mapping.table.schema === null
        ? q(mapping.table.name)
        : `${q(mapping.table.schema)}.${q(mapping.table.name)}`;
    this.key = q(mapping.key);
    this.version = mapping.version === null ? null : q(mapping.version);
    // resolveMapping guarantees an idle expiry when there is no version column.
    this.token = this.version ?? q(mapping.expiry.kind === 'idle' ? mapping.expiry.lastAccess : mapping.key);
    this.payload = q(mapping.payload);
    this.details = mapping.details === null ? null : q(mapping.details);
    this.activeAt = mapping.activeAt === null ? null : q(mapping.activeAt);
    this.createdAt = mapping.createdAt === null ? null : q(mapping.createdAt);
    this.ownerId = mapping.ownerId === null ? null : q(mapping.ownerId);
    this.namespace = mapping.namespace === null ? null : q(mapping.namespace);
  }

  q(name: string): string {
    return this.dialect.quoteIdentifier(name);
  }

  /** True for a table without a version column, whose last-access column is the token. */
  get versionless(): boolean {
    return this.version === null;
  }

  params(): Params {
    return new Params(this.dialect);
  }

  /** `qualifier.column`, or the column alone. */
  column(quoted: string, qualifier?: string): string {
    return qualifier === undefined ? quoted : `${qualifier}.${quoted}`;
  }

  /**
   * The expiry as an expression in epoch ms: the absolute column, or last access plus the idle
   * timeout (cast to 64 bits first: INT seconds × 1000 overflows 32-bit arithmetic after 24 days).
   */
  expiry(qualifier?: string): string {
    const { expiry } = this.mapping;
    if (expiry.kind === 'absolute') return this.column(this.q(expiry.column), qualifier);
    const lastAccess = this.column(this.q(expiry.lastAccess), qualifier);
    const maxInactive = this.dialect.toBigint(this.column(this.q(expiry.maxInactive), qualifier));
    return `(${lastAccess} + ${maxInactive} * 1000)`;
  }

  /**
   * Column values that store `expiresAt`. For an idle-timeout pair the seconds are rounded up
   * (at least 1: Tomcat reads 0 or less as "never expires") and last access is set so that
   * last access + seconds × 1000 is exactly `expiresAt`, keeping millisecond precision.
   */
  expiryValues(expiresAt: number, now: number): Array<[column: string, value: number]> {
    const { expiry } = this.mapping;
    if (expiry.kind === 'absolute') return [[this.q(expiry.column), expiresAt]];
    const seconds = Math.min(MAX_INT, Math.max(1, Math.ceil((expiresAt - now) / 1000)));
    return [
      [this.q(expiry.lastAccess), expiresAt - seconds * 1000],
      [this.q(expiry.maxInactive), seconds],
    ];
  }

  /** The namespace condition (none when the table has no namespace column). */
  scope(params: Params, qualifier?: string): string[] {
    if (this.namespace === null) return [];
    return [`${this.column(this.namespace, qualifier)} = ${params.add(this.mapping.namespaceValue)}`];
  }

  /** Every column an insert writes, in a fixed order, with its value. */
  insertValues(row: InsertRow): Array<[column: string, value: SqlValue]> {
    const values: Array<[string, SqlValue]> = [[this.key, row.key]];
    if (this.namespace !== null) values.push([this.namespace, this.mapping.namespaceValue]);
    values.push(...this.updateValues(row));
    if (this.createdAt !== null) values.push([this.createdAt, row.now]);
    for (const [column, value] of this.mapping.fixedValues) values.push([this.q(column), value]);
    return values;
  }

  /** The columns a compare-and-set rewrites: version, payload, expiry, owner, details, last active. */
  updateValues(row: Omit<InsertRow, 'key'>): Array<[column: string, value: SqlValue]> {
    const values: Array<[string, SqlValue]> = [];
    if (this.version !== null) values.push([this.version, row.version]);
    values.push([this.payload, toBuffer(row.payload)]);
    values.push(
      ...(this.version === null ? this.tokenValues(row) : this.expiryValues(row.expiresAt, row.now)),
    );
    if (this.ownerId !== null) values.push([this.ownerId, row.ownerId]);
    if (this.details !== null) values.push([this.details, row.details]);
    if (this.activeAt !== null) values.push([this.activeAt, row.now]);
    return values;
  }

  /**
   * Without a version column: last access is the token the store chose (`row.version`, see
   * versionlessAccess), and the seconds are what makes last access + seconds × 1000 the expiry
   * (0 or less for a deadline within a second or past, which reads back as expired).
   */
  tokenValues(row: Pick<InsertRow, 'version' | 'expiresAt'>): Array<[column: string, value: number]> {
    const { expiry } = this.mapping;
    if (expiry.kind !== 'idle') throw new Error('tokenValues needs an idle expiry mapping');
    const seconds = Math.max(-MAX_INT, Math.min(MAX_INT, Math.round((row.expiresAt - row.version) / 1000)));
    return [
      [this.q(expiry.lastAccess), row.version],
      [this.q(expiry.maxInactive), seconds],
    ];
  }

  /** `a = ?, b = ?` for a list of column values. */
  assignments(params: Params, values: ReadonlyArray<readonly [string, SqlValue]>): string {
    return values.map(([column, value]) => `${column} = ${params.add(value)}`).join(', ');
  }

  // ---- statements every dialect shares ----------------------------------------------------------

  /**
   * The row of a key, expired or not: expiry is checked in the store after core's record
   * validator, so a row with a negative or otherwise impossible expiry is reported as corrupt
   * instead of passing as "expired" unseen.
   */
  selectByKey(key: string): Statement {
    const p = this.params();
    const text = `SELECT ${this.#recordColumns()} FROM ${this.table} WHERE ${[`${this.key} = ${p.add(key)}`, ...this.scope(p)].join(' AND ')}`;
    return p.statement(text);
  }

  /**
   * {@link selectByKey} for several keys in one statement, with each row's key (column `sk_key`)
   * to tell them apart: the coalesced read of keys that queued while the pool was busy.
   */
  selectByKeys(keys: readonly string[]): Statement {
    const p = this.params();
    const list = keys.map((key) => p.add(key)).join(', ');
    const text =
      `SELECT ${this.key} AS ${this.q(ALIAS.key)}, ${this.#recordColumns()} FROM ${this.table} ` +
      `WHERE ${[`${this.key} IN (${list})`, ...this.scope(p)].join(' AND ')}`;
    return p.statement(text);
  }

  /** The columns of a stored record, under their fixed aliases. */
  #recordColumns(): string {
    const owner = this.ownerId === null ? '' : `, ${this.ownerId} AS ${this.q(ALIAS.ownerId)}`;
    const details = this.details === null ? '' : `, ${this.details} AS ${this.q(ALIAS.details)}`;
    return (
      `${this.token} AS ${this.q(ALIAS.version)}, ${this.payload} AS ${this.q(ALIAS.payload)}, ` +
      `${this.expiry()} AS ${this.q(ALIAS.expiresAt)}${owner}${details}`
    );
  }

  /** The compare-and-set: matches only the live row at `expectedVersion`; 0 rows is a conflict. */
  updateIfVersion(row: InsertRow, expectedVersion: number): Statement {
    const p = this.params();
    return p.statement(this.dialect.writeStatement(this.updateIfVersionText(p, row, expectedVersion)));
  }

  /**
   * The UPDATE of {@link updateIfVersion} on `params`, for a dialect to embed in a statement of
   * several (SqlDialect.combinedUpdates).
   */
  updateIfVersionText(params: Params, row: InsertRow, expectedVersion: number): string {
    const set = this.assignments(params, this.updateValues(row));
    const where = [
      `${this.key} = ${params.add(row.key)}`,
      ...this.scope(params),
      `${this.token} = ${params.add(expectedVersion)}`,
      `${this.expiry()} > ${params.add(row.now)}`,
    ];
    return `UPDATE ${this.table} SET ${set} WHERE ${where.join(' AND ')}`;
  }

  /** Replaces only an expired row (the second step of an insert-then-replace plan). */
  replaceExpired(row: InsertRow): Statement {
    const p = this.params();
    const values = this.insertValues(row).filter(
      ([column]) => column !== this.key && column !== this.namespace,
    );
    const set = this.assignments(p, values);
    const where = [
      `${this.key} = ${p.add(row.key)}`,
      ...this.scope(p),
      `${this.expiry()} <= ${p.add(row.now)}`,
    ];
    return p.statement(
      this.dialect.writeStatement(`UPDATE ${this.table} SET ${set} WHERE ${where.join(' AND ')}`),
    );
  }

  touch(key: string, expiresAt: number, now: number): Statement {
    const p = this.params();
    let set: string;
    if (this.mapping.expiry.kind === 'idle' && this.version === null) {
      // Last access is the version and must not move: only the seconds change, rounded down, so
      // the session never outlives the deadline (it may end up to a second early). The deadline
      // is capped so that the seconds fit the INT column.
      const lastAccess = this.q(this.mapping.expiry.lastAccess);
      // A placeholder per use: positional `?` cannot be reused.
      const span = () => `(${p.add(expiresAt)} - ${lastAccess})`;
      // Capped to the INT column: a deadline over 68 years past last access is stored as 68 years.
      const seconds = `CASE WHEN ${span()} > ${MAX_INT * 1000} THEN ${MAX_INT} ELSE FLOOR(${span()} / 1000.0) END`;
      set = `${this.q(this.mapping.expiry.maxInactive)} = ${this.dialect.toBigint(seconds)}`;
    } else {
      set = this.assignments(p, this.expiryValues(expiresAt, now));
    }
    if (this.activeAt !== null) set += `, ${this.activeAt} = ${p.add(now)}`;
    const where = [`${this.key} = ${p.add(key)}`, ...this.scope(p), `${this.expiry()} > ${p.add(now)}`];
    return p.statement(
      this.dialect.writeStatement(`UPDATE ${this.table} SET ${set} WHERE ${where.join(' AND ')}`),
    );
  }

  /** Deletes the row of `key` that is live (`live`: true) or expired (`live`: false). */
  deleteKey(key: string, now: number, live: boolean): Statement {
    const p = this.params();
    const where = [
      `${this.key} = ${p.add(key)}`,
      ...this.scope(p),
      `${this.expiry()} ${live ? '>' : '<='} ${p.add(now)}`,
    ];
    return p.statement(this.dialect.writeStatement(`DELETE FROM ${this.table} WHERE ${where.join(' AND ')}`));
  }

  /**
   * `DELETE` of the row of `key` in this namespace, whatever its expiry, with `conditions` added:
   * text on `params`, for a dialect's insertReplacing to embed in its statement.
   */
  deleteRowText(params: Params, key: string, ...conditions: string[]): string {
    const where = [`${this.key} = ${params.add(key)}`, ...this.scope(params), ...conditions];
    return `DELETE FROM ${this.table} WHERE ${where.join(' AND ')}`;
  }

  /** Deletes the owner's rows that are live (`live`: true) or expired (`live`: false). */
  deleteOwner(ownerColumn: string, ownerId: string, now: number, live: boolean): Statement {
    const p = this.params();
    const where = [
      `${ownerColumn} = ${p.add(ownerId)}`,
      ...this.scope(p),
      `${this.expiry()} ${live ? '>' : '<='} ${p.add(now)}`,
    ];
    return p.statement(this.dialect.writeStatement(`DELETE FROM ${this.table} WHERE ${where.join(' AND ')}`));
  }

  listOwner(ownerColumn: string, ownerId: string, now: number): Statement {
    const p = this.params();
    const where = [
      `${ownerColumn} = ${p.add(ownerId)}`,
      ...this.scope(p),
      `${this.expiry()} > ${p.add(now)}`,
    ];
    const details = this.details === null ? '' : `, ${this.details} AS ${this.q(ALIAS.details)}`;
    const activeAt = this.activeAt === null ? '' : `, ${this.activeAt} AS ${this.q(ALIAS.activeAt)}`;
    return p.statement(
      `SELECT ${this.key} AS ${this.q(ALIAS.key)}, ${this.expiry()} AS ${this.q(ALIAS.expiresAt)}${details}${activeAt} ` +
        `FROM ${this.table} WHERE ${where.join(' AND ')}`,
    );
  }

  /** Deletes the row of `key` if it belongs to `ownerId` and is live (`live`) or expired. */
  deleteOwnedKey(ownerColumn: string, ownerId: string, key: string, now: number, live: boolean): Statement {
    const p = this.params();
    const where = [
      `${this.key} = ${p.add(key)}`,
      `${ownerColumn} = ${p.add(ownerId)}`,
      ...this.scope(p),
      `${this.expiry()} ${live ? '>' : '<='} ${p.add(now)}`,
    ];
    return p.statement(this.dialect.writeStatement(`DELETE FROM ${this.table} WHERE ${where.join(' AND ')}`));
  }

  /** Live, expired, owned and distinct owners in one scan of this namespace (`sessionkit stats`). */
  stats(now: number): Statement {
    const p = this.params();
    const live = () => `${this.expiry()} > ${p.add(now)}`;
    const count = (condition: string, alias: string) =>
      `SUM(CASE WHEN ${condition} THEN 1 ELSE 0 END) AS ${this.q(alias)}`;
    const columns = [count(live(), ALIAS.live), count(`${this.expiry()} <= ${p.add(now)}`, ALIAS.expired)];
    if (this.ownerId !== null) {
      columns.push(count(`${live()} AND ${this.ownerId} IS NOT NULL`, ALIAS.owned));
      columns.push(`COUNT(DISTINCT CASE WHEN ${live()} THEN ${this.ownerId} END) AS ${this.q(ALIAS.owners)}`);
    }
    return p.statement(`SELECT ${columns.join(', ')} FROM ${this.table}${whereClause(this.scope(p))}`);
  }

  countLive(now: number): Statement {
    const p = this.params();
    const where = [...this.scope(p), `${this.expiry()} > ${p.add(now)}`];
    return p.statement(
      `SELECT COUNT(*) AS ${this.q(ALIAS.count)} FROM ${this.table} WHERE ${where.join(' AND ')}`,
    );
  }

  /** The conditions of a prune (expired, in this namespace) or a clear (this namespace). */
  batchConditions(params: Params, expiredBefore: number | null, qualifier?: string): string[] {
    const conditions = this.scope(params, qualifier);
    if (expiredBefore !== null) conditions.push(`${this.expiry(qualifier)} <= ${params.add(expiredBefore)}`);
    return conditions;
  }
}

/** ` WHERE a AND b`, or nothing. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length === 0 ? '' : ` WHERE ${conditions.join(' AND ')}`;
}
