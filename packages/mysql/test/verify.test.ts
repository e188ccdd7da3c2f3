import { randomBytes } from 'node:crypto';
import {
  describeWithDatabase,
  testTable,
  verifyAccessTests,
  verifyBehaviourTests,
} from '@sessionkit/sql/testing';
import { findFreePortRange } from '@sessionkit/testing';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll } from 'vitest';
import { createMysqlStore, type MysqlPool } from '../src/index';
import { mysqlKit } from './helpers';

const kit = await mysqlKit();
verifyBehaviourTests(
  kit,
  (table) => `ALTER TABLE \`${table}\` ADD COLUMN \`sk_version\` BIGINT NOT NULL DEFAULT 0`,
);

describeWithDatabase(kit, 'verify() with the wrong user, password or server', () => {
  const url = kit.provisioned.available ? new URL(kit.provisioned.url) : new URL('mysql://x');
  const user = `sk_verify_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const table = testTable('verify_ro');
  let admin: mysql.Pool;
  const pools: mysql.Pool[] = [];
  const poolAs = (name: string, secret: string, port = Number(url.port || 3306)) => {
    const pool = mysql.createPool({
      host: url.hostname,
      port,
      database: url.pathname.slice(1),
      user: name,
      password: secret,
      connectTimeout: 3_000,
    });
    pools.push(pool);
    return pool as unknown as MysqlPool;
  };

  beforeAll(async () => {
    admin = mysql.createPool({ uri: kit.provisioned.available ? kit.provisioned.url : '' });
    await createMysqlStore(admin as unknown as MysqlPool, {
      tableName: table,
      pruneInterval: 0,
    }).createSchema();
    // A test-owned user that may read the table but not write it; dropped in afterAll.
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
    await admin.query(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`);
    for (const host of ['%', 'localhost']) {
      await admin.query(`GRANT SELECT ON \`${url.pathname.slice(1)}\`.\`${table}\` TO '${user}'@'${host}'`);
    }
  });
  afterAll(async () => {
    for (const pool of pools) await pool.end();
    await admin.query(`DROP TABLE IF EXISTS ${table}`);
    await admin.query(`DROP USER IF EXISTS '${user}'@'%', '${user}'@'localhost'`);
    await admin.end();
  });

  const options = { tableName: table, pruneInterval: 0 };
  verifyAccessTests(
    {
      quotedTable: () => `\`${table}\``,
      readOnly: () => createMysqlStore(poolAs(user, password), options),
      refused: (wrong) => createMysqlStore(poolAs(user, wrong), options),
      unreachable: (port) => createMysqlStore(poolAs(user, password, port), options),
    },
    () => findFreePortRange(1),
  );
});
