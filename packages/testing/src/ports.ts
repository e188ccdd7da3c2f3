/**
 * Free-port search for throwaway servers. Tests run in parallel (and other checkouts may run on
 * the same machine), so fixed ports would collide; a random base is checked by binding to it.
 */
import { createServer } from 'node:net';

/** Resolves whether 127.0.0.1:port can be bound right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * Where each kind of throwaway server looks for ports. Every range lies below 32768, where Linux's
 * ephemeral ports begin (net.ipv4.ip_local_port_range is 32768-60999 by default), so an outgoing
 * connection can never be handed a port between the free check and the server's bind; separate
 * ranges keep kinds that start at the same moment apart.
 */
export const PORT_RANGES = {
  /** Single Redis servers (the default of {@link findFreePortRange}). */
  redis: { min: 23000, max: 25900 },
  /** Redis Cluster nodes; each node's bus port is 10000 higher (21000-22905). */
  redisCluster: { min: 11000, max: 12900 },
  /** A Sentinel group's master and its two replicas. */
  sentinelData: { min: 13000, max: 15900 },
  /** A Sentinel group's three sentinels. */
  sentinels: { min: 16000, max: 18900 },
  /** HTTP servers started by tests (e.g. `next start`). */
  http: { min: 19000, max: 20900 },
  /** Private PostgreSQL servers. */
  postgres: { min: 28000, max: 29400 },
  /** Private MariaDB servers. */
  mariadb: { min: 29500, max: 30900 },
  /** Private Redis servers of the reliability suite. */
  privateRedis: { min: 31000, max: 32600 },
} as const;

/** Options of {@link findFreePortRange}. */
export interface PortRangeOptions {
  /** Lowest base port to try. @default PORT_RANGES.redis.min */
  min?: number;
  /** Highest base port to try. @default PORT_RANGES.redis.max */
  max?: number;
  /** Offsets that must be free as well, relative to each port (10000: Redis Cluster bus ports). @default [] */
  alsoOffsets?: readonly number[];
  /** @default 50 */
  attempts?: number;
}

/**
 * Finds `count` consecutive free ports and returns the first. Racy by nature (another process may
 * take a port before the caller binds it), which random bases make unlikely.
 */
export async function findFreePortRange(count: number, options: PortRangeOptions = {}): Promise<number> {
  const min = options.min ?? PORT_RANGES.redis.min;
  const max = options.max ?? PORT_RANGES.redis.max;
  const offsets = [0, ...(options.alsoOffsets ?? [])];
  const attempts = options.attempts ?? 50;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const base = min + Math.floor(Math.random() * (max - min));
    let free = true;
    for (let i = 0; i < count && free; i++) {
      for (const offset of offsets) {
        if (!(await isPortFree(base + i + offset))) {
          free = false;
          break;
        }
      }
    }
    if (free) return base;
  }
  throw new Error(`No ${count} consecutive free ports between ${min} and ${max} after ${attempts} attempts`);
}
