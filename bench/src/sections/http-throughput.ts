import { type LoadSample, measure, type Scenario } from '../http/load';
import { type ServerHandle, type Services, seedSessions, startServer } from '../http/server-handle';
import { type Setup, type Variant, variantId, variantLabel } from '../http/variants';
import type { Profile } from '../profile';

/** Variants measured side by side: their servers run together and take turns under load. */
export interface Group {
  title: string;
  variants: Variant[];
  scenarios: Scenario[];
}

export interface CellResult {
  variant: string;
  label: string;
  scenario: string;
  samples: LoadSample[];
}

export interface GroupResult {
  title: string;
  /** `setup` is absent for the defaults (and in results written before setups existed). */
  variants: { id: string; label: string; setup?: Setup }[];
  scenarios: string[];
  cells: CellResult[];
}

const SEEDED_SESSIONS = 200;

export const ALL_SCENARIOS: Scenario[] = [
  { key: 'read/shared', route: 'read', sessions: 'shared' },
  { key: 'read/200', route: 'read', sessions: 'rr' },
  { key: 'write/shared', route: 'write', sessions: 'shared' },
  { key: 'write/200', route: 'write', sessions: 'rr' },
  { key: 'login', route: 'login', sessions: 'none' },
];

const v = (
  framework: Variant['framework'],
  library: Variant['library'],
  store: Variant['store'],
  setup?: Setup,
): Variant => ({
  framework,
  library,
  store,
  ...(setup ? { setup } : {}),
});

/**
 * What users turn on, against sessionkit's defaults in the same rounds (src/options-table.ts):
 * encryption on the default session; a 10 KB session with the default compression (gzip above
 * 1 KiB, which the ~200 B default session never reaches) and with compression off; the peer
 * holding the same 10 KB; the store on ioredis instead of node-redis; and metrics and traces on.
 * Three routes keep it to about six minutes.
 */
const OPTIONS_GROUP: Group = {
  title: 'Express, Redis: options users turn on',
  variants: [
    v('express', 'bare', 'none'),
    v('express', 'sessionkit', 'redis'),
    v('express', 'sessionkit', 'redis', 'encrypted'),
    v('express', 'sessionkit', 'redis', 'large'),
    v('express', 'sessionkit', 'redis', 'large-uncompressed'),
    v('express', 'peer', 'redis', 'large'),
    v('express', 'sessionkit', 'redis', 'ioredis'),
    v('express', 'sessionkit', 'redis', 'telemetry'),
  ],
  scenarios: ALL_SCENARIOS.filter((s) => ['read/200', 'write/200', 'login'].includes(s.key)),
};

export function throughputGroups(profile: Profile): Group[] {
  if (profile.quick) {
    return [
      {
        title: 'Express, Redis (quick)',
        variants: [
          v('express', 'bare', 'none'),
          v('express', 'sessionkit', 'redis'),
          v('express', 'peer', 'redis'),
        ],
        scenarios: ALL_SCENARIOS.filter((s) => s.key === 'read/200' || s.key === 'write/200'),
      },
    ];
  }
  const peers = (framework: Variant['framework']): Group => ({
    title: `${framework[0]?.toUpperCase()}${framework.slice(1)}`,
    variants: [
      v(framework, 'bare', 'none'),
      v(framework, 'sessionkit', 'memory'),
      v(framework, 'peer', framework === 'koa' ? 'cookie' : 'memory'),
      v(framework, 'sessionkit', 'redis'),
      v(framework, 'peer', 'redis'),
    ],
    scenarios: ALL_SCENARIOS,
  });
  // The file, PostgreSQL and MariaDB stores against the express-session stores users install for
  // those backends (@fastify/session takes the same stores).
  const backends = (framework: 'express' | 'fastify'): Group => ({
    title: `${framework[0]?.toUpperCase()}${framework.slice(1)}, file and SQL stores`,
    variants: [
      v(framework, 'bare', 'none'),
      v(framework, 'sessionkit', 'file'),
      v(framework, 'peer', 'file'),
      v(framework, 'sessionkit', 'postgres'),
      v(framework, 'peer', 'postgres'),
      v(framework, 'sessionkit', 'mariadb'),
      v(framework, 'peer', 'mariadb'),
    ],
    scenarios: ALL_SCENARIOS,
  });
  return [
    peers('express'),
    peers('fastify'),
    peers('koa'),
    backends('express'),
    backends('fastify'),
    OPTIONS_GROUP,
  ];
}

/**
 * Runs one group: every server up at once, then for each scenario a warm-up and `rounds` rounds in
 * which every variant takes one measured turn. The order rotates each round (A B C, B C A, …), so
 * a burst of noise from the other tenants of this machine lands on every variant in turn.
 *
 * Scenarios run one after another, logins last, not interleaved round by round: a login creates
 * a session per request, and the memory store's cap (10,000 by default) would then evict the
 * seeded sessions that the reads and writes of a later round use, which the peers' uncapped
 * memory stores never do.
 */
export async function runGroup(
  group: Group,
  services: Services,
  profile: Profile,
  log: (line: string) => void,
): Promise<GroupResult> {
  const servers: ServerHandle[] = await Promise.all(
    group.variants.map((variant) => startServer(variant, services)),
  );
  const cells: CellResult[] = [];
  try {
    const cookies = new Map<string, string[]>();
    for (const server of servers) cookies.set(server.id, await seedSessions(server, SEEDED_SESSIONS));
    const load = { durationSec: profile.http.durationSec, connections: profile.http.connections };
    for (const scenario of group.scenarios) {
      for (const server of servers) {
        await measure(server, scenario, cookies.get(server.id) ?? [], {
          ...load,
          durationSec: profile.http.warmupSec,
        });
      }
      const byServer = new Map<string, LoadSample[]>(servers.map((s) => [s.id, []]));
      for (let round = 0; round < profile.http.rounds; round++) {
        for (let i = 0; i < servers.length; i++) {
          const server = servers[(i + round) % servers.length] as ServerHandle;
          const sample = await measure(server, scenario, cookies.get(server.id) ?? [], load);
          byServer.get(server.id)?.push(sample);
          log(
            `  ${group.title} ${scenario.key} r${round + 1} ${server.id}: ${Math.round(sample.reqPerSec)} req/s, ` +
              `${sample.cpuPerRequest.toFixed(1)} µs CPU/req (kernel ${sample.systemCpuPerRequest?.toFixed(1)}), ` +
              `p99 ${sample.p99} ms` +
              (sample.errors ? `, ${sample.errors} errors` : '') +
              `, load ${sample.load.start.toFixed(2)}→${sample.load.end.toFixed(2)}`,
          );
        }
      }
      for (const server of servers) {
        cells.push({
          variant: server.id,
          label: variantLabel(server.variant),
          scenario: scenario.key,
          samples: byServer.get(server.id) ?? [],
        });
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return {
    title: group.title,
    variants: group.variants.map((variant) => ({
      id: variantId(variant),
      label: variantLabel(variant),
      ...(variant.setup ? { setup: variant.setup } : {}),
    })),
    scenarios: group.scenarios.map((s) => s.key),
    cells,
  };
}
