import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { schemaSql as mssqlSchema } from '@sessionkit/mssql';
import { schemaSql as mysqlSchema } from '@sessionkit/mysql';
import { schemaSql as postgresSchema } from '@sessionkit/postgres';
import { describe, expect, test } from 'vitest';
import { runCli } from '../src/index';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

/** Runs the real `sessionkit` entry in a child process (TypeScript through tsx, no build needed). */
function sessionkit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', bin, ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, TSX_TSCONFIG_PATH: join(repoRoot, 'tsconfig.json'), NO_COLOR: '1' },
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') return reject(error);
        resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Runs the CLI in-process with collected output. */
async function run(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('sessionkit (child process)', () => {
  test('schema postgres prints the PostgreSQL DDL and exits 0', async () => {
    const { code, stdout, stderr } = await sessionkit('schema', 'postgres');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(postgresSchema());
  });

  test('schema mysql --table NAME uses the table name', async () => {
    const { code, stdout } = await sessionkit('schema', 'mysql', '--table', 'app_sessions');
    expect(code).toBe(0);
    expect(stdout).toBe(mysqlSchema({ tableName: 'app_sessions' }));
    expect(stdout).toContain('CREATE TABLE IF NOT EXISTS `app_sessions`');
  });

  test('an unknown dialect exits 2 with the reason on stderr and nothing on stdout', async () => {
    const { code, stdout, stderr } = await sessionkit('schema', 'oracle');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('unknown dialect "oracle"; use mysql, postgres, mssql or mongodb.');
    expect(stderr).toContain("Run 'sessionkit schema --help' for usage.");
  });

  test('an invalid table name exits 2 and says what a valid name is', async () => {
    const { code, stdout, stderr } = await sessionkit(
      'schema',
      'mssql',
      '--table',
      'x]; DROP TABLE users; --',
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/--table: tableName must be a plain SQL identifier/);
  });

  test('--help lists the commands', async () => {
    const { code, stdout } = await sessionkit('--help');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: sessionkit <command> \[options\]/);
    expect(stdout).toMatch(/schema +print the DDL of the session table/);
    for (const command of ['count', 'prune', 'revoke', 'inspect']) expect(stdout).toContain(`  ${command} `);
  });

  test('the bin entry starts with a shebang', () => {
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});

describe('runCli (in process)', () => {
  test('every dialect, its aliases, and the three spellings of the table option', async () => {
    expect((await run('schema', 'mssql')).stdout).toBe(mssqlSchema());
    expect((await run('schema', 'mariadb')).stdout).toBe(mysqlSchema());
    expect((await run('schema', 'PostgreSQL')).stdout).toBe(postgresSchema());
    const qualified = postgresSchema({ tableName: 'auth.sessions' });
    expect((await run('schema', 'pg', '-t', 'auth.sessions')).stdout).toBe(qualified);
    expect((await run('schema', 'postgres', '--table=auth.sessions')).stdout).toBe(qualified);
    expect((await run('schema', '--table', 'auth.sessions', 'postgres')).stdout).toBe(qualified);
  });

  test('help: top level, per command, and `help`', async () => {
    expect(await run('help')).toMatchObject({ code: 0, stderr: '' });
    const schemaHelp = await run('schema', '--help');
    expect(schemaHelp.code).toBe(0);
    expect(schemaHelp.stdout).toMatch(
      /^Usage: sessionkit schema <mysql\|postgres\|mssql\|mongodb> \[--table NAME\]/,
    );
    expect((await run('schema', 'postgres', '-h')).stdout).toBe(schemaHelp.stdout);
  });

  test('schema --help says what each dialect prints, and each claim is in that DDL (issue 14.9)', async () => {
    const { stdout } = await run('schema', '--help');
    // SQL Server has no CREATE TABLE IF NOT EXISTS; the help used to claim it for every dialect.
    expect(stdout).not.toMatch(/CREATE TABLE IF NOT EXISTS with its indexes/);
    const claims: Array<[string, RegExp, string[]]> = [
      [
        'postgres',
        /^ {2}postgres +CREATE TABLE IF NOT EXISTS, then CREATE INDEX IF NOT EXISTS/m,
        ['CREATE TABLE IF NOT EXISTS', 'CREATE INDEX IF NOT EXISTS'],
      ],
      [
        'mysql',
        /^ {2}mysql +CREATE TABLE IF NOT EXISTS, the indexes declared inside it \(KEY/m,
        ['CREATE TABLE IF NOT EXISTS', '  KEY '],
      ],
      [
        'mssql',
        /^ {2}mssql +IF OBJECT_ID\(N'<table>', N'U'\) IS NULL BEGIN CREATE TABLE/m,
        ["IF OBJECT_ID(N'[sessionkit_sessions]', N'U') IS NULL", 'BEGIN', 'CREATE INDEX', 'END;'],
      ],
    ];
    for (const [dialect, line, fragments] of claims) {
      expect(stdout, dialect).toMatch(line);
      const ddl = (await run('schema', dialect)).stdout;
      for (const fragment of fragments) expect(ddl, dialect).toContain(fragment);
    }
    expect((await run('schema', 'mssql')).stdout).not.toContain('IF NOT EXISTS');
  });

  test('usage errors exit 2 with a message on stderr', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^Usage: sessionkit <command>/],
      [
        ['migrate'],
        /unknown command "migrate"; commands: schema, verify, count, stats, list, prune, revoke, inspect\./,
      ],
      [['schema'], /schema needs a dialect: mysql, postgres, mssql or mongodb\./],
      [['schema', 'mysql', 'extra'], /unexpected argument "extra"\./],
      [['schema', 'mysql', '--tabel', 'x'], /Unknown option '--tabel'/],
      [['schema', 'mysql', '--table'], /--table/],
      [['schema', 'mysql', '--table', 'a.b.c'], /more than two parts/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await run(...args);
      expect(code, args.join(' ')).toBe(2);
      expect(stdout, args.join(' ')).toBe('');
      expect(stderr, args.join(' ')).toMatch(message);
    }
  });
});
