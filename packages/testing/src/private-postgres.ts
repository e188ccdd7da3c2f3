/**
 * A private PostgreSQL cluster (initdb in a temp directory, postmaster on a free port) that fault
 * tests crash and restart. PostgreSQL refuses to run as root, so under root it runs as the
 * `postgres` account with a directory owned by it.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findFreePortRange, PORT_RANGES } from './ports';
import { type PrivateServer, startPrivateServer } from './private-server';
import { accountIds, findExecutable } from './processes';

const run = promisify(execFile);

/** The directory holding initdb and postgres, or null. */
function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    // The newest installed major version.
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  const initdb = findExecutable(['initdb']);
  return initdb === null ? null : initdb.slice(0, initdb.lastIndexOf('/'));
}

function runAs(): { uid: number; gid: number } | undefined | null {
  if (process.getuid?.() !== 0) return undefined;
  return accountIds('postgres');
}

/** Why a private PostgreSQL cannot be started here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (postgresBinDir() === null) return 'PostgreSQL server binaries (initdb, postgres) are not installed';
  if (runAs() === null) return 'running as root without a "postgres" account to run the server as';
  return null;
}

/** One `SELECT 1` on a fresh connection, bounded in time. */
export async function postgresAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Options of {@link startPrivatePostgres}. */
export interface PrivatePostgresOptions {
  /** @default 60 */
  maxConnections?: number;
  /** fsync and synchronous commits on; false trades crash safety for speed. @default true */
  durable?: boolean;
}

/**
 * Creates and starts a private PostgreSQL cluster; `crash()` is an immediate shutdown (SIGQUIT:
 * no checkpoint, crash recovery on the next start), the way a killed server comes back.
 *
 * @example
 * const db = await startPrivatePostgres();
 * await db.crash();
 * await db.start(); // same port, same data, after WAL recovery
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivateServer> {
  const durable = (options.durable ?? true) ? 'on' : 'off';
  const reason = privatePostgresUnavailable();
  if (reason !== null) throw new Error(reason);
  const bin = postgresBinDir() as string;
  const owner = runAs() ?? undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sk-private-pg-'));
  const data = join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(data, owner.uid, owner.gid);
  }
  try {
    // -N: initdb skips its fsyncs (a throwaway cluster); the server itself keeps fsync on.
    await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8'], {
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
      timeout: 60_000,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const port = await findFreePortRange(1, PORT_RANGES.postgres);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return startPrivateServer({
    name: 'postgres',
    port,
    url,
    dir,
    command: join(bin, 'postgres'),
    args: [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `max_connections=${options.maxConnections ?? 60}`,
      '-c',
      'shared_buffers=16MB',
      '-c',
      `fsync=${durable}`,
      '-c',
      `synchronous_commit=${durable}`,
    ],
    spawnOptions: owner ? { uid: owner.uid, gid: owner.gid, cwd: dir } : { cwd: dir },
    crashSignal: 'SIGQUIT',
    stopSignal: 'SIGINT',
    probe: () => postgresAnswers(url, 500),
  });
}
