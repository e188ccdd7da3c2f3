/**
 * Many nodes: app processes sharing one store behind the round-robin proxy, a fixed number of
 * requests spread over many sessions (increments, reads, and pairs of concurrent increments that
 * race each other across nodes), one node SIGKILLed part-way. Every session's ledger is checked on
 * every answer and once more at the end, so a single lost write shows.
 */
import type { AppStoreConfig } from './app-config';
import { type AppExit, type AppProcess, startApp } from './app-process';
import { keepAliveAgent } from './http-client';
import { countOutcomes, countStatuses, latency } from './load';
import { startRoundRobinProxy } from './proxy';
import { type Outcome, type RequestRecord, SessionUser } from './session-user';

/** Options of {@link runManyNodes}. */
export interface ManyNodesOptions {
  /** The store every node shares. */
  store: AppStoreConfig;
  secrets: string[];
  /** @default 3 */
  nodes?: number;
  /** @default 200 */
  sessions?: number;
  /** Requests sent in total (the final verification reads come on top). @default 10_000 */
  requests?: number;
  /** Requests in flight at once. @default 24 */
  concurrency?: number;
  /** Fraction of the requests after which one node is SIGKILLed; null for none. @default 0.5 */
  killAt?: number | null;
  /** The manager's storeTimeout. @default 5_000 */
  storeTimeout?: number;
  /** Hard bound on the whole run. @default 300_000 */
  deadlineMs?: number;
}

/** What the run showed. */
export interface ManyNodesReport {
  store: string;
  nodes: string[];
  sessions: number;
  requests: number;
  durationMs: number;
  requestsPerSecond: number;
  outcomes: Record<Outcome, number>;
  statuses: Record<string, number>;
  latency: { p50: number; p99: number; max: number };
  /** Requests the proxy sent to each node. */
  perNode: Record<string, number>;
  /** Sessions served by every node (the tour guarantees it unless a node failed). */
  sessionsOnEveryNode: number;
  /** Of those, sessions the round-robin proxy alone happened to send to every node. */
  sessionsOnEveryNodeViaProxy: number;
  killed: { node: string; afterRequests: number; at: number } | null;
  /** Requests that did not succeed, and the latest start time of one relative to the kill. */
  failed: number;
  lastFailureAfterKillMs: number | null;
  /** Requests the surviving nodes answered after the kill. */
  servedAfterKill: number;
  proxy: { dropped: number; rerouted: number };
  lostWrites: number;
  phantomWrites: number;
  verifiedSessions: number;
  exits: Record<string, AppExit | null>;
}

type Op = 'inc' | 'peek' | 'pair' | 'tour';

/**
 * Per session: a creating increment through the proxy; then a tour (one increment on each node
 * in turn, addressed directly, so every session provably continues on every node whatever order
 * the proxy's round robin happened to produce); then increments through the proxy, with a read
 * every 5th and a racing pair every 10th round.
 */
function plan(sessions: number, requests: number, nodes: number): Array<{ user: number; op: Op }> {
  const budgets = Array.from(
    { length: sessions },
    (_, i) => Math.floor(requests / sessions) + (i < requests % sessions ? 1 : 0),
  );
  const queue: Array<{ user: number; op: Op }> = [];
  for (let round = 0; budgets.some((b) => b > 0); round++) {
    for (let user = 0; user < sessions; user++) {
      const left = budgets[user] as number;
      if (left === 0) continue;
      let op: Op = 'inc';
      if (round === 1 && left >= nodes) op = 'tour';
      else if (round > 0 && round % 10 === 0 && left >= 2) op = 'pair';
      else if (round > 0 && round % 5 === 0) op = 'peek';
      budgets[user] = left - (op === 'pair' ? 2 : op === 'tour' ? nodes : 1);
      queue.push({ user, op });
    }
  }
  return queue;
}

/** Runs the many-nodes scenario and reports what happened; the caller asserts. */
export async function runManyNodes(options: ManyNodesOptions): Promise<ManyNodesReport> {
  const nodeCount = options.nodes ?? 3;
  const sessions = options.sessions ?? 200;
  const requests = options.requests ?? 10_000;
  const concurrency = options.concurrency ?? 24;
  const killAt = options.killAt === undefined ? 0.5 : options.killAt;
  const deadline = Date.now() + (options.deadlineMs ?? 300_000);
  const names = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
  const apps: AppProcess[] = await Promise.all(
    names.map((node) =>
      startApp({
        node,
        store: options.store,
        secrets: options.secrets,
        storeTimeout: options.storeTimeout ?? 5_000,
      }),
    ),
  );
  const proxy = await startRoundRobinProxy(apps.map((app) => ({ name: app.node, port: app.port })));
  const agent = keepAliveAgent(concurrency + 2);
  const users = Array.from({ length: sessions }, (_, i) => new SessionUser(i));
  const busy = new Map<number, Promise<unknown>>();
  const records: RequestRecord[] = [];
  /** Records of the tour, sent to a node directly instead of through the proxy. */
  const direct = new WeakSet<RequestRecord>();
  const queue = plan(sessions, requests, nodeCount);
  let sent = 0;
  // The tour addresses nodes directly (no proxy to route around a dead one): the kill waits for it.
  let toursLeft = queue.filter((item) => item.op === 'tour').length;
  let killed: ManyNodesReport['killed'] = null;
  let killing: Promise<void> | undefined;
  const victim = apps[Math.min(1, apps.length - 1)] as AppProcess;

  const started = Date.now();
  try {
    let cursor = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (cursor < queue.length && Date.now() < deadline) {
          const item = queue[cursor++] as { user: number; op: Op };
          const user = users[item.user] as SessionUser;
          // One round of a session at a time: its ledger needs the previous answer first.
          const previous = busy.get(item.user) ?? Promise.resolve();
          const round = previous.then(async () => {
            const options = { agent, timeoutMs: 30_000 };
            if (item.op === 'pair') {
              records.push(...(await user.incConcurrently(proxy.url, 2, options)));
            } else if (item.op === 'tour') {
              for (const app of apps) {
                const record = await user.inc(app.url, options);
                direct.add(record);
                records.push(record);
              }
              toursLeft--;
            } else if (item.op === 'peek') {
              records.push(await user.peek(proxy.url, options));
            } else {
              records.push(await user.inc(proxy.url, options));
            }
          });
          busy.set(item.user, round);
          sent += item.op === 'pair' ? 2 : item.op === 'tour' ? apps.length : 1;
          await round;
          if (
            killAt !== null &&
            killing === undefined &&
            toursLeft === 0 &&
            records.length >= killAt * requests
          ) {
            killed = { node: victim.node, afterRequests: records.length, at: Date.now() };
            killing = victim.kill();
          }
        }
      }),
    );
    await killing;
    const durationMs = Date.now() - started;

    // The end state of every session, read through the proxy: inside its ledger window.
    const finals: RequestRecord[] = [];
    for (const user of users) if (user.cookie !== null) finals.push(await user.peek(proxy.url, { agent }));

    const killTime = (killed as ManyNodesReport['killed'])?.at ?? Number.POSITIVE_INFINITY;
    const failed = records.filter((r) => r.outcome !== 'acked' && r.outcome !== 'read');
    // A 200 from a node proves that node served the session (a killed node answers nothing).
    const coverage = (viaProxyOnly: boolean) => {
      const perUser = new Map<number, Set<string>>();
      for (const r of records) {
        if (r.node === null || r.status !== 200 || (viaProxyOnly && direct.has(r))) continue;
        const set = perUser.get(r.user) ?? new Set<string>();
        set.add(r.node);
        perUser.set(r.user, set);
      }
      return [...perUser.values()].filter((set) => set.size === nodeCount).length;
    };
    const lastFailure = failed.reduce((max, r) => Math.max(max, r.startedAt), Number.NEGATIVE_INFINITY);
    return {
      store: options.store.kind,
      nodes: names,
      sessions,
      requests: sent,
      durationMs,
      requestsPerSecond: Math.round((records.length / durationMs) * 1000),
      outcomes: countOutcomes(records),
      statuses: countStatuses(records),
      latency: latency(records),
      perNode: Object.fromEntries(proxy.forwarded),
      sessionsOnEveryNode: coverage(false),
      sessionsOnEveryNodeViaProxy: coverage(true),
      killed,
      failed: failed.length,
      lastFailureAfterKillMs: Number.isFinite(lastFailure) && killed ? lastFailure - killTime : null,
      servedAfterKill: records.filter((r) => r.startedAt > killTime && r.status === 200).length,
      proxy: { dropped: proxy.dropped, rerouted: proxy.rerouted },
      lostWrites: users.reduce(
        (sum, u) => sum + u.losses.reduce((s, l) => s + (l.expectedAtLeast - l.got), 0),
        0,
      ),
      phantomWrites: users.reduce((sum, u) => sum + u.phantoms, 0),
      verifiedSessions: finals.filter((r) => r.outcome === 'read').length,
      exits: Object.fromEntries(apps.map((app) => [app.node, app.exit])),
    };
  } finally {
    await proxy.close();
    agent.destroy();
    await Promise.all(apps.map((app) => app.stop()));
  }
}

/** Every way a many-nodes report falls short of the issue's requirements. */
export function manyNodesViolations(report: ManyNodesReport, concurrency = 24): string[] {
  const problems: string[] = [];
  const at = `many nodes on ${report.store}`;
  for (const [node, exit] of Object.entries(report.exits)) {
    if (exit !== null && node !== report.killed?.node)
      problems.push(`${at}: ${node} exited (${exit.code ?? exit.signal})`);
  }
  if (report.outcomes.transport > 0)
    problems.push(`${at}: ${report.outcomes.transport} requests got no response`);
  if (report.outcomes.unexpected > 0)
    problems.push(`${at}: unexpected statuses ${JSON.stringify(report.statuses)}`);
  if (report.sessionsOnEveryNode !== report.sessions) {
    problems.push(
      `${at}: only ${report.sessionsOnEveryNode} of ${report.sessions} sessions were served by every node`,
    );
  }
  // Only requests in flight on the killed node at the moment it died may fail.
  if (report.failed > concurrency)
    problems.push(`${at}: ${report.failed} failed requests (more than were in flight)`);
  if (report.lastFailureAfterKillMs !== null && report.lastFailureAfterKillMs > 1_000) {
    problems.push(`${at}: a request failed ${report.lastFailureAfterKillMs} ms after the kill`);
  }
  if (report.killed && report.servedAfterKill === 0)
    problems.push(`${at}: nothing was served after the kill`);
  if (report.lostWrites > 0) problems.push(`${at}: ${report.lostWrites} acknowledged writes lost`);
  if (report.phantomWrites > 0)
    problems.push(`${at}: ${report.phantomWrites} counters above every possible value`);
  if (report.verifiedSessions !== report.sessions) {
    problems.push(`${at}: ${report.verifiedSessions} of ${report.sessions} sessions verified at the end`);
  }
  return problems;
}

/** One line for the log and RELIABILITY.md. */
export function summarizeManyNodes(r: ManyNodesReport): string {
  return (
    `${r.store}: ${r.requests} requests over ${r.sessions} sessions on ${r.nodes.length} nodes in ${r.durationMs} ms ` +
    `(${r.requestsPerSecond}/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms), per node ${JSON.stringify(r.perNode)}, ` +
    `${r.sessionsOnEveryNode} sessions on every node (${r.sessionsOnEveryNodeViaProxy} by the proxy alone), ${r.killed ? `${r.killed.node} killed after ${r.killed.afterRequests}` : 'no kill'}, ` +
    `${r.failed} failed (${r.proxy.dropped} dropped in flight), ${r.servedAfterKill} served after the kill, ` +
    `lost ${r.lostWrites}, ${r.verifiedSessions} sessions verified`
  );
}
