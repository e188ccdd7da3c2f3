/**
 * The cost of what users turn on: for each setup of an HTTP group (src/http/setups.ts), its CPU
 * per request and req/s over sessionkit's defaults, and the 10 KB session against the peer with
 * the same 10 KB. Like the goal table, every ratio is taken inside one round, between servers that
 * ran back to back, and given as the median and range over the rounds; it reuses that table's
 * per-round arithmetic. These rows stay out of the goal table, which covers the defaults.
 */
import { perRound, ratioCell, sessionCostRatios } from './goal-table';
import type { LoadSample } from './http/load';
import { SETUP_LABELS, type Setup } from './http/variants';
import { table } from './lib/markdown';
import { fmt, fmtSpread } from './lib/stats';
import { type BenchResults, cellOf } from './results';
import type { GroupResult } from './sections/http-throughput';

/** A setup against the defaults, or (compression) against another setup holding the same session. */
const COMPARISONS: Array<{ setup: Setup; baseline?: Setup; what: string }> = [
  { setup: 'encrypted', what: SETUP_LABELS.encrypted },
  { setup: 'large', what: `${SETUP_LABELS.large} (default compression: gzip)` },
  { setup: 'large-uncompressed', what: SETUP_LABELS['large-uncompressed'] },
  { setup: 'large', baseline: 'large-uncompressed', what: 'compression on (gzip), 10 KB session' },
  { setup: 'ioredis', what: SETUP_LABELS.ioredis },
  { setup: 'telemetry', what: SETUP_LABELS.telemetry },
];

/** The sessionkit variant of `group` with this setup (undefined: the defaults), if it ran. */
function sessionkitWith(group: GroupResult, setup: Setup | undefined) {
  return group.variants.find((v) => v.id.includes('/sessionkit/') && v.setup === setup);
}

function setupRows(group: GroupResult): string[][] {
  const rows: string[][] = [];
  for (const { setup, baseline, what } of COMPARISONS) {
    const subject = sessionkitWith(group, setup);
    const base = sessionkitWith(group, baseline);
    if (!subject || !base) continue;
    for (const route of group.scenarios) {
      const lists: [LoadSample[], LoadSample[]] = [
        cellOf(group, subject.id, route)?.samples ?? [],
        cellOf(group, base.id, route)?.samples ?? [],
      ];
      rows.push([
        route,
        what,
        baseline ? SETUP_LABELS[baseline] : 'defaults (~200 B session)',
        ratioCell(
          perRound(lists, ([s, b]) => s.cpuPerRequest / b.cpuPerRequest),
          2,
        ),
        fmtSpread(
          perRound(lists, ([s, b]) => s.cpuPerRequest - b.cpuPerRequest),
          0,
        ),
        ratioCell(
          perRound(lists, ([s, b]) => s.reqPerSec / b.reqPerSec),
          2,
        ),
      ]);
    }
  }
  return rows;
}

/** Each sessionkit setup against the peer with the same setup, as the goal table compares the defaults. */
function peerRows(group: GroupResult): string[][] {
  const rows: string[][] = [];
  for (const mine of group.variants.filter((v) => v.setup && v.id.includes('/sessionkit/'))) {
    const peer = group.variants.find((v) => v.id === mine.id.replace('/sessionkit/', '/peer/'));
    if (!peer) continue;
    const framework = mine.id.split('/')[0];
    for (const route of group.scenarios) {
      const ratios = sessionCostRatios(
        cellOf(group, `${framework}/bare/none`, route)?.samples ?? [],
        cellOf(group, mine.id, route)?.samples ?? [],
        cellOf(group, peer.id, route)?.samples ?? [],
      );
      rows.push([
        route,
        mine.label,
        peer.label,
        ratioCell(ratios.costRatio, 2),
        ratioCell(ratios.reqRatio, 2),
        fmt(ratios.cost.median, 0),
      ]);
    }
  }
  return rows;
}

/** The tables as Markdown; empty when the run measured no group with setups. */
export function optionsTable(results: BenchResults): string {
  const out: string[] = [];
  for (const group of (results.throughput ?? []).filter((g) => g.variants.some((v) => v.setup))) {
    const rounds = group.cells[0]?.samples.length ?? 0;
    out.push(
      `${group.title}: ${sessionkitWith(group, undefined)?.label ?? 'sessionkit'} with each setup over ` +
        `its baseline (setup's figure / baseline's), medians over ${rounds} rounds (range in brackets), ` +
        'each ratio within one round. The default session holds ~200 B of JSON, below the 1 KiB over ' +
        'which sessionkit compresses by default (gzip), so the defaults never compress it; compression ' +
        'shows on the 10 KB session, whose default row is gzipped, against the same session with ' +
        '`compression: false`. For the 10 KB setups /login stores the 10 KB session too (a sign-in ' +
        'that loads the saved cart); /read and /write touch one key, as with the defaults.',
      '',
      table(
        ['route', 'setup', 'compared with', 'CPU µs/req ratio', 'CPU added µs/req', 'req/s ratio'],
        setupRows(group),
      ),
    );
    const versusPeer = peerRows(group);
    if (versusPeer.length > 0) {
      out.push(
        '',
        "Against the peer holding the same session: session cost ratio (peer's / sessionkit's; session " +
          "cost = CPU per request minus the bare framework's) and req/s ratio (sessionkit's / the " +
          "peer's), within each round as in the goal table.",
        '',
        table(
          ['route', 'sessionkit', 'peer', 'session cost ratio', 'req/s ratio', 'sessionkit cost µs'],
          versusPeer,
        ),
      );
    }
  }
  return out.join('\n');
}
