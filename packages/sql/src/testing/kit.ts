/**
 * The test kit the MySQL, PostgreSQL and SQL Server test files share, and that a store for
 * another SQL database can use: one small adapter per database (a pool, raw SQL, the store
 * factory), and here everything built on it: table lifecycle, the raw back-door reader and
 * conformance setups. The raw reader writes its own SQL against the documented schema instead of
 * reusing the store's statements, so a wrong statement in the store cannot hide behind an equally
 * wrong reader. How the database is found (a URL, a container, a private server) is the caller's
 * business: the kit only reads whether it is there.
 */
import { randomBytes } from 'node:crypto';
import type { ConformanceTarget, Corruption, RawReader, RawWriter } from '@sessionkit/store-test-suite';
import { describe } from 'vitest';
import type { SqlStoreOptions } from '../options';
import type { SqlStore } from '../sql-store';

/** One row of a raw query, by column name. */
export type Row = Record<string, unknown>;

/** A pool of one database, owned by a test file. */
export interface KitPool {
  /** The driver's pool, as the store factory takes it. */
  readonly driver: unknown;
  /** Raw SQL with `?` placeholders (converted to the driver's own), bypassing the store. */
  query(text: string, values?: readonly unknown[]): Promise<Row[]>;
  end(): Promise<void>;
}

/**
 * Whether the kit's database is there: its URL when it is, the reason to skip otherwise. The
 * repository's own provisioning result (a URL from the environment, a container or a private
 * server) has this shape, with more fields.
 */
export type KitDatabase =
  | { readonly available: true; readonly url: string }
  | { readonly available: false; readonly reason: string };

/**
 * What each dialect's test helpers provide. `Database` is the caller's own provisioning result,
 * kept as is so that its extra fields stay typed where the caller reads them.
 */
export interface SqlKit<Database extends KitDatabase = KitDatabase> {
  /** 'postgres', 'mysql', 'mssql': also the first part of every test table's name. */
  readonly name: string;
  readonly provisioned: Database;
  connect(): Promise<KitPool>;
  createStore(pool: KitPool, options?: SqlStoreOptions): SqlStore;
  /**
   * DDL of a table laid out like Tomcat's JDBCStore documentation (session_id, valid_session,
   * max_inactive, last_access, app_name, session_data), plus the two columns sessionkit needs
   * added: sk_version and sk_owner_id.
   */
  tomcatTable(table: string): string[];
  /** Casts an integer expression to 64 bits in this dialect (CAST … AS BIGINT / SIGNED). */
  bigint(expression: string): string;
  /** True when the dialect sends queued compare-and-sets as one statement (combinedUpdates). */
  readonly combinesWrites?: boolean;
}

/**
 * A describe block that needs the kit's database. Without one it is skipped with the reason in
 * its title and on stderr (the default reporter only counts skips), never silently passed.
 */
export function describeWithDatabase(kit: SqlKit, title: string, body: () => void): void {
  const full = `${kit.name}: ${title}`;
  if (kit.provisioned.available) {
    describe(full, body);
    return;
  }
  console.warn(`[sessionkit] ${full}: skipped, ${kit.provisioned.reason}`);
  // `name [skipped: <reason>]`: the title format that test summaries read skip reasons from.
  describe.skip(`${full} [skipped: ${kit.provisioned.reason}]`, body);
}

/**
 * A random table name for one test, `sk_test_<label>_<hex>`, so suites can run in parallel on one
 * server. The label is lowercased to `[a-z0-9_]` and cut to 24 characters, which keeps the name a
 * valid identifier in every dialect (MySQL allows 64 characters).
 */
export function testTable(label: string): string {
  const clean = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .slice(0, 24);
  return `sk_test_${clean}_${randomBytes(6).toString('hex')}`;
}

/** Drops a test table, if it is there. */
export async function dropTable(pool: KitPool, table: string): Promise<void> {
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
}

/** How the raw reader finds things in a table; plain lowercase names, valid in all three dialects. */
export interface RawLayout {
  key: string;
  version: string;
  payload: string;
  /** An SQL expression for the absolute expiry in epoch ms. */
  expires: string;
  owner: string | null;
  namespace: { column: string; value: string } | null;
  /** The assignment that stores an absolute expiry given as the one `?` value. */
  setExpiry: string;
  /** The value of {@link setExpiry} that makes the expiry negative. @default -5000 */
  negativeExpiry?: number;
  /** The payload column accepts NULL (Tomcat's session_data does; sessionkit's own does not). */
  nullablePayload: boolean;
}

/** The layout of the table createSchema() makes with the default options. */
export const DEFAULT_RAW_LAYOUT: RawLayout = {
  key: 'session_key',
  version: 'version',
  payload: 'payload',
  expires: 'expires_at',
  owner: 'owner_id',
  namespace: { column: 'app', value: '' },
  setExpiry: 'expires_at = ?',
  nullablePayload: false,
};

/** The layout of the Tomcat-style table of {@link SqlKit.tomcatTable}. */
export function tomcatRawLayout(kit: SqlKit): RawLayout {
  return {
    key: 'session_id',
    version: 'sk_version',
    payload: 'session_data',
    // Widened to 64 bits first: max_inactive is an INT, and INT × 1000 overflows in PostgreSQL and SQL Server.
    expires: `(last_access + ${kit.bigint('max_inactive')} * 1000)`,
    owner: 'sk_owner_id',
    namespace: { column: 'app_name', value: '/tomcat-app' },
    setExpiry: 'last_access = ?, max_inactive = 0',
    nullablePayload: true,
  };
}

/** The store options that map onto the Tomcat table of {@link SqlKit.tomcatTable}. */
export function tomcatOptions(table: string): SqlStoreOptions {
  return {
    tableName: table,
    columns: {
      key: 'session_id',
      version: 'sk_version',
      payload: 'session_data',
      ownerId: 'sk_owner_id',
      namespace: 'app_name',
      createdAt: null,
      details: null,
      activeAt: null,
    },
    expiry: { lastAccessColumn: 'last_access', maxInactiveColumn: 'max_inactive' },
    fixedValues: { valid_session: '1' },
    namespace: '/tomcat-app',
    pruneInterval: 0,
  };
}

/**
 * The store options that map onto the Tomcat table exactly as Tomcat documents it, with none of
 * sessionkit's columns added: no version column (last_access is the compare-and-set token), no
 * owner column (so no owner index).
 */
export function tomcatSeedOptions(table: string): SqlStoreOptions {
  const options = tomcatOptions(table);
  return { ...options, columns: { ...options.columns, version: null, ownerId: null } };
}

/** The raw layout of that table: the version read back is last_access. */
export function tomcatSeedRawLayout(kit: SqlKit): RawLayout {
  // last_access is the version here: the expiry goes negative through the seconds alone.
  return {
    ...tomcatRawLayout(kit),
    version: 'last_access',
    owner: null,
    setExpiry: 'max_inactive = ?',
    negativeExpiry: -2_000_000_000,
  };
}

/**
 * The DDL of the documented Tomcat table alone: {@link SqlKit.tomcatTable} without the statements
 * that add sessionkit's columns (each of them names an `sk_` column).
 */
export function tomcatSeedTable(kit: SqlKit, table: string): string[] {
  return kit.tomcatTable(table).filter((statement) => !/\bsk_/.test(statement.replaceAll(table, '')));
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return String(value);
}

/** The back door into one table (and namespace) that the conformance suite reads through. */
export function rawReader(pool: KitPool, table: string, layout: RawLayout): RawReader {
  const scope = layout.namespace === null ? '' : ` AND ${layout.namespace.column} = ?`;
  const scopeValues = layout.namespace === null ? [] : [layout.namespace.value];
  return {
    async read(key) {
      const rows = await pool.query(
        `SELECT ${layout.version} AS v, ${layout.payload} AS p, ${layout.expires} AS e, ` +
          `${layout.owner ?? 'NULL'} AS o FROM ${table} WHERE ${layout.key} = ?${scope}`,
        [key, ...scopeValues],
      );
      const row = rows[0];
      if (row === undefined) return null;
      if (rows.length > 1) throw new Error(`${rows.length} rows hold the key ${JSON.stringify(key)}`);
      return {
        payload: new Uint8Array(row.p as Uint8Array),
        version: Number(row.v),
        expiresAt: Number(row.e),
        ownerId: asText(row.o),
      };
    },
    async list() {
      const where = layout.namespace === null ? '' : ` WHERE ${layout.namespace.column} = ?`;
      const rows = await pool.query(`SELECT ${layout.key} AS k FROM ${table}${where}`, scopeValues);
      return rows.map((row) => asText(row.k) ?? '');
    },
  };
}

/**
 * The write side of the back door: breaks a row in place with its own UPDATE, as a script or a
 * migration gone wrong could. Typed columns limit what a row can hold: BIGINT version and expiry
 * columns cannot hold text or fractions, and a payload column holds only bytes.
 */
export function rawWriter(pool: KitPool, table: string, layout: RawLayout): RawWriter {
  const scope = layout.namespace === null ? '' : ` AND ${layout.namespace.column} = ?`;
  const scopeValues = layout.namespace === null ? [] : [layout.namespace.value];
  const updates: Partial<Record<Corruption, [string, unknown]>> = {
    'version-negative': [`${layout.version} = ?`, -3],
    'expiry-negative': [layout.setExpiry, layout.negativeExpiry ?? -5_000],
    ...(layout.nullablePayload ? { 'payload-missing': [`${layout.payload} = NULL`, undefined] } : {}),
  };
  return {
    corruptions: Object.keys(updates) as Corruption[],
    async corrupt(key, corruption) {
      const update = updates[corruption];
      if (update === undefined) throw new Error(`rawWriter: this table cannot hold ${corruption}`);
      const [assignment, value] = update;
      const values = value === undefined ? [] : [value];
      await pool.query(`UPDATE ${table} SET ${assignment} WHERE ${layout.key} = ?${scope}`, [
        ...values,
        key,
        ...scopeValues,
      ]);
    },
  };
}

/** A conformance setup: a fresh table per test, created by the store's own createSchema(). */
export function defaultSetup(kit: SqlKit, pool: KitPool): () => Promise<ConformanceTarget> {
  return async () => {
    const table = testTable(kit.name);
    const store = kit.createStore(pool, { tableName: table, pruneInterval: 0 });
    await store.createSchema();
    return {
      store,
      raw: rawReader(pool, table, DEFAULT_RAW_LAYOUT),
      rawWriter: rawWriter(pool, table, DEFAULT_RAW_LAYOUT),
      teardown: () => dropTable(pool, table),
    };
  };
}

/**
 * A conformance setup where the store works in namespace 'tenant-a' of a table that also holds
 * rows of another app ('tenant-b', one live and one expired, under other keys). Teardown fails
 * if anything the store did (clear, prune, destroyByOwner…) touched those rows.
 */
export function namespacedSetup(kit: SqlKit, pool: KitPool): () => Promise<ConformanceTarget> {
  return async () => {
    const table = testTable(`${kit.name}_ns`);
    const neighbour = kit.createStore(pool, { tableName: table, namespace: 'tenant-b', pruneInterval: 0 });
    await neighbour.createSchema();
    const noise = [
      { key: randomBytes(16).toString('hex'), expiresAt: Date.now() + 3_600_000 },
      { key: randomBytes(16).toString('hex'), expiresAt: Date.now() - 3_600_000 },
    ];
    for (const { key, expiresAt } of noise) {
      await neighbour.set(key, { payload: new Uint8Array([7]), version: 1, expiresAt, ownerId: 'alice' });
    }
    const store = kit.createStore(pool, { tableName: table, namespace: 'tenant-a', pruneInterval: 0 });
    const tenantA = { ...DEFAULT_RAW_LAYOUT, namespace: { column: 'app', value: 'tenant-a' } };
    return {
      store,
      raw: rawReader(pool, table, tenantA),
      rawWriter: rawWriter(pool, table, tenantA),
      teardown: async () => {
        const rows = await pool.query(`SELECT session_key AS k FROM ${table} WHERE app = ?`, ['tenant-b']);
        await dropTable(pool, table);
        const left = rows.map((row) => asText(row.k)).sort();
        const expected = noise.map(({ key }) => key).sort();
        if (JSON.stringify(left) !== JSON.stringify(expected)) {
          throw new Error(`the store changed rows of another namespace: ${JSON.stringify(left)}`);
        }
      },
    };
  };
}

/**
 * A conformance setup on the Tomcat table exactly as documented (no column added), mapped with
 * tomcatSeedOptions(). Run it with `expiryResolutionMs: 1000`: a touch there can only change the
 * whole seconds of max_inactive.
 */
export function tomcatSeedSetup(kit: SqlKit, pool: KitPool): () => Promise<ConformanceTarget> {
  return async () => {
    const table = testTable(`${kit.name}_seed`);
    for (const statement of tomcatSeedTable(kit, table)) await pool.query(statement);
    return {
      store: kit.createStore(pool, tomcatSeedOptions(table)),
      raw: rawReader(pool, table, tomcatSeedRawLayout(kit)),
      rawWriter: rawWriter(pool, table, tomcatSeedRawLayout(kit)),
      teardown: () => dropTable(pool, table),
    };
  };
}

/** A conformance setup on a Tomcat-style table, mapped with tomcatOptions(). */
export function tomcatSetup(kit: SqlKit, pool: KitPool): () => Promise<ConformanceTarget> {
  return async () => {
    const table = testTable(`${kit.name}_tomcat`);
    for (const statement of kit.tomcatTable(table)) await pool.query(statement);
    return {
      store: kit.createStore(pool, tomcatOptions(table)),
      raw: rawReader(pool, table, tomcatRawLayout(kit)),
      rawWriter: rawWriter(pool, table, tomcatRawLayout(kit)),
      teardown: () => dropTable(pool, table),
    };
  };
}
