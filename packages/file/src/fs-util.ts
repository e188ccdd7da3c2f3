import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { closeFd, fchmodFd, fstatFd, fsyncFd, openFd, readFd, writeAllFd } from './fd';
import {
  type Decoded,
  type DecodedHeader,
  type DecodedRecord,
  declaredSize,
  decodeHeader,
  decodeRecord,
  HEADER_SIZE,
} from './format';
import type { ReadWhole } from './read-thread';

export { yieldToIo };

/** The `code` of a Node.js system error, if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Drawn once per process (and per worker thread), so that names built on it differ across them. */
const PROCESS_NONCE = randomBytes(8).toString('hex');
let sequence = 0;

/**
 * A string no other call returns, in this process or any other sharing the directory: the
 * process's random nonce and a counter. Cheaper than fresh random bytes on every write, and as
 * unique, which is all temp names need (an O_EXCL create never follows a link, so
 * a name someone can predict is no risk).
 */
export function uniqueName(): string {
  sequence += 1;
  return `${PROCESS_NONCE}${sequence.toString(36)}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/** Creates a folder and its parents; a folder that already exists is fine. */
export async function makeDir(path: string, mode: number): Promise<void> {
  await mkdir(path, { recursive: true, mode });
}

/** Deletes a file; resolves whether it existed. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Best-effort delete for index hygiene; a leftover is harmless because readers verify it. */
export async function removeQuietly(path: string): Promise<void> {
  await unlink(path).catch(() => undefined);
}

/** Codes a rename may transiently fail with on Windows while another process has the target open. */
const RENAME_RETRY = new Set(['EPERM', 'EACCES', 'EBUSY']);

/** What writing a record file needs from the store's options. */
export interface WriteSettings {
  fileMode: number;
  dirMode: number;
  fsync: boolean;
}

/**
 * Writes `bytes` to `target` atomically: a temp file with a random name in the same folder (so
 * the rename never crosses file systems), then rename over the target. rename(2) replaces the
 * directory entry in one step, so a reader opens either the old file or the new one, never a
 * partial write, and a crash mid-write leaves only a `.tmp` file that prune removes later.
 */
export async function writeAtomic(target: string, bytes: Uint8Array, options: WriteSettings): Promise<void> {
  const temp = `${target}.${uniqueName()}.tmp`;
  let fd: number;
  try {
    fd = await openFd(temp, 'wx', options.fileMode);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    await makeDir(dirname(target), options.dirMode);
    fd = await openFd(temp, 'wx', options.fileMode);
  }
  try {
    try {
      await fillNewFile(fd, bytes, options);
    } finally {
      await closeFd(fd);
    }
    await renameOver(temp, target, options);
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
}

/**
 * Writes a record into the new, empty file open at `fd`: its mode, its bytes, and with `fsync`
 * the flush to stable storage.
 */
export async function fillNewFile(fd: number, bytes: Uint8Array, options: WriteSettings): Promise<void> {
  // open() applies the umask; group/other bits the user asked for would be silently dropped.
  if ((options.fileMode & 0o077) !== 0) await fchmodFd(fd, options.fileMode);
  await writeAllFd(fd, bytes);
  if (options.fsync) await fsyncFd(fd);
}

/** Renames a complete file over `target` (and with `fsync` makes the rename durable). */
export async function renameOver(from: string, target: string, options: WriteSettings): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, target);
      break;
    } catch (error) {
      if (attempt >= 4 || !RENAME_RETRY.has(errorCode(error) ?? '')) throw error;
      await sleep(5 * 2 ** attempt);
    }
  }
  if (options.fsync) await syncDir(dirname(target));
}

/** Makes a rename durable. Some platforms cannot open or sync a folder; nothing more to do there. */
async function syncDir(path: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = await openFd(path, 'r');
    await fsyncFd(fd);
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    if (fd !== undefined) await closeFd(fd);
  }
}

/** What reading a record file found. */
export type ReadResult =
  | { state: 'missing' }
  | { state: 'corrupt'; reason: string }
  | { state: 'ok'; record: DecodedRecord };

/**
 * On NFS, a file that another client replaced (renamed over) between our open and our read
 * fails with ESTALE. The replacement is complete, so reading the path again is the right answer.
 */
async function retryStale<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (errorCode(error) !== 'ESTALE' || attempt >= 3) throw error;
    }
  }
}

/**
 * Opens `path` for reading, runs `body` on it and closes it; resolves null when the file does not
 * exist. Retried from the open on ESTALE (see retryStale).
 */
async function readOpen<T>(path: string, body: (fd: number) => Promise<T>): Promise<T | null> {
  return retryStale(async () => {
    let fd: number;
    try {
      fd = await openFd(path, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
    try {
      return await body(fd);
    } finally {
      await closeFd(fd);
    }
  });
}

/** The first read of a record: enough for nearly every session (a larger one costs two jobs more). */
export const RECORD_BUFFER = 16 * 1024;

/**
 * Reads a whole small file in three thread-pool jobs (open, read, close); `fs.promises.readFile`
 * takes four, as it stats the file first to size its buffer. `expectedSize` says, from the bytes
 * read so far, how long the file should be (Infinity when unknown). A read that leaves room in the
 * buffer ends the file once that length is reached; short of it, reading goes on until a read
 * returns nothing (a short read need not be the end on every file system: FUSE in direct I/O mode
 * returns them). A full buffer is regrown to the size fstat reports, plus one byte, and reading
 * goes on. So a file that fits costs one read, and a truncated or padded one is still read to its
 * real end, as readFile would. Resolves null when the file does not exist.
 */
export async function readSmallFile(
  path: string,
  initialSize: number,
  expectedSize: (bytes: Buffer) => number,
): Promise<Buffer | null> {
  return readOpen(path, async (fd) => {
    const first = takeScratch(initialSize);
    let buffer = first;
    let total = 0;
    try {
      for (;;) {
        if (total === buffer.length) {
          const { size } = await fstatFd(fd);
          // One byte more than the size, so that reading it all leaves the buffer not full.
          const grown = Buffer.allocUnsafe(Math.max(size + 1, buffer.length * 2));
          buffer.copy(grown, 0, 0, total);
          buffer = grown;
        }
        const bytesRead = await readFd(fd, buffer, total, buffer.length - total, total);
        total += bytesRead;
        if (bytesRead === 0) break;
        if (total < buffer.length && total >= expectedSize(buffer.subarray(0, total))) break;
      }
      // The scratch buffer goes back for the next read: what was read leaves as a copy of its own.
      return buffer === first ? Buffer.from(first.subarray(0, total)) : buffer.subarray(0, total);
    } finally {
      giveBackScratch(first);
    }
  });
}

/**
 * Read buffers of RECORD_BUFFER not in use. That size is too large for Buffer's shared pool, so a
 * fresh one per read is a malloc of its own and external memory that brings the next GC forward;
 * record reads reuse these instead (one per read in flight, at most MAX_SPARE kept), and copy out
 * what they read, which for a usual session fits Buffer's pool. Other sizes are not kept.
 */
const spare: Buffer[] = [];
const MAX_SPARE = 16;

function takeScratch(size: number): Buffer {
  return (size === RECORD_BUFFER ? spare.pop() : undefined) ?? Buffer.allocUnsafe(size);
}

function giveBackScratch(buffer: Buffer): void {
  if (buffer.length === RECORD_BUFFER && spare.length < MAX_SPARE) spare.push(buffer);
}

/** Reads a whole record file through the thread pool (see ReadThread for the other way). */
export function readRecordBytes(path: string): Promise<Buffer | null> {
  return readSmallFile(path, RECORD_BUFFER, declaredSize);
}

/**
 * Reads a whole record file with `readWhole` (the read thread's, or readRecordBytes); garbage comes
 * back as `corrupt`, never as an exception.
 */
export async function readRecordFile(path: string, readWhole: ReadWhole): Promise<ReadResult> {
  const bytes = await readWhole(path);
  if (bytes === null) return { state: 'missing' };
  const decoded = decodeRecord(bytes);
  return decoded.ok ? { state: 'ok', record: decoded.value } : { state: 'corrupt', reason: decoded.reason };
}

/** The header of a record file plus its key, which the file name must be the hash of. */
export type RecordHead = DecodedHeader & { key: string };

/**
 * Reads and validates only the header and the key of a record (count and prune need neither the
 * owner nor the payload). One 4 KiB read covers both for any key core produces.
 */
export async function readHeadFile(path: string): Promise<Decoded<RecordHead> | null> {
  return readOpen(path, async (fd) => {
    const { size } = await fstatFd(fd);
    let head = Buffer.alloc(Math.min(size, 4096));
    const bytesRead = await readFd(fd, head, 0, head.length, 0);
    const header = decodeHeader(head.subarray(0, bytesRead), size);
    if (!header.ok) return header;
    const keyEnd = HEADER_SIZE + header.value.keyLength;
    if (keyEnd > bytesRead) {
      head = Buffer.alloc(keyEnd);
      await readFd(fd, head, 0, keyEnd, 0);
    }
    return { ok: true, value: { ...header.value, key: head.toString('utf16le', HEADER_SIZE, keyEnd) } };
  });
}

/**
 * Walks a tree depth-first and yields each folder with the names of its regular files. Symbolic
 * links are never followed, so a link planted in a shared directory cannot lead a prune or a
 * clear outside the root. (readdir resolves DT_UNKNOWN entries, common on NFS, with lstat.)
 */
export async function* walkFolders(root: string): AsyncGenerator<{ dir: string; files: string[] }> {
  const pending = [root];
  while (pending.length > 0) {
    const dir = pending.pop() as string;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      // Removed while walking (a concurrent clear) or never created: nothing to visit.
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') continue;
      throw error;
    }
    const files: string[] = [];
    for (const entry of entries) {
      if (entry.isDirectory()) pending.push(join(dir, entry.name));
      else if (entry.isFile()) files.push(entry.name);
    }
    yield { dir, files };
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
