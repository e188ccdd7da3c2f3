/** A background chore that re-arms itself after each run. */
export interface JitteredTimer {
  /** True once stop() was called; a running chore checks it between batches. */
  readonly stopped: boolean;
  /** Cancels the next run and waits for a run in progress to finish. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startJitteredTimer}. */
export interface JitteredTimerOptions {
  /** Mean delay between runs in ms (> 0). */
  interval: number;
  /** Relative spread of each delay: 0.2 draws from [0.8, 1.2] × interval. @default 0.2 */
  jitter?: number;
  /** The chore. Its rejection goes to `onError`; the timer keeps running. */
  run: (timer: JitteredTimer) => Promise<unknown>;
  onError: (error: unknown) => void;
  /** @default Math.random */
  random?: () => number;
}

/**
 * Runs `run` every `interval` ms ± `jitter`, never overlapping with itself (the next delay starts
 * when a run ends). Jitter keeps nodes that started together from hitting the table at the same
 * moment; the timer is unref'd, so it never keeps the process alive.
 */
export function startJitteredTimer(options: JitteredTimerOptions): JitteredTimer {
  const { interval, jitter = 0.2, run, onError, random = Math.random } = options;
  let timeout: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const timer: JitteredTimer = {
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      clearTimeout(timeout);
      timeout = undefined;
      await running;
    },
  };

  const arm = () => {
    if (stopped) return;
    const delay = Math.max(1, Math.round(interval * (1 - jitter + 2 * jitter * random())));
    timeout = setTimeout(() => {
      timeout = undefined;
      running = Promise.resolve()
        .then(() => run(timer))
        .then(
          () => undefined,
          (error: unknown) => onError(error),
        )
        .finally(() => {
          running = undefined;
          arm();
        });
    }, delay);
    timeout.unref();
  };
  arm();
  return timer;
}
