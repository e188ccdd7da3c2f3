/**
 * The parts of `sessionkit schema` that go beyond printing DDL: applying it to a store given by
 * URL (`--apply -s URL`), MongoDB's indexes, and the ALTER TABLE statements for a mapping onto an
 * existing table (`--for-mapping FILE`).
 */
import { readFile } from 'node:fs/promises';
import { createStoreFromConfig, isSessionError } from '@sessionkit/core';
import { SESSION_INDEXES } from '@sessionkit/mongodb';
import { mssqlVerify } from '@sessionkit/mssql';
import { mysqlVerify } from '@sessionkit/mysql';
import { postgresVerify } from '@sessionkit/postgres';
import { alterStatementsFor, type SqlStoreOptions, type SqlVerifySpec } from '@sessionkit/sql';
import { UsageError } from '../io';

/** Every dialect `schema` knows: the SQL ones and MongoDB (indexes only). */
export type SchemaTarget = 'mysql' | 'postgres' | 'mssql' | 'mongodb';

/** The URL schemes of each target, so `--apply` refuses a URL of another database. */
const SCHEMES: Readonly<Record<SchemaTarget, readonly string[]>> = {
  postgres: ['postgres', 'postgresql'],
  mysql: ['mysql', 'mariadb'],
  mssql: ['mssql', 'sqlserver'],
  mongodb: ['mongodb', 'mongodb+srv'],
};

const SPECS: Readonly<Record<Exclude<SchemaTarget, 'mongodb'>, SqlVerifySpec>> = {
  postgres: postgresVerify,
  mysql: mysqlVerify,
  mssql: mssqlVerify,
};

/** MongoDB's indexes as mongosh commands, for a migration script or a shell. */
export function mongoIndexCommands(collection: string): string[] {
  return SESSION_INDEXES.map((spec) => {
    const options = [
      ...(spec.expireAfterSeconds === undefined ? [] : [`expireAfterSeconds: ${spec.expireAfterSeconds}`]),
      ...(spec.sparse ? ['sparse: true'] : []),
    ];
    const key = Object.keys(spec.key).map((field) => `${field}: 1`);
    return `db.getCollection(${JSON.stringify(collection)}).createIndex({ ${key.join(', ')} }, { ${options.join(', ')} })`;
  });
}

/**
 * Creates the table and its indexes (MongoDB: the indexes) of the store at `url`, idempotently,
 * through `createStoreFromConfig(url, { createSchema: true })`. Resolves the store's description.
 */
export async function applySchema(target: SchemaTarget, url: string): Promise<string> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined || !SCHEMES[target].includes(scheme)) {
    throw new UsageError(
      `--store must be a ${SCHEMES[target].map((s) => `${s}:`).join(' or ')} URL for ${target} (got ${scheme ? `${scheme}:` : 'no scheme'}).`,
      'schema',
    );
  }
  let store: Awaited<ReturnType<typeof createStoreFromConfig>>;
  try {
    // Resolved from this package first: the CLI depends on the store packages itself.
    store = await createStoreFromConfig(url, { createSchema: true, importModule: (name) => import(name) });
  } catch (error) {
    if (isSessionError(error, 'SESSION_CONFIG_INVALID')) throw new UsageError(error.message, 'schema');
    throw error;
  }
  await store.close();
  return store.description;
}

/** The store options of a mapping file: JSON with tableName, columns, expiry, fixedValues, namespace. */
export async function readMapping(file: string): Promise<SqlStoreOptions> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`--for-mapping ${file}: ${(error as Error).message}`, 'schema');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(
      `--for-mapping ${file}: expected a JSON object of store options ({ "tableName": …, "columns": { … } }).`,
      'schema',
    );
  }
  return parsed as SqlStoreOptions;
}

/** The ALTER TABLE statements for a mapping (see alterStatementsFor in @sessionkit/sql). */
export function alterFor(target: SchemaTarget, options: SqlStoreOptions): string[] {
  if (target === 'mongodb')
    throw new UsageError('--for-mapping is for SQL tables; MongoDB has no columns.', 'schema');
  try {
    return alterStatementsFor(options, SPECS[target]);
  } catch (error) {
    if (isSessionError(error, 'SESSION_CONFIG_INVALID'))
      throw new UsageError(`--for-mapping: ${error.message}`, 'schema');
    throw error;
  }
}
