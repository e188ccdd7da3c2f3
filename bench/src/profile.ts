/** How long and how often each section measures: the full run, or a smoke run under a minute. */
export interface Profile {
  quick: boolean;
  http: { durationSec: number; warmupSec: number; rounds: number; connections: number };
  /** Sessions per operation in the command-count phase (exact counts, so a few suffice). */
  commandSamples: number;
  lostUpdates: { requests: number; connections: number };
  storeLevel: { windowMs: number; rounds: number; concurrency: number };
  payload: { windowMs: number; rounds: number };
  memory: { sessions: number };
}

export const FULL: Profile = {
  quick: false,
  http: { durationSec: 2, warmupSec: 1, rounds: 7, connections: 32 },
  commandSamples: 50,
  lostUpdates: { requests: 1000, connections: 50 },
  storeLevel: { windowMs: 1000, rounds: 5, concurrency: 32 },
  payload: { windowMs: 400, rounds: 5 },
  memory: { sessions: 1_000_000 },
};

export const QUICK: Profile = {
  quick: true,
  http: { durationSec: 1, warmupSec: 0.5, rounds: 2, connections: 32 },
  commandSamples: 10,
  lostUpdates: { requests: 1000, connections: 50 },
  storeLevel: { windowMs: 250, rounds: 2, concurrency: 32 },
  payload: { windowMs: 50, rounds: 2 },
  memory: { sessions: 100_000 },
};
