/**
 * A bounded map of values derived from a cookie (the secret that signed it, the storage key it
 * names), kept so that a request carrying a cookie seen before skips the work of deriving them.
 *
 * Bounded in two generations of half the limit each: when the newer one is full it becomes the
 * older and the older is dropped whole, and a hit in the older generation moves the entry to the
 * newer, so cookies in use stay. Each operation is O(1). Deleting a Map's oldest key one at a
 * time is not: V8 leaves a hole per deletion at the front of the table, and every
 * `keys().next()` walks over all of them until the table is rebuilt (4-5 µs per login here
 * once the memo is full).
 */
export class CookieMemo<V> {
  #newer = new Map<string, V>();
  #older = new Map<string, V>();
  readonly #generation: number;

  constructor(limit: number) {
    this.#generation = Math.max(1, Math.floor(limit / 2));
  }

  get(cookie: string): V | undefined {
    const known = this.#newer.get(cookie);
    if (known !== undefined) return known;
    const older = this.#older.get(cookie);
    if (older !== undefined) this.add(cookie, older);
    return older;
  }

  add(cookie: string, value: V): void {
    if (this.#newer.size >= this.#generation) {
      this.#older = this.#newer;
      this.#newer = new Map();
    }
    this.#newer.set(cookie, value);
  }
}
