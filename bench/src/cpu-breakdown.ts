/**
 * `pnpm bench:profile -- <framework>/<library>/<store> <route> [--seconds=10] [--keep=dir]`: where a
 * server's CPU per request goes, by step. One server runs under the same load as the HTTP section
 * (32 connections, 200 seeded sessions round-robin, or no cookie for login) with V8's sampling
 * profiler on for the measured window only; each sample is charged to the innermost step its stack
 * is in, and a step's share of the samples times the server's measured CPU per request gives µs
 * per request. Several variants may be named: they run one after another, same route, same window.
 *
 * Sampling adds its own cost (the total is higher than an unprofiled run's) and a step of under
 * about 1 µs is within noise; use the split, not the total, and the HTTP section for totals.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classify, STEP_ORDER } from './cpu-steps';
import { measure, type Scenario } from './http/load';
import { type Services, seedSessions, startServer } from './http/server-handle';
import type { Variant } from './http/variants';
import { startPrivateMariadb } from './infra/mariadb';
import { startPrivatePostgres } from './infra/postgres';
import { startPrivateRedis } from './infra/redis';
import { ensureBuilt } from './lib/build';
import { fmt } from './lib/stats';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const args = process.argv.slice(2);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const positional = args.filter((a) => !a.startsWith('--'));
const route = positional.pop() as Scenario['route'];
const variants: Variant[] = positional.map((id) => {
  // framework/library/store[/setup], as variantId() writes them (express/sessionkit/redis/ioredis).
  const [framework, library, store, setup] = id.split('/');
  return { framework, library, store, ...(setup ? { setup } : {}) } as Variant;
});
const seconds = Number(option('seconds') ?? 10);
if (variants.length === 0 || !['read', 'write', 'login'].includes(route)) {
  console.error('usage: pnpm bench:profile -- express/sessionkit/redis [more variants] read|write|login');
  process.exit(2);
}

/** Per-step share of the samples: step name to sampled µs. */
function breakdown(profile: CpuProfile): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node);
  }
  const stepOf = new Map<number, string>();
  const step = (id: number): string => {
    let found = stepOf.get(id);
    if (found === undefined) {
      const stack: ProfileNode['callFrame'][] = [];
      for (let node = byId.get(id); node; node = parent.get(node.id)) stack.push(node.callFrame);
      found = classify(stack);
      stepOf.set(id, found);
    }
    return found;
  };
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const name = step(id);
    if (name === 'idle') return;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

async function main(): Promise<void> {
  ensureBuilt(console.log);
  const stores = new Set(variants.map((v) => v.store));
  const redis = await startPrivateRedis();
  const postgres = stores.has('postgres') ? await startPrivatePostgres() : undefined;
  const mariadb = stores.has('mariadb') ? await startPrivateMariadb() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'skbench-profile-'));
  const keep = option('keep');
  // The server child writes the profile there: the folder must exist first.
  if (keep) mkdirSync(keep, { recursive: true });
  const services: Services = {
    redisUrl: redis.url,
    fileDir: dir,
    ...(postgres ? { postgresUrl: postgres.url } : {}),
    ...(mariadb ? { mysqlUrl: mariadb.url } : {}),
  };
  const scenario: Scenario = { key: route, route, sessions: route === 'login' ? 'none' : 'rr' };
  const columns: { id: string; cpu: number; steps: Map<string, number> }[] = [];
  try {
    for (const variant of variants) {
      const server = await startServer(variant, services);
      try {
        const cookies = await seedSessions(server, 200);
        await measure(server, scenario, cookies, { durationSec: 2, connections: 32 });
        await server.profile('start');
        const sample = await measure(server, scenario, cookies, { durationSec: seconds, connections: 32 });
        const file = join(keep ?? dir, `${server.id.replaceAll('/', '-')}-${route}.cpuprofile`);
        await server.profile('stop', file);
        const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
        const sampled = breakdown(profile);
        const total = [...sampled.values()].reduce((a, b) => a + b, 0);
        // Shares of the sampled time, scaled to the CPU per request measured over the same window.
        const steps = new Map([...sampled].map(([name, us]) => [name, (us / total) * sample.cpuPerRequest]));
        columns.push({ id: server.id, cpu: sample.cpuPerRequest, steps });
        console.log(
          `${server.id} ${route}: ${Math.round(sample.reqPerSec)} req/s, ${fmt(sample.cpuPerRequest)} µs CPU/req`,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    await Promise.all([redis.stop(), postgres?.stop(), mariadb?.stop()]);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  const names = STEP_ORDER.filter((name) => columns.some((c) => c.steps.has(name)));
  const lines = [
    `| step (µs CPU per request, ${route}) | ${columns.map((c) => c.id).join(' | ')} |`,
    `| --- | ${columns.map(() => '---:').join(' | ')} |`,
    ...names.map((name) => `| ${name} | ${columns.map((c) => fmt(c.steps.get(name) ?? 0, 1)).join(' | ')} |`),
    `| **total (profiled)** | ${columns.map((c) => `**${fmt(c.cpu, 1)}**`).join(' | ')} |`,
  ];
  console.log(`\n${lines.join('\n')}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
