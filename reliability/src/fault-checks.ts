/**
 * What a fault run must show, as a list of violations (empty when the run passed), so a failing
 * test names every broken promise at once instead of the first assertion that tripped.
 */
import type { FaultReport } from './fault-scenario';

/** Recovery bound of the issue: the service is back within a second of the backend. */
export const RECOVERY_BOUND_MS = 1_000;

/**
 * A request makes at most two store calls on the failure path (load, then commit), each bounded
 * by storeTimeout; the rest is slack for a loaded machine.
 */
export function latencyBound(storeTimeout: number): number {
  return 2 * storeTimeout + 1_000;
}

/** Every way `report` falls short of the requirements. */
export function faultViolations(report: FaultReport): string[] {
  const problems: string[] = [];
  const bound = latencyBound(report.storeTimeout);
  for (const p of report.policies) {
    const at = `${report.backend} / ${p.policy}`;
    if (p.exit !== null) problems.push(`${at}: the node exited (${p.exit.code ?? p.exit.signal})`);
    if (p.outcomes.transport > 0) {
      problems.push(`${at}: ${p.outcomes.transport} requests got no HTTP response (crash, reset or hang)`);
    }
    if (p.outcomes.unexpected > 0) {
      problems.push(
        `${at}: ${p.outcomes.unexpected} requests got an unexpected status: ${JSON.stringify(p.statuses)}`,
      );
    }
    if (p.latency.max > bound) problems.push(`${at}: a request took ${p.latency.max} ms (bound ${bound} ms)`);
    if (p.policy === 'fail-closed') {
      if (p.outcomes.degraded > 0)
        problems.push(`${at}: ${p.outcomes.degraded} anonymous (fail-open) answers`);
      if (p.duringOutage.outcomes['not-applied'] + p.duringOutage.outcomes.unknown === 0) {
        problems.push(`${at}: no error status during the outage, so the fault never reached the app`);
      }
    } else {
      const non200 = Object.keys(p.statuses).filter((status) => status !== '200');
      if (non200.length > 0) problems.push(`${at}: statuses other than 200: ${JSON.stringify(p.statuses)}`);
      if (p.duringOutage.outcomes.degraded === 0) {
        problems.push(`${at}: no anonymous session during the outage, so the fault never reached the app`);
      }
    }
    p.recoveryMs.forEach((ms, cycle) => {
      if (ms === null)
        problems.push(`${at}: fault ${cycle + 1}: no affected user succeeded after the backend returned`);
      else if (ms > RECOVERY_BOUND_MS) {
        problems.push(`${at}: fault ${cycle + 1}: first success ${ms} ms after the backend returned`);
      }
    });
    p.failuresAfterServingMs.forEach((ms, cycle) => {
      if (ms !== null && ms > RECOVERY_BOUND_MS) {
        problems.push(`${at}: fault ${cycle + 1}: requests still failed ${ms} ms after the backend returned`);
      }
    });
    if (p.lostBeforeFault > 0) {
      problems.push(`${at}: ${p.lostBeforeFault} sessions lost data committed before the fault`);
    }
    if (report.durable && p.lostWrites > 0) {
      problems.push(
        `${at}: ${p.lostWrites} acknowledged writes lost although ${report.backend} kept its data`,
      );
    }
    if (p.phantomWrites > 0) problems.push(`${at}: ${p.phantomWrites} counters above every possible value`);
  }
  return problems;
}

/** One line per node for the test log and RELIABILITY.md. */
export function summarizeFault(report: FaultReport): string {
  return report.policies
    .map(
      (p) =>
        `${report.backend} (${report.fault}) ${p.policy}: ${p.requests} requests, outage ` +
        `${report.outageMs.join('/')} ms, ${p.duringOutage.requests} during it ` +
        `${JSON.stringify(p.duringOutage.statuses)}, recovery ${p.recoveryMs.join('/')} ms, ` +
        `max latency ${p.latency.max} ms, lost ${p.lostWrites} (before the fault ${p.lostBeforeFault}), ` +
        `${p.verifiedUsers} sessions verified, node ${p.exit === null ? 'alive' : 'EXITED'}`,
    )
    .join('\n');
}
