import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, spawnTracked, stopChild, waitUntil } from './process';

/** A private PostgreSQL cluster with pg_stat_statements preloaded, for exact statement counts. */
export interface PrivatePostgres {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** initdb and postgres refuse to run as root: run them as this user when we are root. */
const SERVICE_USER = 'postgres';

function asServiceUser(command: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [command, args];
  // setpriv execs the server in place, so the PID we hold is the postmaster itself.
  return ['setpriv', ['--reuid', SERVICE_USER, '--regid', SERVICE_USER, '--init-groups', command, ...args]];
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'skbench-pg-'));
  if (userInfo().uid === 0) {
    const uid = Number(execFileSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const [initCmd, initArgs] = asServiceUser('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const [cmd, args] = asServiceUser('postgres', [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'shared_preload_libraries=pg_stat_statements',
    '-c',
    'pg_stat_statements.track=top',
    '-c',
    'max_connections=200',
  ]);
  const child = spawnTracked(cmd, args, { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntil(`postgres on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query('CREATE DATABASE bench');
  await admin.end();
  const benchUrl = `postgres://postgres@127.0.0.1:${port}/bench`;
  const client = new pg.Client({ connectionString: benchUrl });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  await client.end();
  return {
    url: benchUrl,
    pid: child.pid as number,
    async stop() {
      // SIGINT is PostgreSQL's "fast" shutdown: sessions are ended, nothing is left to recover.
      await stopChild(child, 'SIGINT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls per statement text since the last reset, from pg_stat_statements (top-level only). */
export async function statementCounts(client: pg.Client | pg.Pool): Promise<Map<string, number>> {
  const { rows } = await client.query<{ query: string; calls: string }>(
    `SELECT query, calls FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND query NOT ILIKE '%pg_stat_statements%'`,
  );
  return new Map(rows.map((row) => [row.query, Number(row.calls)]));
}

export async function resetStatementCounts(client: pg.Client | pg.Pool): Promise<void> {
  await client.query('SELECT pg_stat_statements_reset()');
}
