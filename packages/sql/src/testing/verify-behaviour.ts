/**
 * The `verify()` tests every SQL store runs against its real server: a good table, a missing
 * table, a Tomcat table without the columns sessionkit adds (the exact ALTER TABLE is named), a
 * column of the wrong type and the clock skew, computed from the server's reported time with an
 * injected app clock. Failures that need a user or a server of their own (a read-only user, a
 * wrong password, a stopped server) are in each dialect's test file.
 */
import { verifyProblems, verifyStatuses } from '@sessionkit/store-test-suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqlStore } from '../sql-store';
import { describeWithDatabase, dropTable, type KitPool, type SqlKit, testTable, tomcatOptions } from './kit';

/**
 * @param addColumn The exact statement verify must name for the missing `sk_version` of table `t`
 *   (the dialect's quoting and type), e.g. `ALTER TABLE "t" ADD COLUMN "sk_version" BIGINT NOT NULL DEFAULT 0`.
 */
export function verifyBehaviourTests(kit: SqlKit, addColumn: (table: string) => string): void {
  describeWithDatabase(kit, 'verify()', () => {
    let pool: KitPool;
    const tables: string[] = [];
    beforeAll(async () => {
      pool = await kit.connect();
    });
    afterAll(async () => {
      for (const table of tables) await dropTable(pool, table);
      await pool.end();
    });
    const table = (label: string) => {
      const name = testTable(label);
      tables.push(name);
      return name;
    };

    it('resolves a report for a table createSchema() made, with the skew from the server time', async () => {
      const store = kit.createStore(pool, { tableName: table('verify_ok'), pruneInterval: 0 });
      await store.createSchema();
      const report = await store.verify!();
      expect(report.ok).toBe(true);
      expect(verifyStatuses(report)).toMatchObject({
        reachable: 'ok',
        credentials: 'ok',
        schema: 'ok',
        write: 'ok',
        clock: 'ok',
        expiry: 'warning',
      });
      // Same machine: the skew is what the round trip blurs, far below a second.
      expect(Math.abs(report.clockSkewMs ?? Number.NaN)).toBeLessThan(1_000);
      // The probe row is gone.
      expect(await store.count()).toBe(0);
      await store.close();
    });

    it('reports the skew of an app clock ten minutes ahead of the server', async () => {
      const store = kit.createStore(pool, { tableName: table('verify_skew') });
      await store.createSchema();
      const problems = await verifyProblems(store.verify!({ clock: () => Date.now() + 600_000 }));
      expect(problems.map((p) => p.check)).toEqual(['clock']);
      expect(problems[0]?.message).toMatch(
        /^the server's clock is \d+ ms behind the app's, more than maxClockSkew \(5000 ms\)/,
      );
      const report = await store.verify!({ clock: () => Date.now() + 600_000, maxClockSkew: Infinity });
      expect(report.clockSkewMs).toBeLessThan(-599_000);
      await store.close();
    });

    it('names the missing table and how to create it', async () => {
      const name = table('verify_missing');
      const store = kit.createStore(pool, { tableName: name, pruneInterval: 0 });
      const problems = await verifyProblems(store.verify!());
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatchObject({ check: 'schema' });
      expect(problems[0]?.message).toContain(`the table ${name} does not exist`);
      expect(problems[0]?.fix).toMatch(/sessionkit schema \w+ --apply/);
      await store.close();
    });

    it('names the exact ALTER TABLE for each column a Tomcat table lacks', async () => {
      const name = table('verify_tomcat');
      // Tomcat's own table, without the two columns sessionkit adds.
      for (const statement of kit.tomcatTable(name).filter((ddl) => !/sk_version|sk_owner_id/.test(ddl))) {
        await pool.query(statement);
      }
      const store = kit.createStore(pool, tomcatOptions(name));
      const problems = await verifyProblems(store.verify!());
      expect(problems.map((p) => p.message)).toEqual([
        `column sk_version (version) is missing from ${name}`,
        `column sk_owner_id (ownerId) is missing from ${name}`,
      ]);
      expect(problems[0]?.fix).toBe(`${addColumn(name)};`);
      // Running the named statements fixes it.
      for (const problem of problems) await pool.query(problem.fix!.replace(/;$/, ''));
      expect((await store.verify!()).ok).toBe(true);
      await store.close();
    });

    it('names a column of the wrong type', async () => {
      const name = table('verify_type');
      const store = kit.createStore(pool, { tableName: name, pruneInterval: 0 });
      await store.createSchema();
      await pool.query(`ALTER TABLE ${name} DROP COLUMN expires_at`);
      await pool.query(`ALTER TABLE ${name} ADD expires_at VARCHAR(20) NULL`);
      const problems = await verifyProblems(store.verify!());
      expect(problems[0]?.message).toMatch(/column expires_at \(expiresAt\) is \w+/);
      expect(problems[0]?.fix).toContain('BIGINT');
      await store.close();
    });
  });
}

/** What a dialect's test file supplies for {@link verifyAccessTests}: stores that connect as others. */
export interface VerifyAccess {
  /** The table the read-only user may only SELECT from, as named in the GRANT fix. */
  quotedTable(): string;
  /** A store on that table, connected as a user with SELECT only. */
  readOnly(): SqlStore;
  /** A store connected with credentials the server refuses (`password` must not appear anywhere). */
  refused(password: string): SqlStore;
  /** A store pointed at `port` of 127.0.0.1, where nothing listens. */
  unreachable(port: number): SqlStore;
}

/** The failures that need a user or a server of the test's own; call inside the dialect's describe. */
export function verifyAccessTests(access: VerifyAccess, freePort: () => Promise<number>): void {
  it('finds a read-only user at the write probe and names the GRANT', async () => {
    const problems = await verifyProblems(access.readOnly().verify!());
    expect(problems.map((p) => p.check)).toEqual(['write']);
    expect(problems[0]?.message).toContain('the user may read but not write');
    expect(problems[0]?.fix).toBe(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${access.quotedTable()} TO <the store's user>`,
    );
  });

  it('reports credentials the server refuses, without the password', async () => {
    const wrong = 'not-the-password-4711';
    const problems = await verifyProblems(access.refused(wrong).verify!());
    expect(problems.map((p) => p.check)).toEqual(['credentials']);
    expect(problems[0]?.message).toContain('the server refused the credentials');
    expect(JSON.stringify(problems)).not.toContain(wrong);
  });

  it('reports a server that is not running (an unused port)', async () => {
    const problems = await verifyProblems(access.unreachable(await freePort()).verify!({ timeout: 2_000 }));
    expect(problems.map((p) => p.check)).toEqual(['reachable']);
    expect(problems[0]?.message).toMatch(/could not be reached: .*ECONNREFUSED|did not answer/);
  });
}

export { verifyProblems };
