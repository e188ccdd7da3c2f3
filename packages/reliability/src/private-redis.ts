/**
 * A private, durable redis-server: append-only file with `appendfsync always`, so every write
 * Redis acknowledged survives a SIGKILL and comes back on restart. The throwaway servers of
 * @sessionkit/testing have no persistence (right for their tests, wrong for "nothing committed
 * is lost after a restart").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePortRange, localRedisUnavailable, PORT_RANGES, redisPing } from '@sessionkit/testing';
import { type PrivateServer, startPrivateServer } from './private-server';

/** Why a private Redis cannot be started here, or null when it can. */
export function privateRedisUnavailable(): string | null {
  return localRedisUnavailable();
}

/**
 * Starts a durable standalone Redis on a free port; `crash()` is SIGKILL.
 *
 * @example
 * const redis = await startPrivateRedis();
 * await redis.crash();
 * await redis.start(); // replays the append-only file
 */
export async function startPrivateRedis(): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-rel-redis-'));
  const port = await findFreePortRange(1, PORT_RANGES.privateRedis);
  return startPrivateServer({
    name: 'redis',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    command: 'redis-server',
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
    ],
    crashSignal: 'SIGKILL',
    stopSignal: 'SIGTERM',
    // PING answers -LOADING while the append-only file is replayed; only +PONG means serving.
    probe: () => redisPing(port, { timeoutMs: 500 }),
  });
}
