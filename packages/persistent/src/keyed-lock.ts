/**
 * One-at-a-time execution per key, inside this process.
 *
 * Every operation of the tier on a key (a request's read or write, a background backup, a swap,
 * an eviction) may await the persistent store halfway through. Without the lock a backup could
 * write a version that a concurrent compare-and-set has already replaced, or a restore could
 * resurrect a session that a concurrent destroy just removed.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<void>>();

  /** Runs `task` once every earlier task of `key` has settled. */
  async run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    const previous = this.#tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous === undefined ? done : previous.then(() => done);
    this.#tails.set(key, tail);
    try {
      if (previous !== undefined) await previous;
      return await task();
    } finally {
      release();
      // Forget the key once nothing is queued behind this task, so the map stays small.
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }

  /** Settles once every task queued so far has settled. */
  async idle(): Promise<void> {
    await Promise.all([...this.#tails.values()]);
  }

  /** Whether a task of `key` is running or queued. */
  busy(key: string): boolean {
    return this.#tails.has(key);
  }
}
