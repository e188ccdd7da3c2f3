import { close, fchmod, fstat, fsync, open, read, type Stats, write } from 'node:fs';

/**
 * Promise wrappers over Node's callback file API on plain descriptors. A store call opens two to
 * five files, and `fs/promises` gives each a FileHandle (a tracked native object with a close
 * request of its own): measured here, an open, read and close through a FileHandle cost a quarter
 * to a half more CPU than through a descriptor. Path operations (rename, unlink, mkdir) cost the
 * same either way and stay on `fs/promises`. The price: nothing closes a descriptor for us, so
 * whoever opens one closes it in a `finally`.
 */

type Callback<T> = (error: NodeJS.ErrnoException | null, value: T) => void;

function call<T>(start: (done: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    start((error, value) => (error ? reject(error) : resolve(value)));
  });
}

/** Opens a file; `flags` as in `fs.open` ('r', 'wx'…). */
export function openFd(path: string, flags: string, mode?: number): Promise<number> {
  return call((done) => open(path, flags, mode, done));
}

export function closeFd(fd: number): Promise<void> {
  return call((done) => close(fd, (error) => done(error, undefined)));
}

/** Reads at `position` into `buffer[offset, offset + length)`; resolves the bytes read. */
export function readFd(
  fd: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return call((done) => read(fd, buffer, offset, length, position, done));
}

/** Writes all of `bytes` from the start of a new file, going on after a partial write. */
export async function writeAllFd(fd: number, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const count = await call<number>((done) =>
      write(fd, bytes, written, bytes.length - written, written, done),
    );
    // Only a write of nothing returns 0; guard the loop all the same.
    if (count === 0) throw new Error('a file write made no progress');
    written += count;
  }
}

export function fstatFd(fd: number): Promise<Stats> {
  return call((done) => fstat(fd, done));
}

export function fchmodFd(fd: number, mode: number): Promise<void> {
  return call((done) => fchmod(fd, mode, (error) => done(error, undefined)));
}

export function fsyncFd(fd: number): Promise<void> {
  return call((done) => fsync(fd, (error) => done(error, undefined)));
}
