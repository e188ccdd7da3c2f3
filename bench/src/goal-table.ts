/**
 * The performance goal of issue 19, one row per framework × store × route: sessionkit's session
 * cost at most 2/3 of the peer's (ratio ≥ 1.5) and its req/s never below the peer's. Session cost
 * is the server's CPU per request minus the bare framework's. Every ratio is taken inside one
 * round, where the bare server, the peer and sessionkit ran one after the other; the row gives the
 * median over rounds and their range, because this machine's speed drifts between rounds and a
 * ratio of medians from different moments would mix that drift in.
 */

import type { LoadSample } from './http/load';
import { table } from './lib/markdown';
import { fmt, fmtSpread, type Spread, spread } from './lib/stats';
import { type BenchResults, cellOf } from './results';
import type { GroupResult } from './sections/http-throughput';

/** Peer cost over sessionkit cost must reach this; req/s must reach REQ_RATIO_GOAL of the peer's. */
export const COST_RATIO_GOAL = 1.5;
export const REQ_RATIO_GOAL = 1;

const ROUTES = ['read/200', 'write/200', 'login'];

export interface GoalRow {
  framework: string;
  store: string;
  route: string;
  peer: string;
  /** Peer's session cost / sessionkit's, per round. */
  costRatio: Spread;
  /**
   * The same ratio on user CPU only (no kernel time), per round: what the session layers' own
   * code costs, without the socket writes whose kernel cost changes with throughput. Shown, not
   * judged: the goal is on total CPU.
   */
  userCostRatio: Spread;
  /** sessionkit's req/s / the peer's, per round. */
  reqRatio: Spread;
  /** sessionkit's session cost in µs, per round. */
  cost: Spread;
  met: boolean;
}

/** The peer a sessionkit variant is compared with: the same framework and store (Koa's memory peer keeps its sessions in the cookie). */
function peerOf(group: GroupResult, framework: string, store: string): string | undefined {
  const ids = group.variants.map((v) => v.id);
  return [`${framework}/peer/${store}`, ...(store === 'memory' ? [`${framework}/peer/cookie`] : [])].find(
    (id) => ids.includes(id),
  );
}

/**
 * `fn` of each round's samples, one from each list (servers that ran back to back), over the
 * rounds that every list has: the per-round figures behind every ratio of the goal table.
 */
export function perRound<Lists extends LoadSample[][]>(
  lists: [...Lists],
  fn: (round: { [K in keyof Lists]: LoadSample }) => number,
): Spread {
  const rounds = Math.min(...lists.map((samples) => samples.length));
  const values: number[] = [];
  for (let i = 0; i < rounds; i++) {
    values.push(fn(lists.map((samples) => samples[i]) as { [K in keyof Lists]: LoadSample }));
  }
  return spread(values);
}

/**
 * One round's cost ratio, the peer's session cost over sessionkit's, ordered so that a larger value
 * always means sessionkit is the cheaper of the two. The plain quotient is not: it changes sign
 * at zero. A round where sessionkit's server cost no more per request than the bare one (a Redis
 * read can: its replies come back in bursts, so the server answers several requests per wake-up
 * where the bare one answers one) gives a negative quotient, which would rank as the worst round
 * when sessionkit's cost is the lowest it can be. So: sessionkit's cost at or below zero against
 * a positive one of the peer's is +Infinity (any multiple of it); the peer's at or below zero
 * against a positive one of sessionkit's is 0; both at or below zero, neither is measurable, 1.
 */
export function costRatio(theirs: number, mine: number): number {
  if (Number.isNaN(theirs) || Number.isNaN(mine)) return Number.NaN;
  if (theirs > 0) return mine > 0 ? theirs / mine : Number.POSITIVE_INFINITY;
  return mine > 0 ? 0 : 1;
}

/** Per round: sessionkit's session cost, the peer's over it, and sessionkit's req/s over the peer's. */
export function sessionCostRatios(
  bare: LoadSample[],
  mine: LoadSample[],
  theirs: LoadSample[],
): Pick<GoalRow, 'costRatio' | 'userCostRatio' | 'reqRatio' | 'cost'> {
  const lists: [LoadSample[], LoadSample[], LoadSample[]] = [bare, mine, theirs];
  const cost = (b: LoadSample, s: LoadSample) => s.cpuPerRequest - b.cpuPerRequest;
  // NaN where a sample predates systemCpuPerRequest: spread() leaves it out, and the cell reads n/a.
  const user = (s: LoadSample) => s.cpuPerRequest - (s.systemCpuPerRequest ?? Number.NaN);
  return {
    costRatio: perRound(lists, ([b, m, t]) => costRatio(cost(b, t), cost(b, m))),
    userCostRatio: perRound(lists, ([b, m, t]) => costRatio(user(t) - user(b), user(m) - user(b))),
    reqRatio: perRound(lists, ([, m, t]) => m.reqPerSec / t.reqPerSec),
    cost: perRound(lists, ([b, m]) => cost(b, m)),
  };
}

export function goalRows(results: BenchResults): GoalRow[] {
  const rows: GoalRow[] = [];
  for (const group of results.throughput ?? []) {
    // Setups (encryption, a 10 KB session) have their own table (src/options-table.ts).
    for (const variant of group.variants.filter((v) => v.id.includes('/sessionkit/') && !v.setup)) {
      const [framework = '', , store = ''] = variant.id.split('/');
      const peer = peerOf(group, framework, store);
      if (!peer) continue;
      for (const route of ROUTES.filter((r) => group.scenarios.includes(r))) {
        const ratios = sessionCostRatios(
          cellOf(group, `${framework}/bare/none`, route)?.samples ?? [],
          cellOf(group, variant.id, route)?.samples ?? [],
          cellOf(group, peer, route)?.samples ?? [],
        );
        rows.push({
          framework,
          store,
          route,
          peer: group.variants.find((v) => v.id === peer)?.label ?? peer,
          ...ratios,
          met: ratios.costRatio.median >= COST_RATIO_GOAL && ratios.reqRatio.median >= REQ_RATIO_GOAL,
        });
      }
    }
  }
  return rows;
}

/** A per-round ratio as the tables print it: "x" and the median, the range in brackets. */
export const ratioCell = (s: Spread, digits: number) => (s.n === 0 ? 'n/a' : `x${fmtSpread(s, digits)}`);

/** The goal table as Markdown; empty when the run measured no HTTP group with a peer. */
export function goalTable(results: BenchResults): string {
  const rows = goalRows(results);
  if (rows.length === 0) return '';
  return [
    `Goal: session cost ratio (peer's / sessionkit's) ≥ ${COST_RATIO_GOAL} and req/s ratio ≥ ${REQ_RATIO_GOAL}, ` +
      `medians over ${rows[0]?.costRatio.n ?? 0} rounds (range in brackets), each ratio within one round. ` +
      'The user-CPU cost ratio is the same ratio without kernel time (socket reads and writes, and on ' +
      "loopback the load generator's wake-up, which costs more per request as throughput falls): shown, not judged.",
    '',
    table(
      [
        'route',
        'framework',
        'store',
        'peer',
        'session cost ratio',
        'user-CPU cost ratio',
        'req/s ratio',
        'sessionkit cost µs',
        'goal',
      ],
      rows.map((r) => [
        r.route,
        r.framework,
        r.store,
        r.peer,
        ratioCell(r.costRatio, 2),
        ratioCell(r.userCostRatio, 2),
        ratioCell(r.reqRatio, 2),
        fmt(r.cost.median, 0),
        r.met ? 'met' : 'missed',
      ]),
    ),
    '',
    `${rows.filter((r) => r.met).length} of ${rows.length} met.`,
  ].join('\n');
}
