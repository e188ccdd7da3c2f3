import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort, spawnTracked, stopChild, waitUntil } from './process';

/** A private redis-server of this run: nobody else's traffic reaches it, so counts are exact. */
export interface PrivateRedis {
  url: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'skbench-redis-'));
  const child = spawnTracked(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const probe = new Redis(port, '127.0.0.1', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // Refused connections are expected until the server listens; the poll below handles them.
  probe.on('error', () => undefined);
  await waitUntil(`redis-server on ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
    return (await probe.ping().catch(() => '')) === 'PONG';
  });
  probe.disconnect();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid as number,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Per-command call counts from INFO commandstats (calls inside Lua scripts included). */
export async function commandStats(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const stats = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    stats.set(match[1] as string, Number(match[2]));
  }
  return stats;
}

/**
 * Watches a Redis server with MONITOR, which tags each command with its origin: a client address,
 * or "lua" for commands a script ran. That separates round trips (what the app sent) from the
 * work scripts did, which INFO commandstats lumps together.
 */
export interface CommandMonitor {
  /**
   * Commands seen since the last take, split by origin. Waits until MONITOR has delivered every
   * command sent before the call: it sends an ECHO marker on `control` and waits to see it.
   */
  take(control: Redis): Promise<{ client: Map<string, number>; script: Map<string, number> }>;
  close(): void;
}

export async function monitorCommands(port: number): Promise<CommandMonitor> {
  const socket = connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let client = new Map<string, number>();
  let script = new Map<string, number>();
  let buffer = '';
  let ok: () => void = () => undefined;
  const markers = new Map<string, () => void>();
  const started = new Promise<void>((resolve) => {
    ok = resolve;
  });
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\r\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 2);
      newline = buffer.indexOf('\r\n');
      if (line === '+OK') {
        ok();
        continue;
      }
      // +1700000000.123456 [0 127.0.0.1:51234] "hmget" "sess:{...}" ...   or   [0 lua] "hset" ...
      const match = /^\+\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/.exec(line);
      if (!match) continue;
      const name = (match[2] as string).toLowerCase();
      if (name === 'echo') {
        const marker = /"echo" "([^"]+)"/i.exec(line)?.[1];
        if (marker !== undefined) markers.get(marker)?.();
        continue;
      }
      const origin = match[1] === 'lua' ? script : client;
      origin.set(name, (origin.get(name) ?? 0) + 1);
    }
  });
  socket.write('MONITOR\r\n');
  await started;
  return {
    async take(control) {
      const marker = `skbench-${Math.random().toString(36).slice(2)}`;
      const seen = new Promise<void>((resolve) => markers.set(marker, resolve));
      await control.echo(marker);
      await seen;
      markers.delete(marker);
      const taken = { client, script };
      client = new Map();
      script = new Map();
      return taken;
    },
    close() {
      socket.destroy();
    },
  };
}
