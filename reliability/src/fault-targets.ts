/**
 * The faults the scenarios inject: a private server crashed and restarted on its own data, a
 * Sentinel master killed, a Cluster master killed. Each target says how to break the backend,
 * how to tell it serves again, and whether it keeps every acknowledged write.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LocalRedisCluster, LocalRedisSentinel, PrivateServer } from '@sessionkit/testing';
import { pollUntil } from '@sessionkit/testing';
import type { AppStoreConfig } from './app-config';
import {
  type ClusterNode,
  clusterNodes,
  countKeys,
  redisCommand,
  redisRole,
  waitForReplicas,
} from './redis-admin';

const run = promisify(execFile);

/**
 * Restarts a killed node of a script-managed topology with the settings scripts/redis-topology.sh
 * gave it (daemonized with its pidfile, so the topology's stop() still stops it), then waits
 * until it has rejoined as a replica with a live link to its master.
 */
async function restartTopologyNode(dir: string, name: string, port: number, extra: string[]): Promise<void> {
  await run('redis-server', [
    ...['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no', '--daemonize', 'yes'],
    ...[
      '--pidfile',
      join(dir, `${name}.pid`),
      '--logfile',
      join(dir, `${name}.log`),
      '--dir',
      join(dir, name),
    ],
    ...['--save', '', '--appendonly', 'no', '--shutdown-timeout', '0', ...extra],
  ]);
  await pollUntil(
    `127.0.0.1:${port} to rejoin as a linked replica`,
    async () => {
      const info = String(await redisCommand(port, ['INFO', 'replication']));
      return info.includes('role:slave') && info.includes('master_link_status:up');
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
}

/** A backend a fault scenario takes away and brings back. */
export interface FaultTarget {
  /** The backend, e.g. 'postgres'. */
  readonly name: string;
  /** What is done to it. */
  readonly fault: string;
  /**
   * True when the backend keeps every write it acknowledged through the fault (a durable server
   * restarted on its data). False for failovers: replication is asynchronous, so only writes
   * replicated before the fault are guaranteed (the scenario waits for that before injecting).
   */
  readonly durable: boolean;
  /** The store of the app node `app` (its own prefix or table). */
  storeConfig(app: string): AppStoreConfig;
  /** Called right before the fault: make what was acknowledged so far survive it. */
  settle(): Promise<void>;
  /** Breaks the backend. */
  inject(): Promise<void>;
  /** Starts bringing it back (a restart is launched, not awaited); a no-op for automatic failover. */
  recover(): void;
  /** Whether the backend serves again (never throws). */
  serving(): Promise<boolean>;
  /**
   * Between faults of a multi-fault run: puts the topology back to full strength (a killed Redis
   * node restarted, rejoining as a replica) so the next fault has a replica to promote.
   */
  heal?(): Promise<void>;
}

/** A private server crashed (SIGKILL, or PostgreSQL's immediate shutdown) and restarted on its data. */
export function restartTarget(
  server: PrivateServer,
  storeConfig: (app: string) => AppStoreConfig,
): FaultTarget {
  return {
    name: server.name,
    fault: `${server.name === 'postgres' ? 'immediate shutdown (SIGQUIT)' : 'SIGKILL'}, restart on the same data`,
    durable: true,
    storeConfig,
    settle: async () => undefined,
    inject: () => server.crash(),
    recover: () => server.launch(),
    serving: () => server.ready(),
  };
}

/**
 * The Sentinel group's current master is SIGKILLed; the sentinels promote a replica. The backend
 * counts as back once every sentinel names the promoted replica (see serving()).
 */
export function sentinelFailoverTarget(
  topology: LocalRedisSentinel,
  prefix: (app: string) => string,
): FaultTarget {
  let victim = topology.masterPort;
  /** The master each sentinel reports (null for a sentinel that does not answer). */
  const reportedMasters = () =>
    Promise.all(
      topology.sentinelPorts.map(async (port) => {
        try {
          const address = (await redisCommand(port, [
            'SENTINEL',
            'get-master-addr-by-name',
            topology.name,
          ])) as string[] | null;
          return address?.[1] ? Number(address[1]) : null;
        } catch {
          return null;
        }
      }),
    );
  const masterAddress = async () => (await reportedMasters()).find((port) => port !== null) ?? null;
  return {
    name: 'redis-sentinel',
    fault: 'master SIGKILLed, sentinels promote a replica',
    durable: false,
    storeConfig: (app) => ({
      kind: 'redis-sentinel',
      sentinels: topology.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
      name: topology.name,
      prefix: prefix(app),
    }),
    async settle() {
      victim = (await masterAddress()) ?? topology.masterPort;
      await waitForReplicas(victim);
    },
    inject: () => topology.kill(victim),
    recover: () => undefined,
    heal: () =>
      restartTopologyNode(topology.dir, `sentinel-redis-${victim}`, victim, [
        '--replica-announce-ip',
        '127.0.0.1',
      ]),
    // Back when every sentinel names the same new master and it serves as one: a client may ask
    // any sentinel, and one that has not heard of the failover yet still sends it to the dead node.
    async serving() {
      const reported = await reportedMasters();
      const port = reported[0] ?? null;
      if (port === null || port === victim || reported.some((other) => other !== port)) return false;
      return (await redisRole(port)) === 'master';
    },
  };
}

/**
 * One Cluster master is SIGKILLed; its replica takes over its slots. The victim is the master
 * holding the most sessions of every app node: the sessions hash to random slots, and a master
 * that held none of one node's sessions would leave that node untouched by the fault (with 12
 * users, about one run in a hundred when the victim was just the first master listed).
 */
export function clusterFailoverTarget(
  topology: LocalRedisCluster,
  prefix: (app: string) => string,
  nodeTimeoutMs = 1_000,
): FaultTarget {
  let victim = 0;
  let replica = 0;
  const prefixes: string[] = [];
  const survivor = () => topology.ports.find((port) => port !== victim && port !== replica) as number;
  return {
    name: 'redis-cluster',
    fault: 'one master SIGKILLed, its replica takes over the slots',
    durable: false,
    storeConfig: (app) => {
      prefixes.push(prefix(app));
      return {
        kind: 'redis-cluster',
        nodes: topology.ports.map((port) => ({ host: '127.0.0.1', port })),
        prefix: prefix(app),
      };
    },
    async settle() {
      const nodes = await clusterNodes(topology.ports[0] as number);
      const healthy = (n: { flags: string[] }) => !n.flags.includes('fail') && !n.flags.includes('fail?');
      const candidates: Array<{ master: ClusterNode; follower: ClusterNode; held: number[] }> = [];
      for (const master of nodes) {
        if (!master.flags.includes('master') || !healthy(master) || master.slots.length === 0) continue;
        const follower = nodes.find((n) => n.masterId === master.id && healthy(n));
        if (!follower) continue;
        const held = await Promise.all(prefixes.map((p) => countKeys(master.port, `${p}{*`)));
        candidates.push({ master, follower, held });
      }
      // Best: the largest smallest share, so every app node has as many sessions hit as possible.
      candidates.sort((a, b) => Math.min(...b.held) - Math.min(...a.held));
      const best = candidates[0];
      if (!best) throw new Error('no master with a replica in the Cluster');
      if (Math.min(...best.held) === 0) {
        throw new Error(
          `no Cluster master holds sessions of every app node (${JSON.stringify(candidates.map((c) => c.held))}); ` +
            'the fault could not reach all of them',
        );
      }
      victim = best.master.port;
      replica = best.follower.port;
      await waitForReplicas(victim);
    },
    inject: () => topology.kill(victim),
    recover: () => undefined,
    heal: () =>
      restartTopologyNode(topology.dir, `cluster-${victim}`, victim, [
        ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
        ...['--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-announce-ip', '127.0.0.1'],
        ...['--cluster-require-full-coverage', 'no'],
      ]),
    async serving() {
      try {
        if ((await redisRole(replica)) !== 'master') return false;
        const info = String(await redisCommand(survivor(), ['CLUSTER', 'INFO']));
        return info.includes('cluster_state:ok');
      } catch {
        return false;
      }
    },
  };
}
