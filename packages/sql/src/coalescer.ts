/**
 * Statements of different sessions that arrive while every pooled connection is busy would each
 * wait for a connection and then cost a round trip of their own. The coalescer keeps them instead
 * and, as soon as one of the store's statements completes, sends what waits in one statement:
 * - reads: every waiting key in one SELECT, the same rows for one round trip and one reply to
 *   parse instead of one per session;
 * - compare-and-sets, on a dialect that can combine them: the waiting writes of distinct keys in
 *   one statement that reports which of them matched.
 * The socket calls and the driver's parsing per statement, not the rows, are where a loaded
 * server spends its CPU on a SQL store.
 *
 * A statement that finds a connection free goes out at once, alone, as before: a lone request
 * never waits for a batch. The coalescer only knows about the store's own statements; when other
 * queries of the app fill the pool, statements queue in the driver's pool as they always did.
 */

/** Most keys one coalesced read asks for (SQL Server allows 2,100 parameters per statement). */
export const MAX_COALESCED_READS = 100;
/** Most compare-and-sets in one combined statement (each binds about a dozen parameters). */
export const MAX_COALESCED_WRITES = 50;

type Row = Record<string, unknown>;

/**
 * The coalescer's limit from the pool's connection limit as the dialect read it from the pool:
 * that number when it is a whole number ≥ 1, else Infinity (unknown, a wrapper's: every
 * statement goes out alone, as without a coalescer).
 */
export function coalescingLimit(connections: unknown): number {
  return typeof connections === 'number' && Number.isInteger(connections) && connections >= 1
    ? connections
    : Number.POSITIVE_INFINITY;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** What the coalescer runs: one key's read, several keys' read, and the key of a returned row. */
export interface CoalescedReads {
  one(key: string): Promise<Row | undefined>;
  /** Rows of any of `keys`; each row's key is read with `keyOf`. */
  many(keys: string[]): Promise<readonly Row[]>;
  keyOf(row: Row): string | null;
}

/** What the coalescer runs for compare-and-sets `W`. */
export interface CoalescedWrites<W> {
  /** One write alone: true when its row matched, false for a conflict. */
  one(write: W): Promise<boolean>;
  /** Writes of distinct keys, in key order, in one statement: for each, whether it matched. */
  many(writes: W[]): Promise<boolean[]>;
  keyOf(write: W): string;
  /**
   * True when `error`, from many(), is the database refusing the statement, which then wrote
   * nothing: each write is sent again alone, so that only the one at fault fails. Any other error
   * (a lost connection, which may come after the commit) fails every write of the statement.
   */
  refused(error: unknown): boolean;
}

/** How the coalescer is set up. */
export interface CoalescerSetup<W> {
  /** The pool's connections (see coalescingLimit); with Infinity nothing ever waits. */
  connections: number;
  /** Reads wait for a batch when the pool is busy; false: each goes out at once. */
  coalesceReads: boolean;
  /** Writes wait for a combined statement when the pool is busy; false: each goes out at once. */
  coalesceWrites: boolean;
  reads: CoalescedReads;
  writes: CoalescedWrites<W>;
}

interface WaitingWrite<W> {
  write: W;
  key: string;
  waiter: Waiter<boolean>;
  /** Arrival order, against the oldest waiting read: whichever waited longer goes first. */
  order: number;
}

export class Coalescer<W> {
  /** Statements in flight at which reads and writes start to wait: the pool's size, or Infinity. */
  readonly #limit: number;
  readonly #readLimit: number;
  readonly #writeLimit: number;
  readonly #reads: CoalescedReads;
  readonly #writes: CoalescedWrites<W>;
  /** The store's statements sent and not yet answered. */
  #inFlight = 0;
  /** Keys waiting for a connection, each with every read of it (two tabs of one session). */
  #waiting = new Map<string, Waiter<Row | undefined>[]>();
  /** Arrival order of the oldest waiting read. */
  #readsSince = 0;
  #waitingWrites: WaitingWrite<W>[] = [];
  #arrivals = 0;

  constructor(setup: CoalescerSetup<W>) {
    const { connections } = setup;
    this.#readLimit = setup.coalesceReads ? connections : Number.POSITIVE_INFINITY;
    this.#writeLimit = setup.coalesceWrites ? connections : Number.POSITIVE_INFINITY;
    this.#limit = Math.min(this.#readLimit, this.#writeLimit);
    this.#reads = setup.reads;
    this.#writes = setup.writes;
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
    if (this.#inFlight < this.#readLimit) return this.run(() => this.#reads.one(key));
    return new Promise((resolve, reject) => {
      if (this.#waiting.size === 0) this.#readsSince = this.#arrivals++;
      const waiters = this.#waiting.get(key);
      if (waiters === undefined) this.#waiting.set(key, [{ resolve, reject }]);
      else waiters.push({ resolve, reject });
    });
  }

  /** A compare-and-set: at once while a connection is free, else with the next combined one. */
  write(write: W): Promise<boolean> {
    if (this.#inFlight < this.#writeLimit) return this.run(() => this.#writes.one(write));
    return new Promise((resolve, reject) => {
      const key = this.#writes.keyOf(write);
      this.#waitingWrites.push({ write, key, waiter: { resolve, reject }, order: this.#arrivals++ });
    });
  }

  #settled(): void {
    this.#inFlight--;
    while (this.#inFlight < this.#limit) {
      const oldestWrite = this.#waitingWrites[0];
      if (this.#waiting.size > 0 && (oldestWrite === undefined || this.#readsSince < oldestWrite.order)) {
        this.#flushReads();
      } else if (oldestWrite !== undefined) {
        this.#flushWrites();
      } else {
        return;
      }
    }
  }

  /** Sends the waiting keys (up to MAX_COALESCED_READS) as one read and answers each of them. */
  #flushReads(): void {
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

  /**
   * Sends waiting writes of distinct keys (up to MAX_COALESCED_WRITES) as one statement. A
   * second write of a key waits for a later statement: of two updates of one row inside one
   * statement the database applies one and which one is not defined, while apart the first to
   * arrive is judged first, as when each goes alone.
   */
  #flushWrites(): void {
    const batch: WaitingWrite<W>[] = [];
    const rest: WaitingWrite<W>[] = [];
    const keys = new Set<string>();
    for (const waiting of this.#waitingWrites) {
      if (batch.length < MAX_COALESCED_WRITES && !keys.has(waiting.key)) {
        keys.add(waiting.key);
        batch.push(waiting);
      } else {
        rest.push(waiting);
      }
    }
    this.#waitingWrites = rest;
    if (batch.length === 1) {
      this.#sendAlone(batch[0] as WaitingWrite<W>);
      return;
    }
    // Rows are locked in the statement's order: in key order, two combined statements that share
    // keys take their locks in the same order and cannot deadlock on each other.
    batch.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    this.run(() => this.#writes.many(batch.map((waiting) => waiting.write))).then(
      (matched) => {
        for (const [i, waiting] of batch.entries()) waiting.waiter.resolve(matched[i] === true);
      },
      (error: unknown) => {
        if (this.#writes.refused(error)) for (const waiting of batch) this.#sendAlone(waiting);
        else for (const waiting of batch) waiting.waiter.reject(error);
      },
    );
  }

  #sendAlone(waiting: WaitingWrite<W>): void {
    this.run(() => this.#writes.one(waiting.write)).then(waiting.waiter.resolve, waiting.waiter.reject);
  }
}

function answer(waiters: Waiter<Row | undefined>[] | undefined, row: Row | undefined): void {
  for (const waiter of waiters ?? []) waiter.resolve(row);
}

function answerAll(batch: Map<string, Waiter<Row | undefined>[]>, row: Row | undefined): void {
  for (const waiters of batch.values()) answer(waiters, row);
}

function fail(batch: Map<string, Waiter<Row | undefined>[]>, error: unknown): void {
  for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
}
