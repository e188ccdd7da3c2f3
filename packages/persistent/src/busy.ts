import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { SessionConfigError } from '@sessionkit/core';
import { MAX_TIMER_DELAY } from './tier-options';

/** When a node counts as busy, for `rebalance: 'threshold'`. */
export interface BusyThresholds {
  /**
   * Busy while the worst event-loop delay seen in the current or the previous sampling window
   * exceeds this many ms (measured with `monitorEventLoopDelay`).
   * @default 100
   */
  eventLoopDelay?: number;
  /**
   * Busy while the V8 heap in use exceeds this share of the heap size limit (0 < ratio <= 1).
   * @default 0.85
   */
  heapUsedRatio?: number;
  /** Length of one event-loop delay sampling window, in ms. @default 1_000 */
  sampleInterval?: number;
}

/** A reading of the load signals the 'threshold' policy looks at. */
export interface LoadReading {
  /** Worst event-loop delay of the current and previous window, ms. */
  eventLoopDelay: number;
  /** Heap in use / heap size limit. */
  heapUsedRatio: number;
  busy: boolean;
}

/** Resolution of the event-loop delay histogram, ms; subtracted from its raw readings. */
const RESOLUTION = 10;

/** Applies defaults and validates; throws SessionConfigError with how to fix it. */
export function resolveThresholds(thresholds: BusyThresholds | undefined): Required<BusyThresholds> {
  const t = thresholds ?? {};
  const eventLoopDelay = t.eventLoopDelay ?? 100;
  if (typeof eventLoopDelay !== 'number' || !Number.isFinite(eventLoopDelay) || eventLoopDelay < 0) {
    throw new SessionConfigError(
      `createSessionTier: busyThresholds.eventLoopDelay must be a number of ms >= 0 (got ${String(eventLoopDelay)}).`,
    );
  }
  const heapUsedRatio = t.heapUsedRatio ?? 0.85;
  if (typeof heapUsedRatio !== 'number' || !(heapUsedRatio > 0 && heapUsedRatio <= 1)) {
    throw new SessionConfigError(
      `createSessionTier: busyThresholds.heapUsedRatio must be a number above 0 and at most 1 (got ${String(heapUsedRatio)}).`,
    );
  }
  const sampleInterval = t.sampleInterval ?? 1_000;
  if (
    !Number.isSafeInteger(sampleInterval) ||
    sampleInterval < RESOLUTION ||
    sampleInterval > MAX_TIMER_DELAY
  ) {
    throw new SessionConfigError(
      `createSessionTier: busyThresholds.sampleInterval must be a whole number of ms from ${RESOLUTION} ` +
        `to ${MAX_TIMER_DELAY} (got ${String(sampleInterval)}).`,
    );
  }
  return { eventLoopDelay, heapUsedRatio, sampleInterval };
}

/**
 * Watches event-loop delay and heap use. The histogram is read in windows: a rotation remembers
 * the window's worst delay and starts a new one, and a reading takes the worse of the two, so a
 * stall is still seen for at least one full window after it ended, whenever the reading happens.
 */
export class BusyMonitor {
  readonly #thresholds: Required<BusyThresholds>;
  readonly #histogram = monitorEventLoopDelay({ resolution: RESOLUTION });
  readonly #timer: ReturnType<typeof setInterval>;
  #previousMax = 0;

  constructor(thresholds: Required<BusyThresholds>) {
    this.#thresholds = thresholds;
    this.#histogram.enable();
    this.#timer = setInterval(() => {
      this.#previousMax = this.#histogram.max;
      this.#histogram.reset();
    }, this.#thresholds.sampleInterval);
    this.#timer.unref();
  }

  read(): LoadReading {
    // Readings are in ns and include the histogram's own timer period.
    const worst = Math.max(this.#previousMax, this.#histogram.max) / 1e6;
    const eventLoopDelay = Math.max(0, worst - RESOLUTION);
    const heap = getHeapStatistics();
    const heapUsedRatio = heap.used_heap_size / heap.heap_size_limit;
    const busy =
      eventLoopDelay > this.#thresholds.eventLoopDelay || heapUsedRatio > this.#thresholds.heapUsedRatio;
    return { eventLoopDelay, heapUsedRatio, busy };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#histogram.disable();
  }
}
