import { readdir, writeFile } from 'node:fs/promises';
import { checkStoredRecord } from '@sessionkit/core';
import {
  errorCode,
  makeDir,
  type ReadResult,
  readRecordFile,
  removeFile,
  removeQuietly,
  writeAtomic,
} from './fs-util';
import { HASH_NAME, hashName, Layout } from './layout';
import { acquireLock, type LockSettings, releaseLock } from './lock';
import type { ResolvedOptions } from './options';

/**
 * The per-record primitives the store is built from, addressed by file name (the hash of the
 * key): read, write, delete, lock, and the owner-index markers that point at a record.
 */
export class RecordFiles {
  readonly layout: Layout;
  readonly #options: ResolvedOptions;
  readonly #lock: LockSettings;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.layout = new Layout(options.directory, options.depth);
    this.#lock = {
      staleAfter: options.lockStaleAfter,
      wait: options.lockWait,
      fileMode: options.fileMode,
      dirMode: options.dirMode,
    };
  }

  /**
   * Reads a record. Corrupt: a file that does not parse, whose stored key does not hash to its
   * name, or whose fields fail core's record validator (a negative version, a fractional expiry:
   * the format holds float64s, so only the validator can tell those from a real record).
   */
  async read(name: string): Promise<ReadResult> {
    const result = await readRecordFile(this.layout.recordPath(name));
    if (result.state !== 'ok') return result;
    if (hashName(result.record.key) !== name) {
      return { state: 'corrupt', reason: 'the stored key does not match the file name' };
    }
    const checked = checkStoredRecord(result.record);
    return checked.ok ? result : { state: 'corrupt', reason: checked.reason };
  }

  /** Atomically replaces the record file (caller holds the lock). */
  async write(name: string, bytes: Uint8Array): Promise<void> {
    await writeAtomic(this.layout.recordPath(name), bytes, this.#options);
  }

  /** Runs `body` holding the record's lock, waiting for it if busy. */
  async withLock<T>(name: string, body: () => Promise<T>): Promise<T> {
    const lock = await acquireLock(this.layout.lockPath(name), this.#lock, 'wait');
    try {
      return await body();
    } finally {
      await releaseLock(lock);
    }
  }

  /** Runs `body` holding the record's lock, or resolves `busy` at once if someone else holds it. */
  async ifUnlocked<T>(name: string, busy: T, body: () => Promise<T>): Promise<T> {
    const lock = await acquireLock(this.layout.lockPath(name), this.#lock, 'try');
    if (!lock) return busy;
    try {
      return await body();
    } finally {
      await releaseLock(lock);
    }
  }

  /**
   * Deletes a record and its owner marker (caller holds the lock). Resolves whether a live
   * record was deleted; an expired or corrupt one is deleted too but does not count.
   */
  async remove(name: string): Promise<boolean> {
    const current = await this.read(name);
    const existed = await removeFile(this.layout.recordPath(name));
    if (current.state !== 'ok') return false;
    if (current.record.ownerId !== null) await this.removeMarker(current.record.ownerId, name);
    return existed && current.record.expiresAt > Date.now();
  }

  /**
   * Creates the marker `owners/…/<hash(owner)>/<name>`. Called before the record is written, so
   * a crash in between leaves a stale marker (ignored by readers), never a session that
   * destroyByOwner cannot find.
   */
  async addMarker(ownerId: string, name: string): Promise<void> {
    const ownerHash = hashName(ownerId);
    const path = this.layout.markerPath(ownerHash, name);
    for (let attempt = 0; ; attempt++) {
      try {
        await writeFile(path, '', { flag: 'a', mode: this.#options.fileMode });
        return;
      } catch (error) {
        // Folder missing, or removed by a concurrent destroyByOwner between mkdir and write.
        if (errorCode(error) !== 'ENOENT' || attempt >= 5) throw error;
        await makeDir(this.layout.ownerDir(ownerHash), this.#options.dirMode);
      }
    }
  }

  /** Best effort: a marker left behind is harmless, readers verify it against the record. */
  async removeMarker(ownerId: string, name: string): Promise<void> {
    await removeQuietly(this.layout.markerPath(hashName(ownerId), name));
  }

  /** Record names an owner's markers point at (unverified). */
  async markerNames(ownerHash: string): Promise<string[]> {
    try {
      const files = await readdir(this.layout.ownerDir(ownerHash));
      return files.filter((file) => HASH_NAME.test(file));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return [];
      throw error;
    }
  }
}
