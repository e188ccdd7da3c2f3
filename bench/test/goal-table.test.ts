import { describe, expect, test } from 'vitest';
import { costRatio, sessionCostRatios } from '../src/goal-table';
import type { LoadSample } from '../src/http/load';
import { fmtSpread } from '../src/lib/stats';

/** A window with this CPU per request (µs), all of it user time. */
const at = (cpuPerRequest: number): LoadSample => ({
  requests: 1_000,
  reqPerSec: 1_000_000 / cpuPerRequest,
  p50: 1,
  p99: 2,
  cpuPerRequest,
  systemCpuPerRequest: 0,
  errors: 0,
  load: { start: 1, end: 1 },
});

describe('the per-round cost ratio', () => {
  test('is the plain quotient when both session costs are positive', () => {
    expect(costRatio(60, 20)).toBe(3);
    expect(costRatio(20, 40)).toBe(0.5);
  });

  test('ranks a round in which sessionkit cost nothing over bare above every quotient', () => {
    // The plain quotient would be -15: ranked below 0.5 though sessionkit is the cheaper.
    expect(costRatio(60, -4)).toBe(Number.POSITIVE_INFINITY);
    expect(costRatio(60, 0)).toBe(Number.POSITIVE_INFINITY);
    // And the other way round: the peer at or below bare, sessionkit above it, below every quotient.
    expect(costRatio(-4, 20)).toBe(0);
    expect(costRatio(0, 20)).toBe(0);
    // Neither measurable: a tie, which misses the goal of 1.5.
    expect(costRatio(-3, -4)).toBe(1);
  });

  test('orders rounds by how much cheaper sessionkit is, whatever the signs', () => {
    const peer = 60;
    const mine = [-10, -1, 0, 1, 10, 30, 60, 90];
    const ratios = mine.map((m) => costRatio(peer, m));
    // A larger sessionkit cost never gives a larger ratio.
    for (let i = 1; i < ratios.length; i++) expect(ratios[i]).toBeLessThanOrEqual(ratios[i - 1] as number);
  });

  test('the median over rounds keeps the rounds of a cost at or below zero, and prints them as ∞', () => {
    // Bare 100 µs each round; sessionkit 96, 98, 104 (-4, -2, +4 over bare); the peer 170 (+70).
    const bare = [at(100), at(100), at(100)];
    const mine = [at(96), at(98), at(104)];
    const theirs = [at(170), at(170), at(170)];
    const { costRatio: ratio, userCostRatio, cost } = sessionCostRatios(bare, mine, theirs);
    expect(ratio.median).toBe(Number.POSITIVE_INFINITY);
    expect(ratio.min).toBe(17.5);
    expect(fmtSpread(ratio, 2)).toBe('∞ (17.50–∞)');
    expect(userCostRatio.median).toBe(Number.POSITIVE_INFINITY);
    expect(cost.median).toBe(-2);
  });
});
