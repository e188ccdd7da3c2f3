import Redis from 'ioredis';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { get, type ServerHandle, type Services, seedSessions, startServer } from '../http/server-handle';
import { type Variant, variantLabel } from '../http/variants';
import { statusCounters } from '../infra/mariadb';
import { resetStatementCounts, statementCounts } from '../infra/postgres';
import { type CommandMonitor, monitorCommands } from '../infra/redis';
import type { Profile } from '../profile';

/** What one kind of request sent to the backend, per request. */
export interface CountRow {
  target: string;
  operation: string;
  /** Commands or statements sent by the app per request, by name. */
  sent: Record<string, number>;
  /** Of those, the ones that change data. */
  writes: number;
  total: number;
  /** Redis only: commands Lua scripts ran inside the server, per request (INFO commandstats counts these too). */
  insideScripts?: Record<string, number>;
}

export interface CommandsResult {
  rows: CountRow[];
  /** sessionkit's touchAfter in the "after touchAfter" rows. */
  touchAfterMs: number;
}

const OPERATIONS = [
  'read (signed-in session)',
  'write (signed-in session)',
  'write (anonymous session)',
  'login (no cookie)',
  'login (from a live anonymous session)',
] as const;
const AFTER_TOUCH = 'read, first after touchAfter';
const TOUCH_AFTER_MS = 1000;

const REDIS_READS = new Set([
  'get',
  'mget',
  'hmget',
  'hget',
  'hgetall',
  'exists',
  'ttl',
  'pttl',
  'zrange',
  'scan',
]);

/** A backend whose per-request traffic we can count exactly. */
interface Counter {
  /** Starts a counting window. */
  begin(): Promise<void>;
  /** Ends it: what was sent (and, for Redis, what scripts ran). */
  end(): Promise<{ sent: Map<string, number>; inside?: Map<string, number>; writes: number }>;
  close(): Promise<void>;
}

async function redisCounter(url: string): Promise<Counter> {
  const control = new Redis(url);
  const monitor: CommandMonitor = await monitorCommands(Number(new URL(url).port));
  return {
    async begin() {
      await monitor.take(control);
    },
    async end() {
      const { client, script } = await monitor.take(control);
      let writes = 0;
      for (const [name, calls] of client) if (!REDIS_READS.has(name)) writes += calls;
      return { sent: client, inside: script, writes };
    },
    async close() {
      monitor.close();
      control.disconnect();
    },
  };
}

async function postgresCounter(url: string): Promise<Counter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    async begin() {
      await resetStatementCounts(client);
    },
    async end() {
      const sent = new Map<string, number>();
      let writes = 0;
      for (const [query, calls] of await statementCounts(client)) {
        let verb = query.trim().split(/\s+/)[0]?.toUpperCase() ?? '?';
        // A statement of data-modifying CTEs (a login's insert and delete) is named by what it runs.
        if (verb === 'WITH') {
          const parts = [...query.matchAll(/\bAS \(\s*(INSERT|UPDATE|DELETE)\b/gi)];
          verb = `WITH ${parts.map((part) => (part[1] as string).toUpperCase()).join('+')}`;
        }
        sent.set(verb, (sent.get(verb) ?? 0) + calls);
        if (verb !== 'SELECT') writes += calls;
      }
      return { sent, writes };
    },
    async close() {
      await client.end();
    },
  };
}

const MARIADB_COUNTERS = ['Com_select', 'Com_insert', 'Com_update', 'Com_delete', 'Com_replace'];

async function mariadbCounter(url: string): Promise<Counter> {
  const connection = await mysql.createConnection(url);
  let before = new Map<string, number>();
  return {
    async begin() {
      before = await statusCounters(connection);
    },
    async end() {
      const after = await statusCounters(connection);
      const sent = new Map<string, number>();
      let writes = 0;
      for (const name of MARIADB_COUNTERS) {
        const delta = (after.get(name) ?? 0) - (before.get(name) ?? 0);
        // Our own SHOW GLOBAL STATUS is Com_show_status, never one of these.
        if (delta > 0) sent.set(name.replace('Com_', '').toUpperCase(), delta);
        if (delta > 0 && name !== 'Com_select') writes += delta;
      }
      return { sent, writes };
    },
    async close() {
      await connection.end();
    },
  };
}

function perRequest(map: Map<string, number> | undefined, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, calls] of map ?? []) out[name] = calls / n;
  return out;
}

async function countOperation(
  counter: Counter,
  target: string,
  operation: string,
  n: number,
  run: (i: number) => Promise<unknown>,
): Promise<CountRow> {
  await counter.begin();
  for (let i = 0; i < n; i++) await run(i);
  const { sent, inside, writes } = await counter.end();
  const total = [...sent.values()].reduce((a, b) => a + b, 0) / n;
  return {
    target,
    operation,
    sent: perRequest(sent, n),
    writes: writes / n,
    total,
    ...(inside ? { insideScripts: perRequest(inside, n) } : {}),
  };
}

async function expectOk(server: ServerHandle, path: string, cookie?: string): Promise<void> {
  const res = await get(`${server.url}${path}`, cookie);
  if (res.status !== 200) throw new Error(`${server.id} ${path} answered ${res.status}: ${res.body}`);
}

async function countVariant(
  variant: Variant,
  services: Services,
  counter: Counter,
  n: number,
): Promise<CountRow[]> {
  const label = variantLabel(variant);
  const rows: CountRow[] = [];
  const server = await startServer(variant, services, { BENCH_NO_PRUNE: '1' });
  try {
    // One extra session of each kind (index n) warms every path first: a process loads each Lua
    // script once (EVALSHA answers NOSCRIPT, then EVAL), which is not per-request traffic.
    const owned = await seedSessions(server, n + 1);
    const anonymous = await seedSessions(server, n + 1, true);
    const runs: Record<(typeof OPERATIONS)[number], (i: number) => Promise<void>> = {
      'read (signed-in session)': (i) => expectOk(server, '/read', owned[i]),
      'write (signed-in session)': (i) => expectOk(server, '/write', owned[i]),
      'write (anonymous session)': (i) => expectOk(server, '/write', anonymous[i]),
      'login (no cookie)': () => expectOk(server, '/login'),
      'login (from a live anonymous session)': (i) => expectOk(server, '/login', anonymous[i]),
    };
    for (const operation of OPERATIONS) await runs[operation](n);
    for (const operation of OPERATIONS)
      rows.push(await countOperation(counter, label, operation, n, runs[operation]));
  } finally {
    await server.stop();
  }
  if (variant.library === 'sessionkit') {
    const touching = await startServer(variant, services, {
      BENCH_NO_PRUNE: '1',
      BENCH_TOUCH_AFTER: String(TOUCH_AFTER_MS),
    });
    try {
      const owned = await seedSessions(touching, n + 1);
      await new Promise((resolve) => setTimeout(resolve, TOUCH_AFTER_MS + 100));
      await expectOk(touching, '/read', owned[n]);
      rows.push(
        await countOperation(counter, label, AFTER_TOUCH, n, (i) => expectOk(touching, '/read', owned[i])),
      );
    } finally {
      await touching.stop();
    }
  }
  return rows;
}

/**
 * Counts, from each server's own statistics, what every kind of request sends to the store:
 * Redis through MONITOR (which tells a client's commands from those its Lua scripts run), PostgreSQL
 * through pg_stat_statements, MariaDB through its Com_* status counters. All servers are private to
 * this run, and requests are sent one at a time, so every count is exact.
 */
export async function runCommandCounts(
  services: Required<Pick<Services, 'redisUrl'>> & Services,
  profile: Profile,
  log: (line: string) => void,
): Promise<CommandsResult> {
  const n = profile.commandSamples;
  const rows: CountRow[] = [];
  const redis = await redisCounter(services.redisUrl);
  try {
    const frameworks = profile.quick ? (['express'] as const) : (['express', 'fastify', 'koa'] as const);
    for (const framework of frameworks) {
      for (const library of ['sessionkit', 'peer'] as const) {
        const variant: Variant = { framework, library, store: 'redis' };
        log(`  counting ${variantLabel(variant)}`);
        rows.push(...(await countVariant(variant, services, redis, n)));
      }
    }
  } finally {
    await redis.close();
  }
  if (services.postgresUrl) {
    const counter = await postgresCounter(services.postgresUrl);
    try {
      log('  counting sessionkit + PostgreSQL');
      rows.push(
        ...(await countVariant(
          { framework: 'express', library: 'sessionkit', store: 'postgres' },
          services,
          counter,
          n,
        )),
      );
    } finally {
      await counter.close();
    }
  }
  if (services.mysqlUrl) {
    const counter = await mariadbCounter(services.mysqlUrl);
    try {
      log('  counting sessionkit + MariaDB');
      rows.push(
        ...(await countVariant(
          { framework: 'express', library: 'sessionkit', store: 'mariadb' },
          services,
          counter,
          n,
        )),
      );
    } finally {
      await counter.close();
    }
  }
  return { rows, touchAfterMs: TOUCH_AFTER_MS };
}
