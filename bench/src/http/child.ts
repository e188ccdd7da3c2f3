/**
 * One server under test, in its own process. The parent asks for this process's CPU time over
 * IPC at the start and end of each measured window, so the figure excludes the load generator,
 * which shares the machine.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { expressApp } from './app-express';
import { fastifyApp } from './app-fastify';
import { koaApp } from './app-koa';
import type { FromChild, ServerApp, ToChild } from './protocol';
import type { ChildEnv, Variant } from './variants';

function send(message: FromChild): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const env = process.env as unknown as ChildEnv;
  const variant = JSON.parse(env.BENCH_VARIANT) as Variant;
  const build = { express: expressApp, fastify: fastifyApp, koa: koaApp }[variant.framework];
  let app: ServerApp;
  let stopProfiler: (() => Promise<unknown>) | undefined;
  try {
    // The setups' options and data live in the Express app only (src/http/setups.ts).
    if (variant.setup && variant.framework !== 'express') {
      throw new Error(`setup ${variant.setup} is wired for Express only, not ${variant.framework}`);
    }
    app = await build(variant, env);
  } catch (error) {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  process.on('message', async (message: ToChild) => {
    if (message.type === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ type: 'cpu', id: message.id, user, system, rss: process.memoryUsage.rss() });
    } else if (message.type === 'profile') {
      if (message.action === 'start') stopProfiler = await startProfiler();
      else if (stopProfiler) writeFileSync(message.file, JSON.stringify(await stopProfiler()));
      send({ type: 'profiled', id: message.id });
    } else if (message.type === 'close') {
      await app.close().catch(() => undefined);
      process.exit(0);
    }
  });
  // The parent going away (a crash of the harness) must not leave servers behind.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', port: app.port });
}

/** A V8 CPU profile of this server over a window the parent chooses (src/cpu-breakdown.ts). */
async function startProfiler(): Promise<() => Promise<unknown>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 100 µs rather than V8's default 1 ms: steps of a few µs per request need many samples.
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  return async () => (await session.post('Profiler.stop')).profile;
}

void main();
