/**
 * Load generation: every simulated user increments its session in a loop until told to stop, and
 * every answer goes to a log. Loops are bounded twice: by the caller's stop condition and by a
 * hard deadline, so a scenario that goes wrong ends instead of spinning.
 */
import type { Agent } from 'node:http';
import { sleep } from '@sessionkit/testing';
import { percentile } from './http-client';
import type { Outcome, RequestRecord, SessionUser } from './session-user';

/** Options of {@link driveUsers}. */
export interface DriveOptions {
  /** Base URL of the node or proxy. */
  base: string;
  users: readonly SessionUser[];
  agent: Agent;
  /** Checked before each request; true ends that user's loop. */
  stop: () => boolean;
  /** Absolute time (epoch ms) after which every loop ends regardless. */
  deadline: number;
  /** Pause after an acknowledged request, per user. @default 10 */
  pauseMs?: number;
  /** Pause after a failed request, per user (clients back off a little). @default 20 */
  failurePauseMs?: number;
  /** Per-request timeout. @default 15_000 */
  timeoutMs?: number;
  /** Receives every record as it arrives. */
  record: (record: RequestRecord) => void;
}

/** Runs one increment loop per user until `stop()` or the deadline. */
export async function driveUsers(options: DriveOptions): Promise<void> {
  const pause = options.pauseMs ?? 10;
  const failurePause = options.failurePauseMs ?? 20;
  await Promise.all(
    options.users.map(async (user) => {
      while (!options.stop() && Date.now() < options.deadline) {
        const record = await user.inc(options.base, {
          agent: options.agent,
          timeoutMs: options.timeoutMs ?? 15_000,
        });
        options.record(record);
        await sleep(record.outcome === 'acked' ? pause : failurePause);
      }
    }),
  );
}

/** Counts of records by outcome. */
export function countOutcomes(records: readonly RequestRecord[]): Record<Outcome, number> {
  const counts: Record<Outcome, number> = {
    acked: 0,
    read: 0,
    'not-applied': 0,
    degraded: 0,
    unknown: 0,
    transport: 0,
    unexpected: 0,
  };
  for (const record of records) counts[record.outcome]++;
  return counts;
}

/** Latency figures of a set of records, in ms. */
export function latency(records: readonly RequestRecord[]): { p50: number; p99: number; max: number } {
  const ms = records.map((r) => r.endedAt - r.startedAt);
  return { p50: percentile(ms, 50), p99: percentile(ms, 99), max: ms.reduce((a, b) => Math.max(a, b), 0) };
}

/** Records by status code. */
export function countStatuses(records: readonly RequestRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) counts[record.status] = (counts[record.status] ?? 0) + 1;
  return counts;
}
