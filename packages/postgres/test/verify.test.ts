import { randomBytes } from 'node:crypto';
import {
  describeWithDatabase,
  testTable,
  verifyAccessTests,
  verifyBehaviourTests,
} from '@sessionkit/sql/testing';
import { findFreePortRange } from '@sessionkit/testing';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresStore } from '../src/index';
import { postgresKit } from './helpers';

const kit = await postgresKit();
verifyBehaviourTests(
  kit,
  (table) => `ALTER TABLE "${table}" ADD COLUMN "sk_version" BIGINT NOT NULL DEFAULT 0`,
);

describeWithDatabase(kit, 'verify() with the wrong user, password or server', () => {
  const url = kit.provisioned.available ? new URL(kit.provisioned.url) : new URL('postgres://x');
  const role = `sk_verify_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const table = testTable('verify_ro');
  let admin: pg.Pool;
  const pools: pg.Pool[] = [];
  const poolAs = (user: string, secret: string, port = url.port) => {
    const pool = new pg.Pool({
      host: url.hostname,
      port: Number(port || 5432),
      database: url.pathname.slice(1),
      user,
      password: secret,
      connectionTimeoutMillis: 3_000,
    });
    pool.on('error', () => {});
    pools.push(pool);
    return pool;
  };

  beforeAll(async () => {
    admin = new pg.Pool({ connectionString: kit.provisioned.available ? kit.provisioned.url : '' });
    await createPostgresStore(admin, { tableName: table, pruneInterval: 0 }).createSchema();
    // A test-owned role that may read the table but not write it; dropped in afterAll.
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    await admin.query(`GRANT SELECT ON ${table} TO ${role}`);
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
  });

  const options = { tableName: table, pruneInterval: 0 };
  // The servers here trust local connections (no password is checked), so the credentials the
  // server refuses are a role it does not know; the MariaDB test checks a wrong password.
  verifyAccessTests(
    {
      quotedTable: () => `"${table}"`,
      readOnly: () => createPostgresStore(poolAs(role, password), options),
      refused: (wrong) => createPostgresStore(poolAs(`${role}_unknown`, wrong), options),
      unreachable: (port) => createPostgresStore(poolAs(role, password, String(port)), options),
    },
    () => findFreePortRange(1),
  );
});
