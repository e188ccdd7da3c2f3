/**
 * `pnpm --filter @sessionkit/bench calibrate`: what "server CPU added over bare" reports for a
 * known amount of work. A bare Fastify server gets an onRequest hook that busy-waits N µs, and is
 * started and measured by the HTTP section's own code (startServer, measure: autocannon in this
 * process, 32 connections, the server's own CPU time over the window). On a machine where the
 * load generator shares the cores, a slower server pays more per request in the kernel (each
 * response write has to wake the sleeping client), so the figure grows faster than N; this
 * prints by how much. Prints a table; writes no results file.
 */
import { measure } from './http/load';
import { startServer } from './http/server-handle';

const BUSY_WAITS_US = [0, 5, 10, 20, 40, 80];
const ROUNDS = 3;

/** Median over ROUNDS windows of 2 s (by server CPU per request), after a 1 s warm-up. */
async function measureBusyWait(busyWaitUs: number): Promise<{ cpu: number; reqPerSec: number }> {
  const server = await startServer(
    { framework: 'fastify', library: 'bare', store: 'none' },
    {},
    { BENCH_BUSY_WAIT_US: String(busyWaitUs) },
  );
  try {
    const scenario = { key: 'read', route: 'read', sessions: 'none' } as const;
    await measure(server, scenario, [], { durationSec: 1, connections: 32 });
    const samples = [];
    for (let round = 0; round < ROUNDS; round++) {
      const sample = await measure(server, scenario, [], { durationSec: 2, connections: 32 });
      samples.push({ cpu: sample.cpuPerRequest, reqPerSec: sample.reqPerSec });
    }
    samples.sort((a, b) => a.cpu - b.cpu);
    return samples[Math.floor(ROUNDS / 2)] as { cpu: number; reqPerSec: number };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const rows: string[] = [
    '| busy-wait in a hook | req/s  | server CPU µs/req | added over bare | added − busy-wait |',
    '| ------------------- | ------ | ----------------- | --------------- | ----------------- |',
  ];
  let bare = 0;
  for (const busyWait of BUSY_WAITS_US) {
    const { cpu, reqPerSec } = await measureBusyWait(busyWait);
    if (busyWait === 0) bare = cpu;
    const added = cpu - bare;
    rows.push(
      `| ${busyWait === 0 ? 'none (bare)' : `${busyWait} µs`} | ${Math.round(reqPerSec).toLocaleString('en')} | ` +
        `${cpu.toFixed(1)} | ${busyWait === 0 ? '—' : added.toFixed(1)} | ${busyWait === 0 ? '—' : (added - busyWait).toFixed(1)} |`,
    );
    console.log(rows.at(-1));
  }
  console.log(`\n${rows.join('\n')}`);
  process.exit(0);
}

void main();
