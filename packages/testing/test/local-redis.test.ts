import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isProcessRunning,
  type LocalRedisCluster,
  type LocalRedisSentinel,
  localRedisUnavailable,
  redisPing,
  startLocalRedisCluster,
  startLocalRedisSentinel,
  startLocalRedisServer,
  TOPOLOGY_SCRIPT,
  waitFor,
} from '../src/local-redis';
import { skipTitle } from '../src/suite';

const run = promisify(execFile);
const unavailable = localRedisUnavailable();
const cli = async (port: number, ...args: string[]) =>
  (await run('redis-cli', ['-p', String(port), ...args])).stdout.replace(/\r/g, '').trim();

describe.skipIf(unavailable !== null)(skipTitle('local Redis processes', unavailable), () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(cleanup.map((fn) => fn().catch(() => undefined)));
  });

  it('starts, stops and restarts a standalone server on a private port', async () => {
    const server = await startLocalRedisServer();
    cleanup.push(() => server.stop());
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await redisPing(server.port)).toBe(true);
    await server.stop();
    expect(await redisPing(server.port)).toBe(false);
    await server.start();
    expect(await redisPing(server.port)).toBe(true);
    await server.kill();
    expect(await redisPing(server.port)).toBe(false);
  });

  it('waitFor polls until a condition holds and fails with what it waited for', async () => {
    let n = 0;
    await waitFor('n to reach 3', () => ++n >= 3, { intervalMs: 1 });
    expect(n).toBe(3);
    await expect(waitFor('never', () => false, { timeoutMs: 50, intervalMs: 5 })).rejects.toThrow(
      'Timed out after 50 ms waiting for never',
    );
  });

  describe('topologies from scripts/redis-topology.sh on private ports', () => {
    // The script waits up to REDIS_TOPOLOGY_TIMEOUT (30 s) per readiness step, two steps per
    // topology; under a loaded CI machine a start can outlast vitest's 30 s default, and then the
    // test would die without the script's own message (which names the logs).
    const TOPOLOGY_START_MS = 75_000;
    let cluster: LocalRedisCluster;
    let sentinel: LocalRedisSentinel;

    it(
      'builds a healthy 3 + 3 cluster; start is idempotent; status reports it',
      async () => {
        cluster = await startLocalRedisCluster();
        cleanup.push(() => cluster.stop());
        for (const port of cluster.ports)
          expect(await cli(port, 'cluster', 'info')).toContain('cluster_state:ok');
        const nodes = await cli(cluster.ports[0] as number, 'cluster', 'nodes');
        expect(nodes.split('\n').filter((l) => /\bmaster\b/.test(l))).toHaveLength(3);
        expect(nodes.split('\n').filter((l) => /\bslave\b/.test(l))).toHaveLength(3);

        const env = {
          ...process.env,
          REDIS_TOPOLOGY_DIR: cluster.dir,
          REDIS_CLUSTER_BASE_PORT: String(cluster.ports[0]),
        };
        const pids = cluster.ports.map((p) => cluster.pid(p));
        const again = await run('bash', [TOPOLOGY_SCRIPT, 'start', 'cluster'], { env });
        expect(again.stderr).toContain('already running');
        expect(cluster.ports.map((p) => cluster.pid(p))).toEqual(pids);
        const status = await run('bash', [TOPOLOGY_SCRIPT, 'status', 'cluster'], { env });
        expect(status.stdout).toContain('healthy: cluster_state:ok');
      },
      TOPOLOGY_START_MS,
    );

    it(
      'builds a sentinel group that knows its master and replicas',
      async () => {
        sentinel = await startLocalRedisSentinel({ name: 'skgroup' });
        cleanup.push(() => sentinel.stop());
        for (const port of sentinel.sentinelPorts) {
          expect(await cli(port, 'sentinel', 'get-master-addr-by-name', 'skgroup')).toBe(
            `127.0.0.1\n${sentinel.masterPort}`,
          );
        }
        expect(await cli(sentinel.replicaPorts[0] as number, 'role')).toMatch(/^slave/);
        expect(sentinel.url).toBe(
          `redis+sentinel://${sentinel.sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',')}/skgroup`,
        );
      },
      TOPOLOGY_START_MS,
    );

    it('kills a node by its pidfile and stops only its own processes', async () => {
      const victim = cluster.ports[5] as number;
      const pid = cluster.pid(victim);
      await cluster.kill(victim);
      expect(isProcessRunning(pid)).toBe(false);
      expect(await redisPing(victim)).toBe(false);

      const ports = [...cluster.ports];
      await cluster.stop();
      for (const port of ports) expect(await redisPing(port)).toBe(false);
      // The other topology is untouched by this stop.
      expect(await redisPing(sentinel.masterPort)).toBe(true);
      await sentinel.stop();
      for (const port of [sentinel.masterPort, ...sentinel.replicaPorts, ...sentinel.sentinelPorts]) {
        expect(await redisPing(port)).toBe(false);
      }
    });
  });
});
