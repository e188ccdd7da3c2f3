/**
 * Runs in its own process (started with --expose-gc): fills a memory store with N sessions and
 * measures heap per session, lookups at that size, and the cost of expiring them. The store reads
 * Date.now(), so this process swaps in a clock it can move forward instead of waiting hours.
 */
import { randomBytes } from 'node:crypto';
import { createEnvelope, createMemoryStore } from '@sessionkit/core';
import session from 'express-session';
import { seedData } from '../http/variants';

export interface MemoryChildResult {
  sessions: number;
  /** 'sessionkit' or 'express-session' (its MemoryStore, for reference). */
  store: string;
  payloadBytes: number;
  withOwner: boolean;
  /** Heap + external + array buffers after the fill, minus before, per session. */
  bytesPerSession: number;
  rssPerSession: number;
  insertPerSecond: number;
  getMicros: number;
  /** A sweep that finds ~1% of the sessions expired: how long it blocks the event loop. */
  sweepOnePercentMs: number;
  sweepOnePercentCount: number;
  /** Expiring all the rest in one sweep. */
  sweepAllMs: number;
  sweepAllCount: number;
}

const gc = (globalThis as { gc?: () => void }).gc;
function settle(): void {
  for (let i = 0; i < 3; i++) gc?.();
}
function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

const realNow = Date.now.bind(Date);
let offset = 0;
Date.now = () => realNow() + offset;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1_000_000);
  const mode = process.argv[3] ?? 'none';
  if (mode === 'express-session') return expressSession(n);
  const withOwner = mode === 'owner';
  const payload = await createEnvelope().seal({ c: Date.now(), d: seedData(1), f: {} }, 'memory');
  const keys = Array.from({ length: n }, () => randomBytes(32).toString('base64url'));
  const owners = withOwner ? Array.from({ length: n }, (_, i) => `user-${i}`) : [];
  const hour = 3_600_000;
  const base = Date.now();

  settle();
  const before = used();
  const rssBefore = process.memoryUsage.rss();
  const store = createMemoryStore({ maxSessions: 0, sweepInterval: 2_000_000_000 });
  const fillStart = performance.now();
  for (let i = 0; i < n; i++) {
    // Expiries spread evenly over [base + 1 h, base + 2 h], like sessions that arrived over an hour.
    await store.set(keys[i] as string, {
      payload,
      version: 1,
      expiresAt: base + hour + Math.floor((i / n) * hour),
      ownerId: withOwner ? (owners[i] as string) : null,
    });
  }
  const insertPerSecond = n / ((performance.now() - fillStart) / 1000);
  settle();
  const bytesPerSession = (used() - before) / n;
  const rssPerSession = (process.memoryUsage.rss() - rssBefore) / n;

  const lookups = 200_000;
  const getStart = performance.now();
  for (let i = 0; i < lookups; i++) await store.get(keys[(i * 7919) % n] as string);
  const getMicros = ((performance.now() - getStart) * 1000) / lookups;

  offset = hour + hour / 100 + 1;
  let t = performance.now();
  const sweepOnePercentCount = await store.prune();
  const sweepOnePercentMs = performance.now() - t;
  offset = 3 * hour;
  t = performance.now();
  const sweepAllCount = await store.prune();
  const sweepAllMs = performance.now() - t;
  await store.close();
  offset = 0;

  const result: MemoryChildResult = {
    sessions: n,
    store: 'sessionkit',
    payloadBytes: payload.byteLength,
    withOwner,
    bytesPerSession,
    rssPerSession,
    insertPerSecond,
    getMicros,
    sweepOnePercentMs,
    sweepOnePercentCount,
    sweepAllMs,
    sweepAllCount,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * express-session's MemoryStore, for reference: it keeps each session as a JSON string in a plain
 * object and has no sweep (an expired session leaves memory only when its ID is read again).
 */
async function expressSession(n: number): Promise<void> {
  const keys = Array.from({ length: n }, () => randomBytes(24).toString('base64url'));
  const cookie = {
    originalMaxAge: 86_400_000,
    expires: new Date(Date.now() + 86_400_000),
    httpOnly: true,
    path: '/',
  };
  settle();
  const before = used();
  const rssBefore = process.memoryUsage.rss();
  const store = new session.MemoryStore();
  const fillStart = performance.now();
  for (let i = 0; i < n; i++) {
    store.set(keys[i] as string, { cookie, ...seedData(i) } as unknown as session.SessionData);
  }
  const insertPerSecond = n / ((performance.now() - fillStart) / 1000);
  settle();
  const bytesPerSession = (used() - before) / n;
  const rssPerSession = (process.memoryUsage.rss() - rssBefore) / n;
  // Keeps the store reachable until after the measurement: V8 may collect what is no longer used.
  store.length((_error, length) => {
    if (length !== n) throw new Error(`express-session MemoryStore holds ${length} sessions, expected ${n}`);
  });
  const result: MemoryChildResult = {
    sessions: n,
    store: 'express-session',
    payloadBytes: Buffer.byteLength(JSON.stringify({ cookie, ...seedData(1) })),
    withOwner: false,
    bytesPerSession,
    rssPerSession,
    insertPerSecond,
    getMicros: Number.NaN,
    sweepOnePercentMs: Number.NaN,
    sweepOnePercentCount: 0,
    sweepAllMs: Number.NaN,
    sweepAllCount: 0,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
