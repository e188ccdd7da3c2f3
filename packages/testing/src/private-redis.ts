/**
 * A private redis-server on a free port in a temp directory. Durable by default (append-only file
 * with `appendfsync always`, so every write Redis acknowledged survives a SIGKILL and comes back
 * on restart: what the reliability suite's fault tests rely on); the shared server of a test run
 * needs no persistence and starts with `durable: false`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localRedisUnavailable, redisPing } from './local-redis';
import { findFreePortRange, PORT_RANGES } from './ports';
import { type PrivateServer, startPrivateServer } from './private-server';

/** Why a private Redis cannot be started here, or null when it can. */
export function privateRedisUnavailable(): string | null {
  return localRedisUnavailable();
}

/** Options of {@link startPrivateRedis}. */
export interface PrivateRedisOptions {
  /** Append-only file fsynced on every write; false: no persistence at all. @default true */
  durable?: boolean;
}

/**
 * Starts a standalone Redis on a free port; `crash()` is SIGKILL.
 *
 * @example
 * const redis = await startPrivateRedis();
 * await redis.crash();
 * await redis.start(); // replays the append-only file
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateServer> {
  const persistence =
    (options.durable ?? true) ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const dir = mkdtempSync(join(tmpdir(), 'sk-private-redis-'));
  const port = await findFreePortRange(1, PORT_RANGES.privateRedis);
  return startPrivateServer({
    name: 'redis',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', ...persistence],
    crashSignal: 'SIGKILL',
    stopSignal: 'SIGTERM',
    // PING answers -LOADING while the append-only file is replayed; only +PONG means serving.
    probe: () => redisPing(port, { timeoutMs: 500 }),
  });
}
