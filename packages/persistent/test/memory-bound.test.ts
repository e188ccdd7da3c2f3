import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { freshDir, runFixture } from './helpers';

const COUNT = 5_000;
const CAP = 500;
/** Characters of incompressible data per session: 5,000 sessions hold about 20 MB. */
const SIZE = 4_000;
const SAMPLE = 500;

interface Result {
  maxActive: number;
  wrong: number;
  samples: Array<{ sessions: number; heap: number }>;
  stats: { active: number; swaps: number; restores: number; backups: number; rejected: number };
}

async function run(cap: number): Promise<Result> {
  const directory = join(await freshDir(), 'store');
  const child = runFixture(
    'bounded',
    [JSON.stringify({ directory, count: COUNT, cap, size: SIZE, sample: SAMPLE })],
    ['--expose-gc'],
  );
  const result = JSON.parse(await child.line('result ')) as Result;
  const exit = await child.done;
  expect(exit.code, exit.stderr).toBe(0);
  return result;
}

/** Heap growth from the moment the cap is reached to the end of the run. */
function growthAfterCap(result: Result): number {
  const atCap = result.samples.find((s) => s.sessions === CAP)?.heap as number;
  return Math.max(...result.samples.filter((s) => s.sessions >= CAP).map((s) => s.heap)) - atCap;
}

const MB = 1024 * 1024;

describe('swap-out under maxActiveSessions, in a real process', () => {
  test(`${COUNT} sessions with a cap of ${CAP}: memory never holds more than the cap, the heap stays flat, nothing is lost`, {
    timeout: 240_000,
  }, async () => {
    // The control run holds every session in memory, proving the measurement sees session data.
    const [capped, control] = await Promise.all([run(CAP), run(0)]);

    expect(capped.maxActive, 'most sessions ever in memory').toBe(CAP);
    expect(capped.wrong, 'sessions missing or with wrong data when read back').toBe(0);
    expect(capped.stats.rejected).toBe(0);
    // Every session beyond the cap pushed one out, and every read of a swapped-out one restored it.
    expect(capped.stats.swaps).toBeGreaterThanOrEqual(COUNT - CAP);
    expect(capped.stats.restores).toBeGreaterThanOrEqual(COUNT - CAP);

    expect(control.maxActive).toBe(COUNT);
    expect(control.wrong).toBe(0);
    const cappedGrowth = growthAfterCap(capped);
    const controlGrowth = growthAfterCap(control);
    const report = `capped +${(cappedGrowth / MB).toFixed(1)} MB, uncapped +${(controlGrowth / MB).toFixed(1)} MB`;
    console.info(`[memory-bound] heap growth after the cap: ${report}`);
    expect(controlGrowth, `the uncapped run must grow with its data (${report})`).toBeGreaterThan(12 * MB);
    expect(cappedGrowth, `the capped run must stay flat (${report})`).toBeLessThan(4 * MB);
  });
});
