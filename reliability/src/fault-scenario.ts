/**
 * Faults under load through a real binding: app nodes (Express + @sessionkit/express, one per
 * store-error policy) serve simulated users while the backend is broken and brought back. The
 * scenario measures what the issue asks for: that no node crashed or hung past the store timeout,
 * what requests got during the outage, how long after the backend returned the service
 * recovered, and whether any acknowledged write was lost.
 */
import type { StoreErrorPolicy } from '@sessionkit/core';
import { pollUntil, sleep } from '@sessionkit/testing';
import type { AppStats } from './app-config';
import { type AppExit, startApp } from './app-process';
import type { FaultTarget } from './fault-targets';
import { keepAliveAgent } from './http-client';
import { countOutcomes, countStatuses, driveUsers, latency } from './load';
import { type Outcome, type RequestRecord, SessionUser } from './session-user';

/** Options of {@link runFaultScenario}. */
export interface FaultScenarioOptions {
  secrets: string[];
  /** One app node per policy, each with its own users and its own prefix or table. @default both */
  policies?: StoreErrorPolicy[];
  /** Simulated users (sessions) per node. @default 12 */
  usersPerApp?: number;
  /** The manager's storeTimeout and the drivers' timeouts, in ms. @default 1_000 */
  storeTimeout?: number;
  /** Traffic before the fault. @default 1_000 */
  warmupMs?: number;
  /** How long a crashed server stays down before it is restarted. @default 1_000 */
  downMs?: number;
  /** Traffic after the backend serves again. @default 1_500 */
  afterMs?: number;
  /** Faults injected one after the other in one run (long runs use several). @default 1 */
  cycles?: number;
}

/** What one node (one policy) went through. */
export interface PolicyReport {
  policy: StoreErrorPolicy;
  requests: number;
  outcomes: Record<Outcome, number>;
  statuses: Record<string, number>;
  /** Requests started while the backend was down (fault injected, not yet serving). */
  duringOutage: { requests: number; outcomes: Record<Outcome, number>; statuses: Record<string, number> };
  latency: { p50: number; p99: number; max: number };
  /** Users that saw at least one failed request after a fault. */
  affectedUsers: number;
  /** Per cycle: backend serving → first acknowledged request of an affected user that started after it. */
  recoveryMs: Array<number | null>;
  /** Per cycle: how long after the backend served again the last failed request started (null: none failed). */
  failuresAfterServingMs: Array<number | null>;
  /** Per healed fault: failed requests while the killed node was restarted and rejoined. */
  failuresWhileHealing: number[];
  /** The first few failed requests that started after the backend served again (diagnostics). */
  lateFailures: Array<{
    cycle: number;
    afterServingMs: number;
    tookMs: number;
    outcome: Outcome;
    status: number;
    error: string | null;
  }>;
  /** Acknowledged increments found missing afterwards. */
  lostWrites: number;
  /** Losses that reached below data committed (and replicated) before the fault. */
  lostBeforeFault: number;
  phantomWrites: number;
  /** Users whose final counter was read and checked against their ledger. */
  verifiedUsers: number;
  exit: AppExit | null;
  stats: AppStats | null;
}

/** The whole run. */
export interface FaultReport {
  backend: string;
  fault: string;
  durable: boolean;
  storeTimeout: number;
  /** Per cycle: fault injected → backend serving again. */
  outageMs: number[];
  /** Per healed cycle: how long restarting the killed node until it replicated took. */
  healMs: number[];
  totalMs: number;
  policies: PolicyReport[];
}

/** One fault: when it was injected, when the backend served again, when the topology was healed. */
interface Window {
  injectedAt: number;
  servingAt: number;
  healStartedAt: number | null;
  healedAt: number | null;
}

/** Runs one faults-under-load scenario against `target`. */
export async function runFaultScenario(
  target: FaultTarget,
  options: FaultScenarioOptions,
): Promise<FaultReport> {
  const started = Date.now();
  const policies = options.policies ?? ['fail-closed', 'fail-open'];
  const storeTimeout = options.storeTimeout ?? 1_000;
  const usersPerApp = options.usersPerApp ?? 12;
  const cycles = options.cycles ?? 1;
  const apps = await Promise.all(
    policies.map((policy) =>
      startApp({
        node: policy,
        policy,
        storeTimeout,
        secrets: options.secrets,
        store: target.storeConfig(policy.replace('-', '_')),
      }),
    ),
  );
  const agent = keepAliveAgent(usersPerApp * policies.length + 4);
  const lanes = apps.map((app) => ({
    app,
    users: Array.from({ length: usersPerApp }, (_, i) => new SessionUser(i)),
    records: [] as RequestRecord[],
  }));
  let stop = false;
  const windows: Window[] = [];
  // Hard bound on the traffic: every phase, each fault's recovery included.
  const deadline =
    Date.now() +
    (options.warmupMs ?? 1_000) +
    cycles * ((options.downMs ?? 1_000) + (options.afterMs ?? 1_500) + 90_000);
  const traffic = Promise.all(
    lanes.map((lane) =>
      driveUsers({
        base: lane.app.url,
        users: lane.users,
        agent,
        stop: () => stop,
        deadline,
        timeoutMs: 4 * storeTimeout + 5_000,
        record: (record) => lane.records.push(record),
      }),
    ),
  );
  try {
    await sleep(options.warmupMs ?? 1_000);
    await pollUntil('every user to have a session before the fault', () =>
      lanes.every((lane) => lane.users.every((user) => user.cookie !== null)),
    );
    for (let cycle = 0; cycle < cycles; cycle++) {
      for (const lane of lanes) for (const user of lane.users) user.markCheckpoint();
      await target.settle();
      const injectedAt = Date.now();
      await target.inject();
      await sleep(options.downMs ?? 1_000);
      target.recover();
      let servingAt = 0;
      await pollUntil(
        `${target.name} to serve again`,
        async () => {
          const probeStarted = Date.now();
          if (!(await target.serving())) return false;
          servingAt = probeStarted;
          return true;
        },
        { timeoutMs: 60_000, intervalMs: 25 },
      );
      const window: Window = { injectedAt, servingAt, healStartedAt: null, healedAt: null };
      windows.push(window);
      await sleep(options.afterMs ?? 1_500);
      if (cycle < cycles - 1 && target.heal) {
        window.healStartedAt = Date.now();
        await target.heal();
        window.healedAt = Date.now();
      }
    }
  } catch (error) {
    stop = true;
    await traffic;
    await Promise.all(apps.map((app) => app.stop()));
    agent.destroy();
    throw error;
  }
  stop = true;
  await traffic;

  // Final read of every session: its counter must be inside the user's ledger window.
  for (const lane of lanes) {
    for (const user of lane.users) {
      if (lane.app.exit === null) lane.records.push(await user.peek(lane.app.url, { agent }));
    }
  }
  const policyReports: PolicyReport[] = [];
  for (const lane of lanes) {
    const stats = lane.app.exit === null ? await lane.app.stats().catch(() => null) : null;
    policyReports.push(policyReport(lane.app.node as StoreErrorPolicy, lane, windows, lane.app.exit, stats));
    await lane.app.stop();
  }
  agent.destroy();
  return {
    backend: target.name,
    fault: target.fault,
    durable: target.durable,
    storeTimeout,
    outageMs: windows.map((w) => w.servingAt - w.injectedAt),
    healMs: windows.flatMap((w) =>
      w.healedAt !== null && w.healStartedAt !== null ? [w.healedAt - w.healStartedAt] : [],
    ),
    totalMs: Date.now() - started,
    policies: policyReports,
  };
}

const FAILED: ReadonlySet<Outcome> = new Set([
  'not-applied',
  'degraded',
  'unknown',
  'transport',
  'unexpected',
]);

function policyReport(
  policy: StoreErrorPolicy,
  lane: { users: SessionUser[]; records: RequestRecord[] },
  windows: readonly Window[],
  exit: AppExit | null,
  stats: AppStats | null,
): PolicyReport {
  const incs = lane.records.filter((r) => r.kind === 'inc');
  const outage = incs.filter((r) =>
    windows.some((w) => r.startedAt >= w.injectedAt && r.startedAt < w.servingAt),
  );
  const affected = new Set<number>();
  const recoveryMs: Array<number | null> = [];
  const failuresAfterServingMs: Array<number | null> = [];
  const failuresWhileHealing: number[] = [];
  const lateFailures: PolicyReport['lateFailures'] = [];
  windows.forEach((window, i) => {
    // A request still in flight when the next fault hit belongs to that fault.
    const end = windows[i + 1]?.injectedAt ?? Number.POSITIVE_INFINITY;
    const inCycle = incs.filter((r) => r.startedAt >= window.injectedAt && r.endedAt < end);
    const hit = new Set(inCycle.filter((r) => FAILED.has(r.outcome)).map((r) => r.user));
    for (const user of hit) affected.add(user);
    const firstAck = inCycle
      .filter((r) => hit.has(r.user) && r.outcome === 'acked' && r.startedAt >= window.servingAt)
      .reduce((min, r) => Math.min(min, r.endedAt), Number.POSITIVE_INFINITY);
    recoveryMs.push(Number.isFinite(firstAck) ? firstAck - window.servingAt : null);
    const lastFailure = inCycle
      .filter((r) => FAILED.has(r.outcome) && r.startedAt >= window.servingAt)
      .reduce((max, r) => Math.max(max, r.startedAt), Number.NEGATIVE_INFINITY);
    failuresAfterServingMs.push(Number.isFinite(lastFailure) ? lastFailure - window.servingAt : null);
    for (const r of inCycle
      .filter((x) => FAILED.has(x.outcome) && x.startedAt >= window.servingAt)
      .slice(0, 5)) {
      lateFailures.push({
        cycle: i + 1,
        afterServingMs: r.startedAt - window.servingAt,
        tookMs: r.endedAt - r.startedAt,
        outcome: r.outcome,
        status: r.status,
        error: r.error,
      });
    }
    if (window.healStartedAt !== null) {
      const healing = inCycle.filter(
        (r) => r.endedAt >= (window.healStartedAt as number) && FAILED.has(r.outcome),
      );
      failuresWhileHealing.push(healing.length);
    }
  });
  const losses = lane.users.flatMap((u) => u.losses);
  return {
    policy,
    requests: incs.length,
    outcomes: countOutcomes(incs),
    statuses: countStatuses(incs),
    duringOutage: {
      requests: outage.length,
      outcomes: countOutcomes(outage),
      statuses: countStatuses(outage),
    },
    latency: latency(incs),
    affectedUsers: affected.size,
    recoveryMs,
    failuresAfterServingMs,
    failuresWhileHealing,
    lateFailures,
    lostWrites: losses.reduce((sum, l) => sum + (l.expectedAtLeast - l.got), 0),
    lostBeforeFault: losses.filter((l) => l.belowCheckpoint).length,
    phantomWrites: lane.users.reduce((sum, u) => sum + u.phantoms, 0),
    verifiedUsers: lane.records.filter((r) => r.kind === 'peek' && r.outcome === 'read').length,
    exit,
    stats,
  };
}
