import type { Stats } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { SessionStoreError } from '@sessionkit/core';
import { closeFd, openFd, writeAllFd } from './fd';
import { errorCode, makeDir, readSmallFile, removeQuietly, sleep, uniqueName } from './fs-util';

/**
 * Per-session locks that hold across processes and machines: a lock is a file created with
 * O_CREAT|O_EXCL (`open(path, 'wx')`), which exactly one creator wins, locally and on NFSv4.
 * The lock protects read-compare-write sequences (insert, compare-and-set, touch, destroy);
 * plain reads never lock because writes are atomic renames.
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
 * A lock this process holds. Identified by a random token written into the file, not by inode:
 * file systems reuse a freed inode at once, so a lock broken and re-created by another process
 * can have the inode ours had.
 */
export interface HeldLock {
  path: string;
  token: string;
}

const OWNER_NOTE = `${process.pid}@${hostname()}`;

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

/** Releases a lock, unless it is no longer ours (it was broken as stale and taken by another). */
export async function releaseLock(lock: HeldLock): Promise<void> {
  try {
    const token = Buffer.from(lock.token);
    // Room for one byte more than the token, so that a longer file cannot pass for ours.
    const found = await readSmallFile(lock.path, token.length + 1, () => token.length);
    if (found?.equals(token)) await unlink(lock.path);
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

async function tryCreate(path: string, settings: LockSettings): Promise<HeldLock | null> {
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = await openFd(path, 'wx', settings.fileMode);
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
    try {
      // Who holds the lock, for a human looking at a stuck one, and a token no other lock carries.
      const token = `${OWNER_NOTE} ${new Date().toISOString()} ${uniqueName()}\n`;
      await writeAllFd(fd, Buffer.from(token));
      return { path, token };
    } catch (error) {
      await removeQuietly(path);
      throw error;
    } finally {
      await closeFd(fd);
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
