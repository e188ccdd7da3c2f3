/**
 * One-shot Redis admin commands for the fault scenarios (ROLE, INFO replication, SENTINEL,
 * CLUSTER NODES), each on its own short-lived connection with tight timeouts and no retries, so
 * asking a dead node fails fast instead of reconnecting.
 */
import Redis from 'ioredis';

/** Runs one command on 127.0.0.1:port; rejects on any failure within ~timeoutMs. */
export async function redisCommand(port: number, args: string[], timeoutMs = 500): Promise<unknown> {
  const client = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [command, ...rest] = args as [string, ...string[]];
    return await client.call(command, ...rest);
  } finally {
    client.disconnect();
  }
}

/** The node's role: 'master', 'slave' or 'sentinel'; null when it does not answer. */
export async function redisRole(port: number): Promise<string | null> {
  try {
    const role = (await redisCommand(port, ['ROLE'])) as unknown[];
    return typeof role[0] === 'string' ? role[0] : null;
  } catch {
    return null;
  }
}

/** A master's replication offset and its replicas' acknowledged offsets. */
export async function replicationOffsets(port: number): Promise<{ master: number; replicas: number[] }> {
  const info = String(await redisCommand(port, ['INFO', 'replication']));
  const master = Number(/master_repl_offset:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  const replicas = [...info.matchAll(/^slave\d+:.*offset=(\d+)/gm)].map((m) => Number(m[1]));
  return { master, replicas };
}

/**
 * Waits until every replica of the master on `port` has acknowledged everything the master had
 * when this was called. After that, no write acknowledged before the call can be lost to a
 * failover (replication is asynchronous; this is the point where it has caught up).
 */
export async function waitForReplicas(port: number, timeoutMs = 10_000): Promise<void> {
  const { master } = await replicationOffsets(port);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { replicas } = await replicationOffsets(port);
    if (replicas.length > 0 && replicas.every((offset) => offset >= master)) return;
    if (Date.now() > deadline) {
      throw new Error(`replicas of 127.0.0.1:${port} did not reach offset ${master} in ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One line of CLUSTER NODES. */
export interface ClusterNode {
  id: string;
  port: number;
  flags: string[];
  masterId: string | null;
  slots: string[];
}

/** CLUSTER NODES as seen by the node on `port`. */
export async function clusterNodes(port: number): Promise<ClusterNode[]> {
  const text = String(await redisCommand(port, ['CLUSTER', 'NODES']));
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slots] = line.split(' ');
      const port = Number(/:(\d+)/.exec(address)?.[1] ?? 0);
      return { id, port, flags: flags.split(','), masterId: master === '-' ? null : master, slots };
    });
}

/** How many keys of the node on `port` match the SCAN pattern `match` (its own keys only). */
export async function countKeys(port: number, match: string): Promise<number> {
  let cursor = '0';
  let count = 0;
  do {
    const [next, keys] = (await redisCommand(port, ['SCAN', cursor, 'MATCH', match, 'COUNT', '1000'])) as [
      string,
      string[],
    ];
    cursor = next;
    count += keys.length;
  } while (cursor !== '0');
  return count;
}
