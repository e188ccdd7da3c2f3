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
  count: 'sk_count',
} as const);

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
  readonly version: string;
  readonly payload: string;
  readonly createdAt: string | null;
  readonly ownerId: string | null;
  readonly namespace: string | null;

  constructor(mapping: TableMapping, dialect: SqlSyntax) {
    this.dialect = dialect;
    this.mapping = mapping;
    const q = (name: string) => dialect.quoteIdentifier(name);
    this.table =
      mapping.table.schema === null
        ? q(mapping.table.name)
        : `${q(mapping.table.schema)}.${q(mapping.table.name)}`;
    this.key = q(mapping.key);
    this.version = q(mapping.version);
    this.payload = q(mapping.payload);
    this.createdAt = mapping.createdAt === null ? null : q(mapping.createdAt);
    this.ownerId = mapping.ownerId === null ? null : q(mapping.ownerId);
    this.namespace = mapping.namespace === null ? null : q(mapping.namespace);
  }

  q(name: string): string {
    return this.dialect.quoteIdentifier(name);
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

  /** The columns a compare-and-set rewrites: version, payload, expiry, owner. */
  updateValues(row: Omit<InsertRow, 'key'>): Array<[column: string, value: SqlValue]> {
    const values: Array<[string, SqlValue]> = [
      [this.version, row.version],
      [this.payload, toBuffer(row.payload)],
      ...this.expiryValues(row.expiresAt, row.now),
    ];
    if (this.ownerId !== null) values.push([this.ownerId, row.ownerId]);
    return values;
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
    const owner = this.ownerId === null ? '' : `, ${this.ownerId} AS ${this.q(ALIAS.ownerId)}`;
    const text =
      `SELECT ${this.version} AS ${this.q(ALIAS.version)}, ${this.payload} AS ${this.q(ALIAS.payload)}, ` +
      `${this.expiry()} AS ${this.q(ALIAS.expiresAt)}${owner} FROM ${this.table} ` +
      `WHERE ${[`${this.key} = ${p.add(key)}`, ...this.scope(p)].join(' AND ')}`;
    return p.statement(text);
  }

  /** The compare-and-set: matches only the live row at `expectedVersion`; 0 rows is a conflict. */
  updateIfVersion(row: InsertRow, expectedVersion: number): Statement {
    const p = this.params();
    const set = this.assignments(p, this.updateValues(row));
    const where = [
      `${this.key} = ${p.add(row.key)}`,
      ...this.scope(p),
      `${this.version} = ${p.add(expectedVersion)}`,
      `${this.expiry()} > ${p.add(row.now)}`,
    ];
    return p.statement(
      this.dialect.writeStatement(`UPDATE ${this.table} SET ${set} WHERE ${where.join(' AND ')}`),
    );
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
    const set = this.assignments(p, this.expiryValues(expiresAt, now));
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
    return p.statement(
      `SELECT ${this.key} AS ${this.q(ALIAS.key)}, ${this.expiry()} AS ${this.q(ALIAS.expiresAt)} ` +
        `FROM ${this.table} WHERE ${where.join(' AND ')}`,
    );
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
