/**
 * Deadlines for store calls without a timer per call. A Node timer per call (what setTimeout +
 * clearTimeout gives) costs an object, an async-hooks resource and two list operations on every
 * store call, about a microsecond each way under load. Every call of one time limit is added in
 * time order, so its deadline is never earlier than those already waiting: a FIFO list, one
 * timer armed for its head, and O(1) removal when a call settles. The timer is only re-armed when
 * it fires, for the new head, so a call that settles in time costs no timer work at all.
 */

/** One call waiting for its answer or its deadline: a node of its list. */
export interface Deadline {
  /** Takes the call off its list; false when its deadline already fired (the caller lost). */
  settle(): boolean;
}

const now: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

// A class, not an object with a settle closure: one allocation per call instead of two.
class Node implements Deadline {
  prev: Node | null;
  next: Node | null = null;
  constructor(
    readonly list: DeadlineList,
    readonly at: number,
    public expire: (() => void) | null,
  ) {
    this.prev = list.tail;
  }

  settle(): boolean {
    return this.list.remove(this);
  }
}

type Timer = ReturnType<typeof setTimeout> & { ref?(): unknown; unref?(): unknown };

class DeadlineList {
  #head: Node | null = null;
  tail: Node | null = null;
  #timer: Timer | null = null;
  readonly #ms: number;

  constructor(ms: number) {
    this.#ms = ms;
  }

  add(expire: () => void): Deadline {
    const node = new Node(this, now() + this.#ms, expire);
    if (this.tail === null) {
      this.#head = node;
      // The armed timer is for an earlier deadline (or none): keep it, but let it hold the
      // process open again, as a pending call's own timer would.
      if (this.#timer === null) this.#arm(this.#ms);
      else this.#timer.ref?.();
    } else {
      this.tail.next = node;
    }
    this.tail = node;
    return node;
  }

  remove(node: Node): boolean {
    if (node.expire === null) return false;
    node.expire = null;
    if (node.prev === null) this.#head = node.next;
    else node.prev.next = node.next;
    if (node.next === null) this.tail = node.prev;
    else node.next.prev = node.prev;
    // Nothing pending: an idle process may exit before the timer's next (harmless) firing.
    if (this.#head === null) this.#timer?.unref?.();
    return true;
  }

  #arm(delay: number): void {
    // Capped where setTimeout would overflow (and fire at once): a longer limit re-arms.
    this.#timer = setTimeout(() => this.#fire(), Math.min(MAX_DELAY, Math.max(0, Math.ceil(delay)))) as Timer;
  }

  #fire(): void {
    this.#timer = null;
    const time = now();
    for (let head = this.#head; head !== null && head.at <= time; head = this.#head) {
      const expire = head.expire;
      this.remove(head);
      expire?.();
    }
    if (this.#head !== null) this.#arm(this.#head.at - time);
  }
}

/** setTimeout's largest delay (2^31 - 1 ms). */
const MAX_DELAY = 2_147_483_647;

const lists = new Map<number, DeadlineList>();

/**
 * Calls `expire` once `ms` milliseconds have passed, unless the returned deadline is settled
 * first. `settle()` says who won, so exactly one of the answer and the timeout counts.
 */
export function startDeadline(ms: number, expire: () => void): Deadline {
  let list = lists.get(ms);
  if (list === undefined) {
    list = new DeadlineList(ms);
    lists.set(ms, list);
  }
  return list.add(expire);
}
