/**
 * Soak: one app node under steady, bounded traffic for a fixed time, with its heap measured after
 * forced garbage collection at the start (after a warm-up) and at the end, both with the traffic
 * paused so neither measurement holds requests in flight. The traffic churns sessions (logins
 * regenerate IDs, logouts destroy sessions, new sessions start) so a leak per session, per ID or
 * per request shows as growth, while the number of live sessions stays bounded.
 */

import { sleep } from '@sessionkit/testing';
import type { AppStoreConfig } from './app-config';
import { type AppExit, type HeapSample, startApp } from './app-process';
import { keepAliveAgent } from './http-client';
import { countOutcomes, countStatuses, latency } from './load';
import { type Outcome, type RequestRecord, SessionUser } from './session-user';

/** Options of {@link runSoak}. */
export interface SoakOptions {
  store: AppStoreConfig;
  secrets: string[];
  /** Measured traffic, between the two heap measurements. */
  durationMs: number;
  /** Traffic before the first measurement (JIT, pools and caches settle). @default 30_000 */
  warmupMs?: number;
  /** Simulated users. @default 16 */
  users?: number;
  /** Heap sample interval during the run, for the report. @default 60_000 */
  sampleEveryMs?: number;
}

/** What the soak showed. */
export interface SoakReport {
  store: string;
  durationMs: number;
  requests: number;
  requestsPerSecond: number;
  outcomes: Record<Outcome, number>;
  statuses: Record<string, number>;
  latency: { p50: number; p99: number; max: number };
  logins: number;
  logouts: number;
  heapStart: HeapSample;
  heapEnd: HeapSample;
  /** (end - start) / start of heapUsed after GC. */
  heapGrowth: number;
  /** heapUsed after GC during the run (traffic not paused), by elapsed ms. */
  samples: Array<{ atMs: number; heapUsed: number }>;
  lostWrites: number;
  phantomWrites: number;
  exit: AppExit | null;
}

/** Median of three measurements a second apart: one stray allocation must not decide the result. */
async function steadyHeap(measure: () => Promise<HeapSample>): Promise<HeapSample> {
  const samples: HeapSample[] = [];
  for (let i = 0; i < 3; i++) {
    samples.push(await measure());
    await sleep(1_000);
  }
  return samples.sort((a, b) => a.heapUsed - b.heapUsed)[1] as HeapSample;
}

/** Runs the soak and reports; the caller asserts. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const app = await startApp(
    {
      node: `soak-${options.store.kind}`,
      store: options.store,
      secrets: options.secrets,
      storeTimeout: 5_000,
    },
    { gc: true },
  );
  const agent = keepAliveAgent((options.users ?? 16) + 2);
  const users = Array.from({ length: options.users ?? 16 }, (_, i) => new SessionUser(i));
  const records: RequestRecord[] = [];
  let logins = 0;
  let logouts = 0;

  /** One phase of traffic; every loop ends at `until` (an absolute time). */
  const traffic = (until: number, keep: boolean) =>
    Promise.all(
      users.map(async (user) => {
        while (Date.now() < until) {
          const dice = Math.random();
          const send = { agent, timeoutMs: 30_000 };
          let record: RequestRecord;
          if (dice < 0.7) record = await user.inc(app.url, send);
          else if (dice < 0.85) record = await user.peek(app.url, send);
          else if (dice < 0.95) {
            record = await user.act(app.url, 'login', send);
            if (keep) logins++;
          } else {
            record = await user.act(app.url, 'logout', send);
            if (keep) logouts++;
          }
          if (keep) records.push(record);
          await sleep(10);
        }
      }),
    );

  try {
    await traffic(Date.now() + (options.warmupMs ?? 30_000), false);
    await sleep(1_000);
    const heapStart = await steadyHeap(() => app.heap());
    const started = Date.now();
    const samples: Array<{ atMs: number; heapUsed: number }> = [];
    const sampler = setInterval(() => {
      app
        .heap()
        .then((h) => samples.push({ atMs: Date.now() - started, heapUsed: h.heapUsed }))
        .catch(() => undefined);
    }, options.sampleEveryMs ?? 60_000);
    await traffic(started + options.durationMs, true);
    clearInterval(sampler);
    const durationMs = Date.now() - started;
    await sleep(1_000);
    const heapEnd = await steadyHeap(() => app.heap());
    return {
      store: options.store.kind,
      durationMs,
      requests: records.length,
      requestsPerSecond: Math.round((records.length / durationMs) * 1000),
      outcomes: countOutcomes(records),
      statuses: countStatuses(records),
      latency: latency(records),
      logins,
      logouts,
      heapStart,
      heapEnd,
      heapGrowth: (heapEnd.heapUsed - heapStart.heapUsed) / heapStart.heapUsed,
      samples,
      lostWrites: users.reduce(
        (sum, u) => sum + u.losses.reduce((s, l) => s + (l.expectedAtLeast - l.got), 0),
        0,
      ),
      phantomWrites: users.reduce((sum, u) => sum + u.phantoms, 0),
      exit: app.exit,
    };
  } finally {
    agent.destroy();
    await app.stop();
  }
}

/** One line for the log and RELIABILITY.md. */
export function summarizeSoak(r: SoakReport): string {
  const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(2)} MB`;
  return (
    `${r.store}: ${r.requests} requests in ${Math.round(r.durationMs / 1000)} s (${r.requestsPerSecond}/s, ` +
    `p99 ${r.latency.p99} ms), ${r.logins} logins, ${r.logouts} logouts, heap after GC ${mb(r.heapStart.heapUsed)} → ` +
    `${mb(r.heapEnd.heapUsed)} (${(r.heapGrowth * 100).toFixed(1)}%), rss ${mb(r.heapStart.rss)} → ${mb(r.heapEnd.rss)}, ` +
    `lost ${r.lostWrites}, statuses ${JSON.stringify(r.statuses)}`
  );
}
