/**
 * Testcontainers definitions of every backend, from the official images. testcontainers is
 * imported lazily: test files that get their URL from the environment never load it. The run's
 * globalSetup starts one container per backend (run-backends.ts), shared by every test file, so
 * the servers are sized for the connections of parallel files.
 */
import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import type { Backend } from './backends';
import { TOPOLOGY_SCRIPT } from './local-redis';
import { findFreePortRange, PORT_RANGES } from './ports';
import { mssqlReady, waitUntil } from './readiness';

/** A started backend container and the URL that reaches it. */
export interface StartedBackend {
  url: string;
  stop(): Promise<void>;
}

type Testcontainers = typeof import('testcontainers');

/** The SA password of the SQL Server container (meets its complexity policy). */
export const MSSQL_TEST_PASSWORD = 'Sessionkit-Test-1';

/** Printed by the topology container once the script reports the topology healthy. */
const TOPOLOGY_READY = 'SESSIONKIT_TOPOLOGY_READY';

/**
 * Points testcontainers at the runtime the probe found: it finds /var/run/docker.sock and
 * rootless Docker by itself, but not Podman.
 */
export function useDockerHost(dockerHost: string): void {
  if (!process.env.DOCKER_HOST && dockerHost !== 'unix:///var/run/docker.sock') {
    process.env.DOCKER_HOST = dockerHost;
  }
}

/** Starts the backend's container and waits for readiness with a wait strategy (never a sleep). */
export async function startBackendContainer(backend: Backend): Promise<StartedBackend> {
  const tc: Testcontainers = await import('testcontainers');
  switch (backend) {
    case 'redis':
      return single(tc, {
        image: 'redis:7.2-alpine',
        port: 6379,
        command: ['redis-server', '--save', '', '--appendonly', 'no'],
        wait: tc.Wait.forLogMessage('Ready to accept connections'),
        url: (host, port) => `redis://${host}:${port}`,
      });
    case 'mysql':
      return single(tc, {
        image: 'mysql:8.4',
        port: 3306,
        env: { MYSQL_ALLOW_EMPTY_PASSWORD: 'yes', MYSQL_DATABASE: 'test', MYSQL_ROOT_HOST: '%' },
        // Arguments starting with '-' go to mysqld: room for the pools of every test file at once.
        command: ['--max-connections=500'],
        // The image first runs a temporary server without networking ("port: 0") to initialise
        // the data dir; only the final server listens on 3306.
        wait: tc.Wait.forLogMessage(/ready for connections.*port: 3306/),
        url: (host, port) => `mysql://root@${host}:${port}/test`,
        startupTimeoutMs: 120_000,
      });
    case 'postgres':
      return single(tc, {
        image: 'postgres:16-alpine',
        port: 5432,
        env: { POSTGRES_HOST_AUTH_METHOD: 'trust', POSTGRES_DB: 'test' },
        command: ['postgres', '-c', 'max_connections=300'],
        // Logged twice: once by the init-time server, once by the real one.
        wait: tc.Wait.forLogMessage('database system is ready to accept connections', 2),
        url: (host, port) => `postgres://postgres@${host}:${port}/test`,
      });
    case 'mssql':
      return single(tc, {
        image: 'mcr.microsoft.com/mssql/server:2022-latest',
        port: 1433,
        env: { ACCEPT_EULA: 'Y', MSSQL_SA_PASSWORD: MSSQL_TEST_PASSWORD, MSSQL_PID: 'Developer' },
        // The log line can come before recovery has finished: it only starts the real check
        // (`ready`), a query that must succeed with every database online.
        wait: tc.Wait.forLogMessage('SQL Server is now ready for client connections'),
        // Encrypted (mssql's default), trusting the container's self-signed certificate.
        url: (host, port) =>
          `mssql://sa:${encodeURIComponent(MSSQL_TEST_PASSWORD)}@${host}:${port}/master?trustServerCertificate=true`,
        ready: (url) =>
          waitUntil(() => mssqlReady(url), { timeoutMs: 120_000, what: 'SQL Server to answer a query' }),
        startupTimeoutMs: 180_000,
      });
    case 'mongodb':
      return single(tc, {
        image: 'mongo:7',
        port: 27017,
        wait: tc.Wait.forLogMessage('Waiting for connections'),
        url: (host, port) => `mongodb://${host}:${port}/?directConnection=true`,
      });
    case 'redis-cluster':
    case 'redis-sentinel':
      return topology(tc, backend);
  }
}

interface SingleSpec {
  image: string;
  port: number;
  env?: Record<string, string>;
  command?: string[];
  wait: WaitStrategy;
  url: (host: string, port: number) => string;
  /** A check from the host once the wait strategy passed; the container is stopped when it rejects. */
  ready?: (url: string) => Promise<void>;
  /** @default 60000 */
  startupTimeoutMs?: number;
}

async function single(tc: Testcontainers, spec: SingleSpec): Promise<StartedBackend> {
  let container = new tc.GenericContainer(spec.image)
    .withExposedPorts(spec.port)
    .withEnvironment(spec.env ?? {})
    .withWaitStrategy(spec.wait)
    .withStartupTimeout(spec.startupTimeoutMs ?? 60_000);
  if (spec.command) container = container.withCommand(spec.command);
  const started = await container.start();
  const url = spec.url(started.getHost(), started.getMappedPort(spec.port));
  try {
    await spec.ready?.(url);
  } catch (error) {
    await started.stop().catch(() => undefined);
    throw error;
  }
  return wrap(started, url);
}

/**
 * Cluster and Sentinel in ONE container running several redis-server processes, started by the
 * same scripts/redis-topology.sh that CI uses. Nodes announce 127.0.0.1 and each container port
 * is published on the same host port, so the addresses the nodes gossip (and that Cluster
 * redirects and Sentinel answers carry) are valid from the host too. That needs an engine whose
 * published ports appear on the host's loopback (checked by the decision step).
 */
async function topology(
  tc: Testcontainers,
  backend: 'redis-cluster' | 'redis-sentinel',
): Promise<StartedBackend> {
  const env: Record<string, string> = {
    REDIS_TOPOLOGY_DIR: '/tmp/redis-topology',
    REDIS_TOPOLOGY_BIND: '0.0.0.0',
    REDIS_TOPOLOGY_ANNOUNCE_IP: '127.0.0.1',
    REDIS_TOPOLOGY_TIMEOUT: '60',
  };
  let ports: number[];
  let url: string;
  if (backend === 'redis-cluster') {
    const base = await findFreePortRange(6, { ...PORT_RANGES.redisCluster, alsoOffsets: [10000] });
    ports = [0, 1, 2, 3, 4, 5].map((i) => base + i);
    env.REDIS_CLUSTER_BASE_PORT = String(base);
    url = `redis://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`;
  } else {
    const master = await findFreePortRange(3, PORT_RANGES.sentinelData);
    const sentinel = await findFreePortRange(3, PORT_RANGES.sentinels);
    ports = [master, master + 1, master + 2, sentinel, sentinel + 1, sentinel + 2];
    env.REDIS_SENTINEL_MASTER_PORT = String(master);
    env.REDIS_SENTINEL_BASE_PORT = String(sentinel);
    url = `redis+sentinel://${ports
      .slice(3)
      .map((p) => `127.0.0.1:${p}`)
      .join(',')}/sessionkit`;
  }
  const component = backend === 'redis-cluster' ? 'cluster' : 'sentinel';
  const started = await new tc.GenericContainer('redis:7.2')
    .withCopyFilesToContainer([{ source: TOPOLOGY_SCRIPT, target: '/sessionkit/redis-topology.sh' }])
    .withEnvironment(env)
    .withExposedPorts(...ports.map((p) => ({ container: p, host: p })))
    .withEntrypoint(['bash', '-c'])
    .withCommand([
      `bash /sessionkit/redis-topology.sh start ${component} && echo ${TOPOLOGY_READY} && exec sleep infinity`,
    ])
    .withWaitStrategy(tc.Wait.forLogMessage(TOPOLOGY_READY))
    .withStartupTimeout(120_000)
    .start();
  return wrap(started, url);
}

function wrap(container: StartedTestContainer, url: string): StartedBackend {
  return {
    url,
    async stop() {
      await container.stop();
    },
  };
}
