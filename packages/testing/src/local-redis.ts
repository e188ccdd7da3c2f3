/**
 * Throwaway Redis servers and topologies started from the local redis-server binary, for tests
 * that stop, kill or fail over servers. They run on random free ports in a private temp dir, so
 * they never touch the shared 6379 or the shared topology of scripts/redis-topology.sh.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePortRange, PORT_RANGES } from './ports';
import { onExit, pollUntil } from './processes';

/** The topology script; also copied into containers by the provisioning code. */
export const TOPOLOGY_SCRIPT = fileURLToPath(new URL('../../../scripts/redis-topology.sh', import.meta.url));

/** Why local Redis processes cannot be started here, or null when they can. */
export function localRedisUnavailable(): string | null {
  for (const bin of ['redis-server', 'redis-cli', 'bash']) {
    const probe = spawnSync(bin, ['--version'], { stdio: 'ignore' });
    if (probe.error) return `${bin} is not installed (needed to start throwaway Redis servers)`;
  }
  return null;
}

/** Resolves whether a Redis server answers PING on host:port within the timeout. */
export function redisPing(
  port: number,
  { host = '127.0.0.1', timeoutMs = 500 }: { host?: string; timeoutMs?: number } = {},
): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

/** {@link pollUntil} with the defaults of a local Redis start: 15 s, checked every 50 ms. */
export function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  { timeoutMs = 15_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  return pollUntil(what, condition, { timeoutMs, intervalMs });
}

/**
 * Whether a PID is a running process. A killed daemon stays a zombie until init reaps it, and
 * `process.kill(pid, 0)` succeeds on zombies, so /proc state is checked where it exists.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\S+ \(.*\) Z/.test(stat);
  } catch {
    return true;
  }
}

/** Whether `pid` still is a redis-server (not a process that inherited a recycled PID). */
function isRedisServer(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('redis-server') && isProcessRunning(pid);
  } catch {
    return false;
  }
}

// Children are killed when the test process exits, even after a failed assertion skipped the
// test's own cleanup; otherwise orphaned servers would hold their ports.
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** A redis-server child process of the test on a private port. */
export interface LocalRedisServer {
  readonly port: number;
  readonly url: string;
  /** PID of the current process (changes after {@link LocalRedisServer.start}). */
  readonly pid: number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and waits until the port is closed. */
  stop(): Promise<void>;
  /** Kills the server without a clean shutdown. */
  kill(): Promise<void>;
  /** Starts it again on the same port (after stop or kill) and waits for PING. */
  start(): Promise<void>;
}

/**
 * Starts a standalone redis-server without persistence on a free port.
 *
 * @example
 * const server = await startLocalRedisServer();
 * await server.stop(); // simulate an outage
 * await server.start(); // and the recovery
 */
export async function startLocalRedisServer(options: { port?: number } = {}): Promise<LocalRedisServer> {
  const port = options.port ?? (await findFreePortRange(1));
  let child: ChildProcess | undefined;
  // A fresh working directory per run, removed when it stops: there is no persistence to keep.
  let dir: string | undefined;

  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const halt = async (signal: NodeJS.Signals) => {
    const proc = child;
    if (!proc) return;
    child = undefined;
    const gone = exited(proc);
    proc.kill(signal);
    const escalate = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await gone;
    clearTimeout(escalate);
    children.delete(proc);
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  };

  const server: LocalRedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    async start() {
      if (child) return;
      dir = mkdtempSync(join(tmpdir(), 'sk-redis-'));
      const proc = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' },
      );
      child = proc;
      children.add(proc);
      let failure: Error | undefined;
      proc.once('error', (err) => {
        failure = err;
      });
      await waitFor(`redis-server on port ${port}`, async () => {
        if (failure) throw failure;
        if (proc.exitCode !== null) throw new Error(`redis-server exited with code ${proc.exitCode}`);
        return redisPing(port);
      });
    },
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
  };
  await server.start();
  return server;
}

/** Common shape of the script-managed topologies. */
interface ScriptTopology {
  /** The state directory (pidfiles, logs, configs). */
  readonly dir: string;
  /** PID of the node on this port, from its pidfile. */
  pid(port: number): number;
  /** SIGKILLs the node on this port and waits until it is gone. */
  kill(port: number): Promise<void>;
  /** Stops every node of the topology and removes its directory. */
  stop(): Promise<void>;
}

/** A 6-node Redis Cluster (3 masters, 3 replicas) started by scripts/redis-topology.sh. */
export interface LocalRedisCluster extends ScriptTopology {
  readonly ports: readonly number[];
  /** `redis://127.0.0.1:<p0>,...` with all six nodes as seeds. */
  readonly url: string;
}

/** A Sentinel group (master, 2 replicas, 3 sentinels) started by scripts/redis-topology.sh. */
export interface LocalRedisSentinel extends ScriptTopology {
  readonly name: string;
  readonly masterPort: number;
  readonly replicaPorts: readonly number[];
  readonly sentinelPorts: readonly number[];
  /** `redis+sentinel://127.0.0.1:<s0>,.../<name>`. */
  readonly url: string;
}

function runScript(args: string[], env: Record<string, string>, timeoutMs = 90_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [TOPOLOGY_SCRIPT, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs },
      (error, _stdout, stderr) => {
        if (error)
          reject(new Error(`redis-topology.sh ${args.join(' ')} failed: ${stderr.trim()}`, { cause: error }));
        else resolve();
      },
    );
  });
}

function scriptTopology(
  dir: string,
  env: Record<string, string>,
  component: string,
  pidfile: (port: number) => string,
) {
  const pid = (port: number): number => {
    const file = join(dir, pidfile(port));
    if (!existsSync(file)) throw new Error(`No pidfile for port ${port} in ${dir}`);
    return Number(readFileSync(file, 'utf8').trim());
  };
  // The script daemonizes the nodes, so they are no children of this process: if it exits
  // without stop() (a Ctrl-C, a crashed worker), every node of its pidfiles is killed here.
  const forget = onExit(() => {
    if (!existsSync(dir)) return;
    for (const file of readdirSync(dir).filter((name) => name.endsWith('.pid'))) {
      const target = Number(readFileSync(join(dir, file), 'utf8').trim());
      if (isRedisServer(target)) process.kill(target, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir,
    pid,
    async kill(port: number) {
      const target = pid(port);
      process.kill(target, 'SIGKILL');
      await waitFor(`PID ${target} (port ${port}) to exit`, () => !isProcessRunning(target), {
        timeoutMs: 5000,
      });
    },
    async stop() {
      await runScript(['stop', component], env);
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}

/**
 * Starts a throwaway Redis Cluster on random free ports with a short node timeout, so a killed
 * master is failed over within a few seconds.
 */
export async function startLocalRedisCluster(
  options: { nodeTimeoutMs?: number } = {},
): Promise<LocalRedisCluster> {
  const base = await findFreePortRange(6, { ...PORT_RANGES.redisCluster, alsoOffsets: [10000] });
  const dir = mkdtempSync(join(tmpdir(), 'sk-redis-cluster-'));
  const env = {
    REDIS_TOPOLOGY_DIR: dir,
    REDIS_CLUSTER_BASE_PORT: String(base),
    REDIS_CLUSTER_NODE_TIMEOUT_MS: String(options.nodeTimeoutMs ?? 1000),
  };
  const ports = [0, 1, 2, 3, 4, 5].map((i) => base + i);
  const topology = scriptTopology(dir, env, 'cluster', (port) => `cluster-${port}.pid`);
  try {
    await runScript(['start', 'cluster'], env);
  } catch (err) {
    await topology.stop().catch(() => undefined);
    throw err;
  }
  return { ...topology, ports, url: `redis://${ports.map((p) => `127.0.0.1:${p}`).join(',')}` };
}

/**
 * Starts a throwaway Sentinel group on random free ports with short down-after and failover
 * timeouts, so a killed master is replaced within a few seconds.
 */
export async function startLocalRedisSentinel(
  options: { name?: string; downAfterMs?: number; failoverTimeoutMs?: number } = {},
): Promise<LocalRedisSentinel> {
  const name = options.name ?? 'sessionkit';
  // Disjoint ranges: the three data ports and the three sentinel ports can never overlap.
  const masterPort = await findFreePortRange(3, PORT_RANGES.sentinelData);
  const sentinelBase = await findFreePortRange(3, PORT_RANGES.sentinels);
  const dir = mkdtempSync(join(tmpdir(), 'sk-redis-sentinel-'));
  const env = {
    REDIS_TOPOLOGY_DIR: dir,
    REDIS_SENTINEL_MASTER_PORT: String(masterPort),
    REDIS_SENTINEL_BASE_PORT: String(sentinelBase),
    REDIS_SENTINEL_NAME: name,
    REDIS_SENTINEL_DOWN_AFTER_MS: String(options.downAfterMs ?? 1000),
    REDIS_SENTINEL_FAILOVER_TIMEOUT_MS: String(options.failoverTimeoutMs ?? 3000),
  };
  const sentinelPorts = [0, 1, 2].map((i) => sentinelBase + i);
  const topology = scriptTopology(dir, env, 'sentinel', (port) =>
    sentinelPorts.includes(port) ? `sentinel-${port}.pid` : `sentinel-redis-${port}.pid`,
  );
  try {
    await runScript(['start', 'sentinel'], env);
  } catch (err) {
    await topology.stop().catch(() => undefined);
    throw err;
  }
  return {
    ...topology,
    name,
    masterPort,
    replicaPorts: [masterPort + 1, masterPort + 2],
    sentinelPorts,
    url: `redis+sentinel://${sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/${encodeURIComponent(name)}`,
  };
}
