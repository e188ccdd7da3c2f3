import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tomcatOptions } from '@sessionkit/sql/testing';
import { type Provisioned, suiteTitle, uniquePrefix, useBackend } from '@sessionkit/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCli } from '../src/index';

async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sk-cli-verify-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sessionkit schema: printing', () => {
  test('--json gives the statements; the text output is unchanged', async () => {
    const text = await run('schema', 'postgres', '--table', 'sessions');
    const json = await run('schema', 'postgres', '--table', 'sessions', '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as { dialect: string; statements: string[] };
    expect(parsed.dialect).toBe('postgres');
    expect(text.stdout).toBe(`${parsed.statements.join(';\n\n')};\n`);
  });

  test('mongodb prints the createIndex commands of the TTL and owner indexes', async () => {
    const { code, stdout } = await run('schema', 'mongodb', '--table', 'sessions');
    expect(code).toBe(0);
    expect(stdout).toBe(
      'db.getCollection("sessions").createIndex({ expiresAt: 1 }, { expireAfterSeconds: 300 });\n' +
        'db.getCollection("sessions").createIndex({ ownerId: 1 }, { sparse: true });\n',
    );
  });

  test('--for-mapping prints the exact ALTER TABLE for the columns sessionkit adds to a Tomcat table', async () => {
    const file = join(dir, 'tomcat.json');
    await writeFile(file, JSON.stringify(tomcatOptions('tomcat_sessions')));

    expect(await run('schema', 'mysql', '--for-mapping', file)).toEqual({
      code: 0,
      stdout:
        'ALTER TABLE `tomcat_sessions` ADD COLUMN `sk_version` BIGINT NOT NULL DEFAULT 0;\n' +
        'ALTER TABLE `tomcat_sessions` ADD COLUMN `sk_owner_id` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;\n',
      stderr: '',
    });
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ columns: { version: 'x; DROP TABLE users' } }));
    const refused = await run('schema', 'postgres', '--for-mapping', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--for-mapping: .*columns\.version/);
  });

  test('--apply refuses a URL of another database, and --store without --apply', async () => {
    const other = await run('schema', 'postgres', '--apply', '-s', 'redis://127.0.0.1:6379');
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      '--store must be a postgres: or postgresql: URL for postgres (got redis:)',
    );
    expect((await run('schema', 'postgres', '-s', 'postgres://h/db')).code).toBe(2);
  });
});

describe('sessionkit verify on a file store', () => {
  test('exit 0 with the report; --json for machines', async () => {
    const url = `file://${dir}/sessions`;
    // The CLI opens stores with mustExist: the directory must be there.
    await mkdir(join(dir, 'sessions'));
    const human = await run('verify', '-s', url);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`File store in ${dir}/sessions: ok`);
    expect(human.stdout).toContain('ok [write] a probe record was written, read back and deleted');
    const json = await run('verify', '-s', url, '--json');
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: true, clockSkewMs: expect.any(Number) });
  });
});

const postgres: Provisioned = await useBackend('postgres');
describe.skipIf(!postgres.available)(suiteTitle('schema --apply and verify on PostgreSQL', postgres), () => {
  let pool: pg.Pool;
  const table = uniquePrefix('cli_verify')
    .replace(/[^a-z0-9_]/gi, '_')
    .toLowerCase();
  const url = () => (postgres.available ? `${postgres.url}?table=${table}` : '');
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: postgres.available ? postgres.url : '' });
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });

  test('verify exits 1 naming the missing table; schema --apply creates it (twice: idempotent); verify then exits 0', async () => {
    const missing = await run('verify', '-s', url());
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain(`PROBLEM [schema] the table ${table} does not exist`);
    expect(missing.stdout).toContain('fix: create it: sessionkit schema postgres --apply');
    for (let i = 0; i < 2; i++) {
      const applied = await run('schema', 'postgres', '--apply', '-s', url(), '--json');
      expect(applied.code).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({
        applied: true,
        store: expect.stringContaining(table),
      });
    }
    const json = await run('verify', '-s', url(), '--json');
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as {
      ok: boolean;
      checks: Array<{ check: string; status: string }>;
    };
    expect(report.ok).toBe(true);
    expect(report.checks.find((c) => c.check === 'write')?.status).toBe('ok');
    // The URL's password never reaches the output.
    expect(json.stdout).not.toMatch(/:[^@/]+@/);
  });
});
