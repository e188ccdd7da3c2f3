/**
 * `pnpm --filter @sessionkit/bench calibrate`: what "server CPU added over bare" reports for a
 * known amount of work. A bare Fastify server gets an onRequest hook that busy-waits N µs, and is
 * measured exactly as the HTTP section measures (autocannon in this process, 32 connections, the
 * server's own CPU time over the window). On a machine where the load generator shares the cores,
 * a slower server pays more per request in the kernel (each response write has to wake the
 * sleeping client), so the figure grows faster than N; this prints by how much. Prints a table;
 * writes no results file.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const BURNS_US = [0, 5, 10, 20, 40, 80];
const ROUNDS = 3;

async function serve(burnUs: number): Promise<void> {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (burnUs > 0) {
    const ns = BigInt(burnUs * 1000);
    app.addHook('onRequest', async () => {
      const until = process.hrtime.bigint() + ns;
      while (process.hrtime.bigint() < until);
    });
  }
  app.get('/read', async () => ({ user: null }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpu: user + system });
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ port: (app.server.address() as { port: number }).port });
}

/** Median server CPU µs per request over ROUNDS windows of 2 s, after a 1 s warm-up. */
async function measure(burnUs: number): Promise<{ cpu: number; reqPerSec: number }> {
  const self = fileURLToPath(import.meta.url);
  const child = fork(self, ['--serve', String(burnUs)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  try {
    const { port } = await new Promise<{ port: number }>((resolve) =>
      child.once('message', resolve as never),
    );
    const cpu = () =>
      new Promise<number>((resolve) => {
        child.once('message', (m: { cpu: number }) => resolve(m.cpu));
        child.send('cpu');
      });
    const url = `http://127.0.0.1:${port}/read`;
    await autocannon({ url, connections: 32, duration: 1 });
    const samples: Array<{ cpu: number; reqPerSec: number }> = [];
    for (let round = 0; round < ROUNDS; round++) {
      const before = await cpu();
      const result = await autocannon({ url, connections: 32, duration: 2 });
      const used = (await cpu()) - before;
      samples.push({ cpu: used / result['2xx'], reqPerSec: result['2xx'] / 2 });
    }
    samples.sort((a, b) => a.cpu - b.cpu);
    return samples[Math.floor(ROUNDS / 2)] as { cpu: number; reqPerSec: number };
  } finally {
    child.disconnect();
  }
}

async function main(): Promise<void> {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt >= 0) return serve(Number(process.argv[serveAt + 1]));
  const rows: string[] = [
    '| busy-wait in a hook | req/s  | server CPU µs/req | added over bare | added − busy-wait |',
    '| ------------------- | ------ | ----------------- | --------------- | ----------------- |',
  ];
  let bare = 0;
  for (const burn of BURNS_US) {
    const { cpu, reqPerSec } = await measure(burn);
    if (burn === 0) bare = cpu;
    const added = cpu - bare;
    rows.push(
      `| ${burn === 0 ? 'none (bare)' : `${burn} µs`} | ${Math.round(reqPerSec).toLocaleString('en')} | ` +
        `${cpu.toFixed(1)} | ${burn === 0 ? '—' : added.toFixed(1)} | ${burn === 0 ? '—' : (added - burn).toFixed(1)} |`,
    );
    console.log(rows.at(-1));
  }
  console.log(`\n${rows.join('\n')}`);
  process.exit(0);
}

void main();
