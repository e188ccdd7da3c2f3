import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { freePort, spawnTracked, stopChild, waitUntil } from './process';

/** A private MariaDB server, so SHOW GLOBAL STATUS deltas hold only this run's statements. */
export interface PrivateMariadb {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const SERVICE_USER = 'mysql';

export async function startPrivateMariadb(): Promise<PrivateMariadb> {
  const dir = mkdtempSync(join(tmpdir(), 'skbench-mariadb-'));
  const root = userInfo().uid === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const userArgs = root ? [`--user=${SERVICE_USER}`] : [];
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...userArgs,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
    ],
    { stdio: 'ignore' },
  );
  const port = await freePort();
  const child = spawnTracked(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${data}`,
      ...userArgs,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mariadb.sock')}`,
      `--pid-file=${join(dir, 'mariadb.pid')}`,
      `--log-error=${join(dir, 'error.log')}`,
      '--skip-log-bin',
      '--max-connections=200',
    ],
    { stdio: 'ignore' },
  );
  const url = `mysql://root@127.0.0.1:${port}/bench`;
  await waitUntil(
    `mariadbd on ${port}`,
    async () => {
      if (child.exitCode !== null) throw new Error(`mariadbd exited with ${child.exitCode}`);
      const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      try {
        await connection.query('CREATE DATABASE IF NOT EXISTS bench');
        return true;
      } finally {
        await connection.end();
      }
    },
    60_000,
  );
  return {
    url,
    pid: child.pid as number,
    async stop() {
      await stopChild(child, 'SIGTERM', 30_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Com_* statement counters of the whole server (private, so all of them are ours). */
export async function statusCounters(connection: mysql.Connection): Promise<Map<string, number>> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Com\\_%'");
  const counters = new Map<string, number>();
  for (const row of rows) counters.set(String(row.Variable_name), Number(row.Value));
  const [questions] = await connection.query<mysql.RowDataPacket[]>("SHOW GLOBAL STATUS LIKE 'Questions'");
  counters.set('Questions', Number(questions[0]?.Value ?? 0));
  return counters;
}
