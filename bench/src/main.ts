/**
 * `pnpm bench` (full, about 40 minutes) and `pnpm bench:quick` (under a minute): sessionkit
 * against the session libraries people use today, side by side in one run on one machine.
 *
 *   node --import tsx src/main.ts [--quick] [--only=commands,lost,http,store,payload,memory,core] [--group=<title text>]
 *
 * Redis, PostgreSQL and MariaDB are private instances started (and stopped) by this run on free
 * ports, so nobody else's traffic enters a count. Results go to results/<profile>-latest.{json,md}.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { goalTable } from './goal-table';
import type { Services } from './http/server-handle';
import { startPrivateMariadb } from './infra/mariadb';
import { startPrivatePostgres } from './infra/postgres';
import { startPrivateRedis } from './infra/redis';
import { ensureBuilt } from './lib/build';
import {
  installedVersion,
  machineNotes,
  nestedVersion,
  REPORTED_PACKAGES,
  serverVersion,
} from './lib/machine';
import { optionsTable } from './options-table';
import { FULL, QUICK } from './profile';
import { renderReport } from './report';
import type { BenchResults } from './results';
import { runCommandCounts } from './sections/commands';
import { runCoreCosts } from './sections/core-costs';
import { runGroup, throughputGroups } from './sections/http-throughput';
import { runLostUpdates } from './sections/lost-updates';
import { runMemoryStore } from './sections/memory-store';
import { runPayload } from './sections/payload';
import { runStoreLevel } from './sections/store-level';

const SECTIONS = ['commands', 'lost', 'http', 'store', 'payload', 'memory', 'core'] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((arg) => arg.startsWith('--only='));
const only = new Set<Section>(
  onlyArg ? (onlyArg.slice('--only='.length).split(',') as Section[]) : [...SECTIONS],
);
for (const section of only) {
  if (!SECTIONS.includes(section)) {
    console.error(`Unknown section "${section}"; choose from ${SECTIONS.join(', ')}.`);
    process.exit(2);
  }
}
// A developer aid: `--group=SQL` runs only the HTTP groups whose title contains that text.
const groupArg = args.find((arg) => arg.startsWith('--group='))?.slice('--group='.length);
const profile = quick ? QUICK : FULL;
const benchDir = fileURLToPath(new URL('../', import.meta.url));
const started = Date.now();
const log = (line: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${line}`);

function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: benchDir,
      encoding: 'utf8',
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', '../packages'], {
      cwd: benchDir,
      encoding: 'utf8',
    });
    return dirty.trim() ? `${head} (packages/ has uncommitted changes)` : head;
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  ensureBuilt(log);
  const versions: Record<string, string> = {};
  for (const name of REPORTED_PACKAGES) versions[name] = installedVersion(name);
  versions['ioredis (inside koa-redis)'] = nestedVersion('koa-redis', 'ioredis');
  versions['redis-server'] = serverVersion('redis-server');
  if (!quick) {
    versions.postgres = serverVersion('postgres');
    versions.mariadbd = serverVersion('mariadbd');
  }
  const results: BenchResults = {
    profile: quick ? 'quick' : 'full',
    command: `pnpm bench${quick ? ':quick' : ''}${onlyArg || groupArg ? ' --' : ''}${onlyArg ? ` ${onlyArg}` : ''}${groupArg ? ` --group=${groupArg}` : ''}`,
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    commit: gitCommit(),
    machine: machineNotes(),
    loadAtEnd: [],
    versions,
    settings: { ...profile },
    skipped: [],
  };
  log(
    `sessionkit bench (${results.profile}) on ${results.machine.cores} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );

  const fileDir = mkdtempSync(join(tmpdir(), 'skbench-files-'));
  log('starting private Redis' + (quick ? '' : ', PostgreSQL and MariaDB'));
  const redis = await startPrivateRedis();
  // Quick mode leaves SQL out: starting the two servers alone takes a good part of its minute.
  const [postgres, mariadb] = quick
    ? [undefined, undefined]
    : await Promise.all([startPrivatePostgres(), startPrivateMariadb()]);
  if (quick) results.skipped.push('PostgreSQL and MariaDB (quick mode)');
  const services: Services & { redisUrl: string } = {
    redisUrl: redis.url,
    fileDir,
    ...(postgres ? { postgresUrl: postgres.url } : {}),
    ...(mariadb ? { mysqlUrl: mariadb.url } : {}),
  };

  try {
    if (only.has('commands')) {
      log('store commands per request (exact counts)');
      results.commands = await runCommandCounts(services, profile, log);
    }
    if (only.has('lost')) {
      log('lost updates: concurrent requests on one session');
      results.lostUpdates = await runLostUpdates(services, profile, log);
    }
    if (only.has('http')) {
      results.throughput = [];
      for (const group of throughputGroups(profile).filter((g) => !groupArg || g.title.includes(groupArg))) {
        log(`HTTP: ${group.title}`);
        results.throughput.push(await runGroup(group, services, profile, log));
      }
    }
    if (only.has('store')) {
      log('store level: get / set / touch against the raw driver');
      results.storeLevel = await runStoreLevel(services, profile, log);
    }
    if (only.has('payload')) {
      log('payload envelope');
      results.payload = await runPayload(profile, log);
    }
    if (only.has('memory')) {
      log(`memory store at ${profile.memory.sessions.toLocaleString('en-US')} sessions`);
      results.memory = await runMemoryStore(profile, log);
    }
    if (only.has('core')) {
      log('core costs (in-process)');
      results.coreCosts = await runCoreCosts(profile, log);
    }
  } finally {
    await Promise.all([redis.stop(), postgres?.stop(), mariadb?.stop()]);
    rmSync(fileDir, { recursive: true, force: true });
  }

  results.finishedAt = new Date().toISOString();
  results.loadAtEnd = loadavg();
  const outDir = join(benchDir, 'results');
  mkdirSync(outDir, { recursive: true });
  // A run of some sections or groups must not replace the last complete run's figures.
  const base = join(outDir, `${onlyArg || groupArg ? 'partial' : results.profile}-latest`);
  writeFileSync(`${base}.json`, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderReport(results));
  // The goal table last, so anyone can see where the project stands after one run; the cost of
  // options (a full run's last group) just before it.
  const options = optionsTable(results);
  if (options) process.stdout.write(`\n${options}\n`);
  const goal = goalTable(results);
  if (goal) process.stdout.write(`\n${goal}\n\n`);
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${base}.md`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
