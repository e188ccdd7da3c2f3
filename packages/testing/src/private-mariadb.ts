/**
 * A private MariaDB server (mariadb-install-db in a temp directory, mariadbd on a free port) that
 * fault tests kill and restart. `--no-defaults` keeps the machine's my.cnf (and its shared data
 * directory, socket and user) out of it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { findFreePortRange, PORT_RANGES } from './ports';
import { type PrivateServer, startPrivateServer } from './private-server';
import { findExecutable } from './processes';

const run = promisify(execFile);

function binaries(): { install: string; server: string } | null {
  const install = findExecutable(['mariadb-install-db', 'mysql_install_db']);
  const server = findExecutable(['mariadbd', '/usr/sbin/mariadbd', '/usr/sbin/mysqld', 'mysqld']);
  return install && server ? { install, server } : null;
}

/** Why a private MariaDB cannot be started here, or null when it can. */
export function privateMariadbUnavailable(): string | null {
  return binaries() === null
    ? 'MariaDB server binaries (mariadb-install-db, mariadbd) are not installed'
    : null;
}

/** One `SELECT 1` on a fresh connection, bounded in time. */
export async function mariadbAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: timeoutMs });
  connection.on('error', () => undefined);
  try {
    await connection.query({ sql: 'SELECT 1', timeout: timeoutMs });
    return true;
  } finally {
    connection.destroy();
  }
}

/**
 * Creates and starts a private MariaDB server with a `test` database; `crash()` is SIGKILL, so
 * InnoDB recovers from its redo log on the next start. Commits are durable
 * (innodb_flush_log_at_trx_commit=1), which is what "no committed session is lost" relies on.
 *
 * @example
 * const db = await startPrivateMariadb();
 * await db.crash();
 * await db.start();
 */
export async function startPrivateMariadb(): Promise<PrivateServer> {
  const bins = binaries();
  if (bins === null) throw new Error('MariaDB server binaries are not installed');
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? ['--user=root'] : [];
  const dir = mkdtempSync(join(tmpdir(), 'sk-private-maria-'));
  const data = join(dir, 'data');
  try {
    await run(
      bins.install,
      [
        '--no-defaults',
        `--datadir=${data}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        ...user,
      ],
      { timeout: 120_000 },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const port = await findFreePortRange(1, PORT_RANGES.mariadb);
  const adminUrl = `mysql://root@127.0.0.1:${port}/mysql`;
  const server = await startPrivateServer({
    name: 'mariadb',
    port,
    url: `mysql://root@127.0.0.1:${port}/test`,
    dir,
    command: bins.server,
    args: [
      '--no-defaults',
      `--datadir=${data}`,
      `--port=${port}`,
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=32M',
      '--innodb-flush-log-at-trx-commit=1',
      '--max-connections=200',
      ...user,
    ],
    crashSignal: 'SIGKILL',
    stopSignal: 'SIGTERM',
    probe: () => mariadbAnswers(adminUrl, 500),
  });
  const admin = await mysql.createConnection({ uri: adminUrl, connectTimeout: 5_000 });
  try {
    await admin.query('CREATE DATABASE IF NOT EXISTS test');
  } finally {
    await admin.end();
  }
  return server;
}
