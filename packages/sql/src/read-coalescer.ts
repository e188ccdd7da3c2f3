/**
 * Reads of different sessions that arrive while every pooled connection is busy would each wait
 * for a connection and then cost a round trip of their own. The coalescer keeps them instead and,
 * as soon as one of the store's statements completes, sends every waiting key in one statement:
 * the same rows, read by the same SELECT, for one round trip and one reply to parse instead of
 * one per session. That is where a loaded server spends its CPU on a SQL store (the socket calls
 * and the driver's parsing per statement, not the rows).
 *
 * A read that finds a connection free goes out at once, alone, as before: a lone request never
 * waits for a batch. The coalescer only knows about the store's own statements; when other
 * queries of the app fill the pool, reads queue in the driver's pool as they always did.
 */

/** Most keys one coalesced read asks for (SQL Server allows 2,100 parameters per statement). */
export const MAX_COALESCED_READS = 100;

type Row = Record<string, unknown>;

/**
 * The coalescer's limit from the store's options and the pool's connection limit as the dialect
 * read it from the pool: that number when coalescing is on and it is a whole number ≥ 1, else
 * Infinity (every read goes out alone, as without a coalescer).
 */
export function coalescingLimit(enabled: boolean, connections: unknown): number {
  return enabled && typeof connections === 'number' && Number.isInteger(connections) && connections >= 1
    ? connections
    : Number.POSITIVE_INFINITY;
}

interface Waiter {
  resolve(row: Row | undefined): void;
  reject(error: unknown): void;
}

/** What the coalescer runs: one key's read, several keys' read, and the key of a returned row. */
export interface CoalescedReads {
  one(key: string): Promise<Row | undefined>;
  /** Rows of any of `keys`; each row's key is read with `keyOf`. */
  many(keys: string[]): Promise<readonly Row[]>;
  keyOf(row: Row): string | null;
}

export class ReadCoalescer {
  readonly #limit: number;
  readonly #reads: CoalescedReads;
  /** The store's statements sent and not yet answered. */
  #inFlight = 0;
  /** Keys waiting for a connection, each with every read of it (two tabs of one session). */
  #waiting = new Map<string, Waiter[]>();

  /** `limit`: the pool's connections; with Infinity every read goes out at once. */
  constructor(limit: number, reads: CoalescedReads) {
    this.#limit = limit;
    this.#reads = reads;
  }

  /** Runs one of the store's statements, counted as in flight until it settles. */
  run<T>(statement: () => Promise<T>): Promise<T> {
    // Nothing is ever coalesced without a limit: no counter and no extra promise per statement.
    if (this.#limit === Infinity) return statement();
    this.#inFlight++;
    let answer: Promise<T>;
    try {
      answer = statement();
    } catch (error) {
      this.#settled();
      throw error;
    }
    return answer.then(
      (value) => {
        this.#settled();
        return value;
      },
      (error: unknown) => {
        this.#settled();
        throw error;
      },
    );
  }

  /** The row of `key`, or undefined: at once while a connection is free, else with the next batch. */
  read(key: string): Promise<Row | undefined> {
    if (this.#inFlight < this.#limit) return this.run(() => this.#reads.one(key));
    return new Promise((resolve, reject) => {
      const waiters = this.#waiting.get(key);
      if (waiters === undefined) this.#waiting.set(key, [{ resolve, reject }]);
      else waiters.push({ resolve, reject });
    });
  }

  #settled(): void {
    this.#inFlight--;
    if (this.#waiting.size > 0 && this.#inFlight < this.#limit) this.#flush();
  }

  /** Sends the waiting keys (up to MAX_COALESCED_READS) as one read and answers each of them. */
  #flush(): void {
    let batch = this.#waiting;
    if (batch.size <= MAX_COALESCED_READS) {
      this.#waiting = new Map();
    } else {
      batch = new Map();
      for (const [key, waiters] of this.#waiting) {
        if (batch.size === MAX_COALESCED_READS) break;
        batch.set(key, waiters);
      }
      for (const key of batch.keys()) this.#waiting.delete(key);
    }
    const keys = [...batch.keys()];
    if (keys.length === 1) {
      const [key] = keys as [string];
      this.run(() => this.#reads.one(key)).then(
        (row) => answer(batch.get(key), row),
        (error: unknown) => fail(batch, error),
      );
      return;
    }
    this.run(() => this.#reads.many(keys)).then(
      (rows) => {
        for (const row of rows) {
          const key = this.#reads.keyOf(row);
          const waiters = key === null ? undefined : batch.get(key);
          if (waiters === undefined) continue;
          answer(waiters, row);
          batch.delete(key as string);
        }
        // The rest have no row. A row counts only under exactly its key's text, as the store
        // wrote it: a case-insensitive column must not answer one session's read with another's.
        answerAll(batch, undefined);
      },
      (error: unknown) => fail(batch, error),
    );
  }
}

function answer(waiters: Waiter[] | undefined, row: Row | undefined): void {
  for (const waiter of waiters ?? []) waiter.resolve(row);
}

function answerAll(batch: Map<string, Waiter[]>, row: Row | undefined): void {
  for (const waiters of batch.values()) answer(waiters, row);
}

function fail(batch: Map<string, Waiter[]>, error: unknown): void {
  for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
}
