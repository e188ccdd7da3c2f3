import { afterEach, describe, expect, test, vi } from 'vitest';
import { startJitteredTimer } from '../src/index';

afterEach(() => {
  vi.useRealTimers();
});

describe('startJitteredTimer', () => {
  test('each delay is the interval ±20%, drawn again for every run', async () => {
    vi.useFakeTimers();
    const draws = [0, 1, 0.5];
    const runs: number[] = [];
    const start = Date.now();
    const timer = startJitteredTimer({
      interval: 1000,
      random: () => draws.shift() ?? 0.5,
      run: async () => {
        runs.push(Date.now() - start);
      },
      onError: () => undefined,
    });
    await vi.advanceTimersByTimeAsync(799);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([800]);
    await vi.advanceTimersByTimeAsync(1200);
    expect(runs).toEqual([800, 2000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toEqual([800, 2000, 3000]);
    await timer.stop();
  });

  test('never overlaps itself: the next delay starts when a run ends', async () => {
    vi.useFakeTimers();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const timer = startJitteredTimer({
      interval: 100,
      jitter: 0,
      run: async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 350));
        active--;
      },
      onError: () => undefined,
    });
    // Runs start at 100, 550, 1000, 1450, 1900: 100 ms after the previous one ended.
    await vi.advanceTimersByTimeAsync(2000);
    expect(maxActive).toBe(1);
    expect(runs).toBe(5);
    // The fifth run is still in progress: stop() settles once fake time lets it finish.
    const stopping = timer.stop();
    await vi.advanceTimersByTimeAsync(350);
    await stopping;
    expect(runs).toBe(5);
  });

  test('a failing run goes to onError and the timer keeps going', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    let runs = 0;
    const timer = startJitteredTimer({
      interval: 100,
      jitter: 0,
      run: async () => {
        runs++;
        throw new Error(`run ${runs}`);
      },
      onError: (error) => errors.push(error),
    });
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toBe(3);
    expect(errors.map((error) => (error as Error).message)).toEqual(['run 1', 'run 2', 'run 3']);
    await timer.stop();
  });

  test('stop() cancels the next run, waits for the one in progress, and tells it to stop', async () => {
    let release: () => void = () => undefined;
    let sawStop = false;
    let runs = 0;
    const timer = startJitteredTimer({
      interval: 1,
      jitter: 0,
      run: async (self) => {
        runs++;
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        sawStop = self.stopped;
      },
      onError: () => undefined,
    });
    while (runs === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopping = timer.stop();
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(stopped, 'stop() waits for the run in progress').toBe(false);
    release();
    await stopping;
    expect(sawStop).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs, 'no run after stop()').toBe(1);
    await timer.stop();
  });

  test('the timer is unref’d: it never keeps the process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const timer = startJitteredTimer({
      interval: 60_000,
      run: async () => undefined,
      onError: () => undefined,
    });
    const handle = spy.mock.results.at(-1)?.value as NodeJS.Timeout;
    spy.mockRestore();
    expect(handle.hasRef()).toBe(false);
    await timer.stop();
  });
});
