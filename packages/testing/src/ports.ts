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

/** Options of {@link findFreePortRange}. */
export interface PortRangeOptions {
  /** Lowest base port to try. @default 20000 */
  min?: number;
  /** Highest base port to try. @default 29000 */
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
  const min = options.min ?? 20000;
  const max = options.max ?? 29000;
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
