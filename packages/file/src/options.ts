import { resolve } from 'node:path';
import { SessionConfigError } from '@sessionkit/core';

/** Options of {@link createFileStore}. */
export interface FileStoreOptions {
  /**
   * Root directory of the store. A relative path is resolved against `process.cwd()` once, at
   * construction. Created recursively (mode 0700, see `fileMode`) when missing; every process
   * that shares the store must be able to read and write it.
   */
  directory: string;
  /**
   * Levels of shard folders between the root and a session file; each level is named after two
   * more hex characters of the file name, so a level holds at most 256 folders. Use 0 for a few
   * thousand sessions, 2 for millions. Changing it later hides the sessions written with the old
   * value from `get` (prune still removes them once they expire).
   * @default 2
   */
  depth?: number;
  /**
   * Permission bits of session files. Must include owner read and write. Folders the store
   * creates get the same bits plus search (x) where a class can read: 0o600 → 0o700,
   * 0o660 → 0o770.
   * @default 0o600
   */
  fileMode?: number;
  /**
   * Flush every write to stable storage (`fsync` of the file, then of its folder) before it
   * counts as done. Off by default: a crash of the process never loses a completed write either
   * way (the rename is atomic), only a power loss or kernel crash can, and that costs the
   * affected users their session, while fsync costs milliseconds on every write.
   * @default false
   */
  fsync?: boolean;
  /**
   * Interval in milliseconds of the background prune of expired files, jittered by ±20% so
   * processes sharing the directory do not prune in lockstep. The timer never keeps the process
   * alive. 0 disables it (call `prune()` yourself, e.g. from a cron job).
   * @default 600_000
   */
  pruneInterval?: number;
  /**
   * Maximum number of files one prune batch deletes before it yields to other I/O, so a prune of
   * a large directory never starves requests.
   * @default 500
   */
  pruneBatchSize?: number;
  /**
   * How long in milliseconds a per-session lock may exist before another process may break it
   * (crash recovery). Keep it far above the slowest write you expect (NFS stalls included) and
   * keep the clocks of machines sharing the directory in sync. Waiting for a lock gives up after
   * `lockStaleAfter` + 2 s, so a lock left by a crashed process is always broken first.
   * @default 10_000
   */
  lockStaleAfter?: number;
  /**
   * Read session files on a worker thread (one per process, shared by the file stores that use
   * it, started at the first read) instead of libuv's thread pool. The same files are read the
   * same way with a fraction of the CPU under load: the pool hands each read over three times
   * (open, read, close), the thread once per turn of the event loop for all reads of that turn.
   * Set false where worker threads are unwelcome; if one cannot start (e.g. the permission model
   * without `--allow-worker`), the store falls back to the pool by itself.
   * @default true
   */
  readThread?: boolean;
}

/** Options with defaults applied and derived values computed. */
export interface ResolvedOptions {
  directory: string;
  depth: number;
  fileMode: number;
  dirMode: number;
  fsync: boolean;
  pruneInterval: number;
  pruneBatchSize: number;
  lockStaleAfter: number;
  readThread: boolean;
  /** Total time a caller waits for a busy lock before the call fails. */
  lockWait: number;
}

/** setTimeout silently turns larger delays into 1 ms, which would prune in a tight loop. */
const MAX_TIMER_DELAY = 2_147_483_647;
const MIN_LOCK_STALE_AFTER = 1_000;
const LOCK_WAIT_MARGIN = 2_000;

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}

function fail(message: string): never {
  throw new SessionConfigError(`createFileStore: ${message}`);
}

/** Validates the options and applies defaults; throws SessionConfigError saying how to fix them. */
export function resolveOptions(options: FileStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    fail("pass an options object, e.g. createFileStore({ directory: '/var/lib/myapp/sessions' }).");
  }
  const { directory, depth = 2, fileMode = 0o600, fsync = false } = options;
  const {
    pruneInterval = 600_000,
    pruneBatchSize = 500,
    lockStaleAfter = 10_000,
    readThread = true,
  } = options;

  if (typeof directory !== 'string' || directory.trim() === '') {
    fail(
      `\`directory\` is required and must be a non-empty path (got ${show(directory)}), ` +
        "e.g. createFileStore({ directory: '/var/lib/myapp/sessions' }).",
    );
  }
  if (directory.includes('\0')) fail('`directory` must not contain a NUL character.');
  if (!Number.isInteger(depth) || depth < 0 || depth > 4) {
    fail(
      `\`depth\` must be an integer from 0 to 4 (got ${show(depth)}). ` +
        'Use 0 for a few thousand sessions, 2 (the default) for millions.',
    );
  }
  if (!Number.isInteger(fileMode) || fileMode < 0 || fileMode > 0o777 || (fileMode & 0o600) !== 0o600) {
    const got =
      typeof fileMode === 'number' && Number.isInteger(fileMode)
        ? `0o${fileMode.toString(8)}`
        : show(fileMode);
    fail(
      `\`fileMode\` must be a permission mode up to 0o777 that includes owner read and write (got ${got}), ` +
        'e.g. 0o600 (the default) or 0o660 to share the directory with a group.',
    );
  }
  if (typeof fsync !== 'boolean') fail(`\`fsync\` must be true or false (got ${show(fsync)}).`);
  if (typeof readThread !== 'boolean')
    fail(`\`readThread\` must be true or false (got ${show(readThread)}).`);
  if (!Number.isInteger(pruneInterval) || pruneInterval < 0 || pruneInterval > MAX_TIMER_DELAY) {
    fail(
      `\`pruneInterval\` must be 0 (disabled) or a whole number of milliseconds up to ${MAX_TIMER_DELAY} ` +
        `(got ${show(pruneInterval)}); the default is 600000 (10 minutes).`,
    );
  }
  if (!Number.isInteger(pruneBatchSize) || pruneBatchSize < 1) {
    fail(`\`pruneBatchSize\` must be a positive integer (got ${show(pruneBatchSize)}); the default is 500.`);
  }
  if (
    !Number.isInteger(lockStaleAfter) ||
    lockStaleAfter < MIN_LOCK_STALE_AFTER ||
    lockStaleAfter > MAX_TIMER_DELAY
  ) {
    fail(
      `\`lockStaleAfter\` must be a whole number of milliseconds from ${MIN_LOCK_STALE_AFTER} to ${MAX_TIMER_DELAY} ` +
        `(got ${show(lockStaleAfter)}): a younger lock may still be held by a live process. The default is 10000.`,
    );
  }

  return {
    directory: resolve(directory),
    depth,
    fileMode,
    // Folders need the search bit wherever their files are readable, or nobody can open them.
    dirMode: fileMode | ((fileMode & 0o444) >> 2),
    fsync,
    pruneInterval,
    pruneBatchSize,
    lockStaleAfter,
    readThread,
    lockWait: lockStaleAfter + LOCK_WAIT_MARGIN,
  };
}
