import { readdir } from 'node:fs/promises';
import { checkStoredRecord } from '@sessionkit/core';
import { closeFd, openFd } from './fd';
import {
  errorCode,
  makeDir,
  type ReadResult,
  readRecordBytes,
  readRecordFile,
  removeFile,
  removeQuietly,
  writeAtomic,
} from './fs-util';
import { HASH_NAME, hashName, Layout } from './layout';
import { acquireLock, commitLock, type HeldLock, type LockSettings, releaseLock } from './lock';
import type { ResolvedOptions } from './options';
import { ReadThread } from './read-thread';

/**
 * One read thread per process, shared by every store that reads through it: a thread is an
 * isolate of its own (a few MB), and an app with a store per tenant should not start one each.
 * It stops when the last of them closes; a store that never closes keeps it, idle and unref'd.
 */
let shared: { thread: ReadThread; users: number } | null = null;

function acquireReader(): ReadThread {
  shared ??= { thread: new ReadThread(readRecordBytes), users: 0 };
  shared.users++;
  return shared.thread;
}

async function releaseReader(thread: ReadThread): Promise<void> {
  if (shared === null || shared.thread !== thread) return;
  shared.users--;
  if (shared.users > 0) return;
  shared = null;
  await thread.close();
}

/**
 * The per-record primitives the store is built from, addressed by file name (the hash of the
 * key): read, write, delete, lock, and the owner-index markers that point at a record.
 */
export class RecordFiles {
  readonly layout: Layout;
  readonly #options: ResolvedOptions;
  readonly #lock: LockSettings;
  /** The shared read thread, or null when the options turned it off or the store closed. */
  #reader: ReadThread | null;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#reader = options.readThread ? acquireReader() : null;
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
    const result = await readRecordFile(this.layout.recordPath(name), this.#readWhole);
    if (result.state !== 'ok') return result;
    if (hashName(result.record.key) !== name) {
      return { state: 'corrupt', reason: 'the stored key does not match the file name' };
    }
    const checked = checkStoredRecord(result.record);
    return checked.ok ? result : { state: 'corrupt', reason: checked.reason };
  }

  readonly #readWhole = (path: string): Promise<Buffer | null> =>
    this.#reader === null ? readRecordBytes(path) : this.#reader.read(path);

  /** Lets go of the read thread (stopped with its last user); later reads use the thread pool. */
  async close(): Promise<void> {
    const reader = this.#reader;
    this.#reader = null;
    if (reader !== null) await releaseReader(reader);
  }

  /**
   * Atomically replaces the record file through a temp file of its own (caller holds the lock):
   * for a write that still has work to do under the lock afterwards. Otherwise {@link commit}.
   */
  async write(name: string, bytes: Uint8Array): Promise<void> {
    await writeAtomic(this.layout.recordPath(name), bytes, this.#options);
  }

  /**
   * Atomically replaces the record file with `bytes` written into the held lock, which the same
   * rename releases (see lock.ts): the caller's last step under the lock.
   */
  async commit(lock: HeldLock, name: string, bytes: Uint8Array): Promise<void> {
    await commitLock(lock, this.layout.recordPath(name), bytes, this.#options);
  }

  /** Runs `body` holding the record's lock, waiting for it if busy. */
  async withLock<T>(name: string, body: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await acquireLock(this.layout.lockPath(name), this.#lock, 'wait');
    try {
      return await body(lock);
    } finally {
      await releaseLock(lock);
    }
  }

  /** Runs `body` holding the record's lock, or resolves `busy` at once if someone else holds it. */
  async ifUnlocked<T>(name: string, busy: T, body: (lock: HeldLock) => Promise<T>): Promise<T> {
    const lock = await acquireLock(this.layout.lockPath(name), this.#lock, 'try');
    if (!lock) return busy;
    try {
      return await body(lock);
    } finally {
      await releaseLock(lock);
    }
  }

  /**
   * Deletes a record and its owner marker (caller holds the lock). Resolves whether a live
   * record was deleted; an expired or corrupt one is deleted too but does not count. `current`
   * is the record as the caller read it under the same lock, if it did, so it is not read twice.
   */
  async remove(name: string, current?: ReadResult): Promise<boolean> {
    current ??= await this.read(name);
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
        // Creates the empty file, or leaves an existing one as it is.
        await closeFd(await openFd(path, 'a', this.#options.fileMode));
        return;
      } catch (error) {
        // Folder missing, or removed by a concurrent destroyByOwner between mkdir and write.
        if (errorCode(error) !== 'ENOENT' || attempt >= 5) throw error;
        await makeDir(this.layout.ownerDir(ownerHash), this.#options.dirMode);
      }
    }
  }

  /**
   * Whether a write of `ownerId`'s record may skip {@link addMarker}, given the record `current`
   * read under the lock the caller still holds: yes when that record is `ownerId`'s and stays live
   * for more than `lockStaleAfter`. Its marker then exists, because:
   *
   * - the write that stored it created the marker first, or skipped it by this same rule, which by
   *   induction goes back to a write that created it;
   * - a marker is deleted only under its record's lock, and only when that record is not, or is
   *   no longer, a live record of the owner: `remove` (destroy, clear, destroyByOwner on the
   *   owner's record) deletes the record with it; destroyByOwner otherwise deletes it only beside
   *   a record that is missing, corrupt or someone else's; the owner-change branch of `set` deletes it
   *   after writing another owner's record; `dropMarkerIfStale` (listByOwner, prune's sweep) and
   *   prune delete it only beside a record that is missing, corrupt, someone else's or expired.
   *   A later write then finds that same record, or a newer one made without this owner, and adds
   *   the marker again;
   * - unless the clocks disagree: a process whose clock runs ahead may judge a record expired and
   *   drop its marker, and a later write judge it live. The margin makes that take a skew over
   *   `lockStaleAfter`, which the locks already rule out (stale locks are judged by clock too).
   *
   * The cost: a marker removed from outside the store (a deleted `owners` folder, a restore of
   * `sessions` alone) comes back when its session is created again or changes owner, not on the
   * next write. What it saves is two file operations on nearly every write.
   */
  markerStands(current: ReadResult, ownerId: string): boolean {
    if (current.state !== 'ok' || current.record.ownerId !== ownerId) return false;
    return current.record.expiresAt > Date.now() + this.#options.lockStaleAfter;
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
