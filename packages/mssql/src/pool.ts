import type { SqlExecutor, SqlValue } from '@sessionkit/sql';

/** The part of an mssql `Request` the store uses. */
export interface MssqlRequest {
  /** `input(name, type, value)`: the store declares the type of every parameter. */
  input(name: string, type: unknown, value?: unknown): unknown;
  query(command: string): Promise<{ recordset?: unknown[]; rowsAffected?: number[] }>;
}

/**
 * What the store needs from an mssql `ConnectionPool`: `request()`. Pass a connected pool
 * (`await pool.connect()`); the store never connects or closes it. Typed structurally so this
 * package never loads mssql before its first query.
 */
export interface MssqlPool {
  request(): MssqlRequest;
}

/** The longest NVARCHAR that is not NVARCHAR(MAX). */
const NVARCHAR_LIMIT = 4000;

/**
 * The SQL Server type a parameter is declared with, by name (the mssql type of the same name is
 * looked up at run time).
 */
export type MssqlParameterType =
  | { readonly type: 'NVarChar'; readonly length: number | 'MAX' }
  | { readonly type: 'VarBinary'; readonly length: 'MAX' }
  | { readonly type: 'BigInt' }
  | { readonly type: 'Float' }
  | { readonly type: 'Bit' };

/**
 * The declared type of one value. Declared rather than left to mssql's inference, which follows
 * the app's `mssql.map` (an app that maps String to VarChar would send non-Latin keys and owner
 * ids as '?', aliasing them). Strings are NVARCHAR(4000) (one cached plan whatever their length,
 * and no conversion of the NVARCHAR key and owner columns, so their indexes are used) or
 * NVARCHAR(MAX) beyond that; integers BIGINT (epoch milliseconds overflow INT); payloads
 * VARBINARY(MAX); NULL (no owner) is typed like the owner column.
 */
export function parameterType(value: SqlValue): MssqlParameterType {
  if (value === null) return { type: 'NVarChar', length: NVARCHAR_LIMIT };
  if (typeof value === 'string') {
    return { type: 'NVarChar', length: value.length <= NVARCHAR_LIMIT ? NVARCHAR_LIMIT : 'MAX' };
  }
  if (typeof value === 'number') return Number.isInteger(value) ? { type: 'BigInt' } : { type: 'Float' };
  if (typeof value === 'boolean') return { type: 'Bit' };
  return { type: 'VarBinary', length: 'MAX' };
}

/** The mssql data types, as the module exports them (`sql.NVarChar`, `sql.MAX`, …). */
interface MssqlTypes {
  MAX: number;
  NVarChar(length: number): unknown;
  VarBinary(length: number): unknown;
  BigInt: unknown;
  Float: unknown;
  Bit: unknown;
  ConnectionPool: abstract new (...args: never[]) => unknown;
}

/** mssql's own type object for a declared type. */
function driverType(types: MssqlTypes, declared: MssqlParameterType): unknown {
  switch (declared.type) {
    case 'NVarChar':
      return types.NVarChar(declared.length === 'MAX' ? types.MAX : declared.length);
    case 'VarBinary':
      return types.VarBinary(types.MAX);
    default:
      return types[declared.type];
  }
}

/**
 * mssql, loaded on the first query. mssql recognises its types by identity, so they must come
 * from the copy of mssql that made the pool: with another copy (a bundle, a second install) the
 * store keeps mssql's inference and warns once, rather than sending types mssql cannot read.
 */
async function typesFor(pool: MssqlPool): Promise<MssqlTypes | null> {
  let loaded: { default?: MssqlTypes } & Partial<MssqlTypes>;
  try {
    loaded = (await import('mssql')) as typeof loaded;
  } catch {
    loaded = {};
  }
  const types = (loaded.ConnectionPool ? loaded : loaded.default) as MssqlTypes | undefined;
  // The base class that tedious' and msnodesqlv8's pools both extend: the types are shared.
  const base = types?.ConnectionPool ? (Object.getPrototypeOf(types.ConnectionPool) as unknown) : undefined;
  const poolClass = typeof base === 'function' && base !== Function.prototype ? base : types?.ConnectionPool;
  if (types && typeof poolClass === 'function' && pool instanceof poolClass) return types;
  process.emitWarning(
    'sessionkit SQL Server store: the pool does not come from the mssql package this store loads ' +
      '(a second copy of mssql?), so parameters are sent with the types mssql infers; non-Latin ' +
      'keys and owner ids are safe only while mssql maps String to NVarChar (its default).',
    { code: 'SESSIONKIT_MSSQL_TYPES' },
  );
  return null;
}

/** A payload as a Buffer (tedious writes VARBINARY from Buffers), without copying. */
function bindable(value: SqlValue): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}

/** The executor of the shared SQL layer, on the app's pool: `@p1`, `@p2`…, each with its declared type. */
export function mssqlExecutor(pool: MssqlPool): SqlExecutor {
  let types: Promise<MssqlTypes | null> | undefined;
  return async ({ text, values }) => {
    types ??= typesFor(pool);
    const resolved = await types;
    const request = pool.request();
    values.forEach((value, index) => {
      const name = `p${index + 1}`;
      if (resolved === null) request.input(name, bindable(value));
      else request.input(name, driverType(resolved, parameterType(value)), bindable(value));
    });
    const result = await request.query(text);
    const affected = (result.rowsAffected ?? []).reduce((sum, count) => sum + count, 0);
    return { rows: (result.recordset ?? []) as Array<Record<string, unknown>>, affected };
  };
}

/**
 * The pool's `pool.max` (mssql's default is 10), as the pool holds it, for the store's read
 * coalescing; undefined for an object that is not a ConnectionPool. The SQL layer checks the
 * value: anything but a whole number ≥ 1 means every read goes out alone.
 */
export function mssqlConnections(pool: MssqlPool): unknown {
  const config = (pool as { config?: { pool?: { max?: unknown } } | null }).config;
  if (config === undefined || config === null || typeof config !== 'object') return undefined;
  return config.pool?.max ?? 10;
}
