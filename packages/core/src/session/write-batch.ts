import type { StoredRecord } from '../store/store';
import type { SessionState } from './session';

/**
 * Writes one batch of commits to one key as a single store write: the record written, or null
 * when the session was gone (the changes are then dropped).
 */
export type BatchWriter = (
  key: string,
  batch: SessionState[],
  now: number,
  latest: StoredRecord | null,
) => Promise<StoredRecord | null>;

interface Waiting {
  state: SessionState;
  now: number;
  resolve(saved: boolean): void;
  reject(error: unknown): void;
}

interface KeyWork {
  waiting: Waiting[];
  /** What this process last wrote under the key while it stayed busy: the next batch's base. */
  latest: StoredRecord | null;
}

/**
 * Group commit for the changes of loaded sessions. Requests of one user that change the session
 * at the same time would otherwise write one after another, each waiting a round trip, and each
 * but the first losing its compare-and-set to the one before and reloading. Here the commits that
 * arrive while a write to their key is in flight wait, then go to the store together: their
 * change logs replayed in arrival order onto the record this process just wrote (no reload), and
 * written once. Writers in other processes are still caught by compare-and-set.
 *
 * Nothing is kept for a key once its queue drains, so memory follows the keys in flight.
 */
export class WriteBatcher {
  readonly #keys = new Map<string, KeyWork>();
  readonly #write: BatchWriter;

  constructor(write: BatchWriter) {
    this.#write = write;
  }

  /** Resolves true once the state's changes are stored, false when the session was gone. */
  submit(key: string, state: SessionState, now: number): Promise<boolean> {
    const work = this.#keys.get(key);
    if (work) {
      return new Promise<boolean>((resolve, reject) => {
        work.waiting.push({ state, now, resolve, reject });
      });
    }
    // A key with no write in flight is written at once, by this call: the batcher costs a lone
    // writer one map entry, no queue and no promise of its own.
    const fresh: KeyWork = { waiting: [], latest: null };
    this.#keys.set(key, fresh);
    return this.#write(key, [state], now, null).then(
      (written) => {
        fresh.latest = written;
        this.#next(key, fresh);
        return written !== null;
      },
      (error: unknown) => {
        this.#next(key, fresh);
        throw error;
      },
    );
  }

  /** Writes what queued meanwhile, or forgets the key. */
  #next(key: string, work: KeyWork): void {
    if (work.waiting.length === 0) this.#keys.delete(key);
    else void this.#drain(key, work);
  }

  async #drain(key: string, work: KeyWork): Promise<void> {
    while (work.waiting.length > 0) {
      const batch = work.waiting.splice(0);
      const now = batch.reduce((latest, w) => Math.max(latest, w.now), 0);
      try {
        const written = await this.#write(
          key,
          batch.map((w) => w.state),
          now,
          work.latest,
        );
        work.latest = written;
        for (const w of batch) w.resolve(written !== null);
      } catch (error) {
        // Unknown outcome (a timeout may still land): the next batch starts from the store.
        work.latest = null;
        for (const w of batch) w.reject(error);
      }
    }
    this.#keys.delete(key);
  }
}
