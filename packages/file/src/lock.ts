import type { Stats } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SessionStoreError } from '@sessionkit/core';
import { closeFd, fstatFd, openFd } from './fd';
import {
  errorCode,
  fillNewFile,
  makeDir,
  removeQuietly,
  renameOver,
  sleep,
  type WriteSettings,
} from './fs-util';

/**
 * Per-session locks that hold across processes and machines: a lock is a file created with
 * O_CREAT|O_EXCL (`open(path, 'wx')`), which exactly one creator wins, locally and on NFSv4.
 * The lock protects read-compare-write sequences (insert, compare-and-set, touch, destroy);
 * plain reads never lock because writes are atomic renames.
 *
 * A write that ends the locked sequence goes into the lock file itself, which is then renamed
 * over the record (as git commits `index.lock`): the rename publishes the record and frees the
 * lock in one step. Against a temp file of its own plus a lock that carries a token (create,
 * write, close; then read back, close, unlink to release), that is 3 file operations instead of
 * 10 for a write, each a round trip through libuv's thread pool.
 */

export interface LockSettings {
  /** A lock file older than this (by mtime) belongs to a crashed or hung process. */
  staleAfter: number;
  /** Give up waiting for a busy lock after this many milliseconds. */
  wait: number;
  fileMode: number;
  dirMode: number;
}

/**
 * A lock this process holds: the lock file, kept open until the lock is released or committed.
 *
 * Who holds a lock is told by time, the way other processes judge it: nobody breaks a lock
 * younger than `staleAfter` by its mtime, so a holder within half of that (by its own monotonic
 * clock, event-loop stalls included) still holds it unless the clocks disagree by more than the
 * other half, which stale-lock breaking rules out anyway. A holder that took longer checks that
 * the file at the path is still the one it has open (same device and inode, which cannot be
 * reused while the file is open) before it deletes or renames it.
 */
export interface HeldLock {
  readonly path: string;
  readonly fd: number;
  /** performance.now() when the lock file was created. */
  readonly since: number;
  readonly staleAfter: number;
  /** Released or committed: the descriptor is closed and the path no longer ours to touch. */
  done: boolean;
}

/**
 * Acquires the lock at `path`. `mode: 'wait'` retries with jittered backoff until
 * `settings.wait` has passed, then rejects with a SessionStoreError; `mode: 'try'` resolves null
 * at once when the lock is busy (for background work that can simply skip a busy session).
 */
export async function acquireLock(path: string, settings: LockSettings, mode: 'wait'): Promise<HeldLock>;
export async function acquireLock(
  path: string,
  settings: LockSettings,
  mode: 'try',
): Promise<HeldLock | null>;
export async function acquireLock(
  path: string,
  settings: LockSettings,
  mode: 'wait' | 'try',
): Promise<HeldLock | null> {
  const deadline = Date.now() + settings.wait;
  for (let attempt = 0; ; attempt++) {
    const held = await tryCreate(path, settings);
    if (held) return held;
    if (await breakIfStale(path, settings.staleAfter)) continue;
    if (mode === 'try') return null;
    if (Date.now() >= deadline) {
      throw new SessionStoreError(
        `File store: the session lock ${path} stayed busy for ${settings.wait} ms. Another process is ` +
          'holding it; a lock left by a crashed process is broken after lockStaleAfter.',
        { code: 'SESSION_STORE_TIMEOUT' },
      );
    }
    // Locks are held for a few syscalls, so start with ~1 ms; jitter keeps waiters from retrying
    // in lockstep, the cap keeps latency bounded once the holder lets go.
    await sleep(Math.min(1 + 2 ** attempt, 50) * (0.5 + Math.random()));
  }
}

/** Releases a lock without writing: deletes the lock file, unless it is no longer ours. */
export async function releaseLock(lock: HeldLock): Promise<void> {
  if (lock.done) return;
  lock.done = true;
  let ours = false;
  try {
    try {
      ours = await stillHeld(lock);
    } finally {
      await closeFd(lock.fd);
    }
    if (ours) await unlink(lock.path);
  } catch (error) {
    // The operation under the lock already completed; failing it now would make the caller retry
    // a write that happened. A lock we could not remove turns stale and is broken later.
    if (errorCode(error) !== 'ENOENT') {
      process.emitWarning(`sessionkit file store: could not release lock ${lock.path}: ${String(error)}`, {
        code: 'SESSIONKIT_FILE_LOCK',
      });
    }
  }
}

/**
 * Writes `bytes` into the lock file and renames it over `target`, which releases the lock: a
 * reader opens the old record or the new one, never a partial write, and a crash before the
 * rename leaves a lock file that is broken once stale, with the old record in place.
 */
export async function commitLock(
  lock: HeldLock,
  target: string,
  bytes: Uint8Array,
  options: WriteSettings,
): Promise<void> {
  if (lock.done) throw new Error(`sessionkit file store: the lock ${lock.path} is already released`);
  let held: boolean;
  try {
    await fillNewFile(lock.fd, bytes, options);
    held = await stillHeld(lock);
  } catch (error) {
    await releaseLock(lock);
    throw error;
  }
  lock.done = true;
  await closeFd(lock.fd);
  if (!held) {
    throw new SessionStoreError(
      `File store: the write under ${lock.path} took longer than lockStaleAfter / 2 and its lock was ` +
        'broken as stale and taken by another process meanwhile; nothing was written. Raise ' +
        'lockStaleAfter far above your slowest write.',
      { code: 'SESSION_STORE_TIMEOUT' },
    );
  }
  try {
    await renameOver(lock.path, target, options);
  } catch (error) {
    // Still ours (the rename is what would have released it): a partial record must not linger
    // as a lock that blocks the session until it turns stale.
    await removeQuietly(lock.path);
    throw error;
  }
}

/** Whether the lock file at the path is still ours; see HeldLock. The descriptor must be open. */
async function stillHeld(lock: HeldLock): Promise<boolean> {
  if (performance.now() - lock.since < lock.staleAfter / 2) return true;
  const [open, named] = await Promise.all([fstatFd(lock.fd), statOrNull(lock.path)]);
  return named !== null && named.dev === open.dev && named.ino === open.ino;
}

async function tryCreate(path: string, settings: LockSettings): Promise<HeldLock | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = await openFd(path, 'wx', settings.fileMode);
      return { path, fd, since: performance.now(), staleAfter: settings.staleAfter, done: false };
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') return null;
      // The shard folder does not exist yet, or a concurrent clear removed it.
      if (code === 'ENOENT' && attempt < 5) {
        await makeDir(dirname(path), settings.dirMode);
        continue;
      }
      throw error;
    }
  }
}

/**
 * Breaks the lock at `path` if it is older than `staleAfter`; resolves true when the caller
 * should retry at once (lock broken or already gone).
 *
 * Two processes can find the same stale lock. If both simply unlinked it, the slower one could
 * delete the fresh lock the faster one created right after, and both would "hold" it. So breakers
 * first take a second O_EXCL lock (`<lock>.break`), then check that the lock is still the very
 * file they judged stale (same inode and mtime: a lock created since has a fresh mtime even if it
 * reuses the inode) before unlinking it. The breaker lock is held for two syscalls; if its holder
 * dies in between, it too is removed once older than `staleAfter`. What remains is a window of
 * two syscalls in which a holder that outlived `lockStaleAfter` releases and a third process
 * locks; keep `lockStaleAfter` far above any real operation time.
 */
export async function breakIfStale(path: string, staleAfter: number): Promise<boolean> {
  const seen = await statOrNull(path);
  if (!seen) return true;
  if (Date.now() - seen.mtimeMs <= staleAfter) return false;

  const breaker = `${path}.break`;
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    try {
      fd = await openFd(breaker, 'wx');
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT') return true;
      if (code !== 'EEXIST') throw error;
      // Another process is breaking it right now (leave it to them), or died doing so (remove
      // its breaker and try again), or just finished (try again).
      const other = await statOrNull(breaker);
      if (attempt >= 2 || (other && Date.now() - other.mtimeMs <= staleAfter)) return false;
      if (other) await removeQuietly(breaker);
    }
  }
  try {
    await closeFd(fd);
    const again = await statOrNull(path);
    if (!again) return true;
    if (again.ino === seen.ino && again.dev === seen.dev && again.mtimeMs === seen.mtimeMs) {
      await unlink(path).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
      process.emitWarning(
        `sessionkit file store: broke the lock ${path}, unchanged for ${Math.round(Date.now() - seen.mtimeMs)} ms ` +
          '(its process probably crashed)',
        { code: 'SESSIONKIT_FILE_STALE_LOCK' },
      );
    }
    return true;
  } finally {
    await removeQuietly(breaker);
  }
}

/** Deletes a leftover (temp file, breaker lock) whose mtime is older than `age` ms. */
export async function removeIfOlder(path: string, age: number): Promise<boolean> {
  const info = await statOrNull(path);
  if (!info || Date.now() - info.mtimeMs <= age) return false;
  await removeQuietly(path);
  return true;
}

async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return await stat(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
}
