/**
 * The third source of a backend, after `SESSIONKIT_<BACKEND>_URL` and a container runtime: a
 * private server started from the server binaries installed on the machine, on a free port in a
 * temp directory, once per test run, when the first test file asks for it (see private-broker.ts);
 * the run's globalSetup stops them. Nothing here ever connects to a server it did not start.
 */
import { BACKEND_ENV, type Backend } from './backends';
import type { PrivateServerLookup } from './decide';
import { localRedisUnavailable, startLocalRedisCluster, startLocalRedisSentinel } from './local-redis';
import { PRIVATE_BROKER_ENV, requestPrivateServer } from './private-broker';
import { privateMariadbUnavailable, startPrivateMariadb } from './private-mariadb';
import { privatePostgresUnavailable, startPrivatePostgres } from './private-postgres';
import { startPrivateRedis } from './private-redis';

/** `SESSIONKIT_PRIVATE_<BACKEND>_URL`: a private server's URL handed down explicitly (it wins over the broker). */
export function privateEnvName(backend: Backend): string {
  return BACKEND_ENV[backend].replace(/^SESSIONKIT_/, 'SESSIONKIT_PRIVATE_');
}

/** Why no private server of `backend` can be started on this machine, or null when one can. */
export function privateBackendUnavailable(backend: Backend): string | null {
  switch (backend) {
    case 'redis':
    case 'redis-cluster':
    case 'redis-sentinel':
      return localRedisUnavailable();
    case 'postgres':
      return privatePostgresUnavailable();
    case 'mysql':
      return privateMariadbUnavailable();
    case 'mongodb':
    case 'mssql':
      return 'private servers exist only for Redis, PostgreSQL and MariaDB';
  }
}

/**
 * What a test worker finds: a URL published in `SESSIONKIT_PRIVATE_<BACKEND>_URL`, else the
 * server the run's broker starts on this request (or started on an earlier one), else why there
 * is none. Rejects when the binaries are there but the server did not start.
 */
export async function lookupPrivateServer(
  backend: Backend,
  env: Readonly<Record<string, string | undefined>>,
): Promise<PrivateServerLookup> {
  const url = env[privateEnvName(backend)]?.trim();
  if (url) return { url };
  const missing = privateBackendUnavailable(backend);
  if (missing !== null) return { reason: `no private server (${missing})` };
  const broker = env[PRIVATE_BROKER_ENV]?.trim();
  if (!broker) {
    return { reason: 'no private server was started (the root vitest.config.ts globalSetup starts them)' };
  }
  return { url: await requestPrivateServer(broker, backend) };
}

/** A private server (or topology) of one test run. */
export interface RunningPrivateBackend {
  url: string;
  /** Human-readable: program, ports, PIDs, directory. */
  where: string;
  /** Stops every process by its PID and deletes the temp directory. */
  stop(): Promise<void>;
}

/**
 * Starts the private server of `backend` with settings for a shared test server: no persistence
 * (nothing must survive the run), room for the connections of parallel test files, and failure
 * detection slow enough that a busy machine does not fail over a healthy master. A binary that
 * is there but fails to start rejects, with the server's output.
 */
export async function startPrivateBackend(backend: Backend): Promise<RunningPrivateBackend> {
  switch (backend) {
    case 'redis':
    case 'postgres':
    case 'mysql': {
      const server =
        backend === 'redis'
          ? await startPrivateRedis({ durable: false })
          : backend === 'postgres'
            ? await startPrivatePostgres({ durable: false, maxConnections: 300 })
            : await startPrivateMariadb();
      return {
        url: server.url,
        where: `${server.name} on 127.0.0.1:${server.port}, pid ${server.pid}, in ${server.dir}`,
        stop: () => server.dispose(),
      };
    }
    case 'redis-cluster': {
      const cluster = await startLocalRedisCluster({ nodeTimeoutMs: 5000 });
      return {
        url: cluster.url,
        where: `redis cluster on 127.0.0.1:${cluster.ports[0]}-${cluster.ports.at(-1)}, pids ${cluster.ports.map((p) => cluster.pid(p)).join(' ')}, in ${cluster.dir}`,
        stop: () => cluster.stop(),
      };
    }
    case 'redis-sentinel': {
      const group = await startLocalRedisSentinel({ downAfterMs: 5000, failoverTimeoutMs: 10_000 });
      const ports = [group.masterPort, ...group.replicaPorts, ...group.sentinelPorts];
      return {
        url: group.url,
        where: `redis sentinel group on 127.0.0.1:${ports.join(',')}, pids ${ports.map((p) => group.pid(p)).join(' ')}, in ${group.dir}`,
        stop: () => group.stop(),
      };
    }
    case 'mongodb':
    case 'mssql':
      throw new Error(`${backend}: ${privateBackendUnavailable(backend)}`);
  }
}
