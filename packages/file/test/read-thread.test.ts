import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, test } from 'vitest';
import { readRecordBytes } from '../src/fs-util';
import { createFileStore } from '../src/index';
import { ReadThread } from '../src/read-thread';
import { freshDir, runFixture } from './helpers';

/** The thread-pool path, counting its calls. */
function countingFallback() {
  const paths: string[] = [];
  const read = (path: string) => {
    paths.push(path);
    return readRecordBytes(path);
  };
  return { paths, read };
}

const canMakeFifo = process.platform !== 'win32';

describe('the read thread', () => {
  test('reads every size byte for byte as the thread pool does, a missing file as null, a folder as EISDIR', async () => {
    const dir = await freshDir();
    const sizes = [0, 1, 300, 16_383, 16_384, 16_385, 40_000, 200_000];
    const files = await Promise.all(
      sizes.map(async (size) => {
        const path = join(dir, `f${size}`);
        const bytes = randomBytes(size);
        await writeFile(path, bytes);
        return { path, bytes };
      }),
    );
    const fallback = countingFallback();
    const thread = new ReadThread(fallback.read);
    try {
      // One turn of the event loop: one batch, every answer matched to its own request.
      const read = await Promise.all(files.map((file) => thread.read(file.path)));
      for (const [i, bytes] of read.entries()) {
        expect(Buffer.compare(bytes as Buffer, files[i]?.bytes as Buffer), `size ${sizes[i]}`).toBe(0);
      }
      // Again one at a time, so that the thread's reused buffer is exercised after a large file.
      for (const file of [...files].reverse()) {
        expect(Buffer.compare((await thread.read(file.path)) as Buffer, file.bytes)).toBe(0);
      }
      expect(await thread.read(join(dir, 'none'))).toBeNull();
      await expect(thread.read(dir)).rejects.toMatchObject({
        code: 'EISDIR',
        errno: expect.any(Number),
        syscall: 'read',
        path: dir,
      });
      await expect(readRecordBytes(dir)).rejects.toMatchObject({ code: 'EISDIR' });
      expect(fallback.paths).toEqual([]);
    } finally {
      await thread.close();
    }
  });

  test('500 reads requested together come back each with its own file', async () => {
    const dir = await freshDir();
    const names = Array.from({ length: 500 }, (_, i) => `file-${i}`);
    await Promise.all(names.map((name) => writeFile(join(dir, name), name.repeat(1 + (name.length % 7)))));
    const thread = new ReadThread(readRecordBytes);
    try {
      const read = await Promise.all(names.map((name) => thread.read(join(dir, name))));
      expect(read.map((bytes) => bytes?.toString())).toEqual(
        names.map((name) => name.repeat(1 + (name.length % 7))),
      );
    } finally {
      await thread.close();
    }
  });

  test('when the thread cannot start, every read goes through the thread pool', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'a'), 'alpha');
    const fallback = countingFallback();
    const refused = () => {
      throw Object.assign(new Error('Access to this API has been restricted'), { code: 'ERR_ACCESS_DENIED' });
    };
    const thread = new ReadThread(fallback.read, true, refused);
    expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
    expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
    expect(fallback.paths).toHaveLength(2);
  });

  test('reads the thread had not answered when it died finish through the thread pool', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'a'), 'alpha');
    const fallback = countingFallback();
    // A real thread that dies on its first batch, before answering.
    const dying = () =>
      new Worker(
        "require('node:worker_threads').parentPort.on('message', () => { throw new Error('boom'); });",
        { eval: true },
      );
    const thread = new ReadThread(fallback.read, true, dying);
    const read = await Promise.all([thread.read(join(dir, 'a')), thread.read(join(dir, 'none'))]);
    expect(read.map((bytes) => bytes?.toString() ?? null)).toEqual(['alpha', null]);
    expect(fallback.paths).toHaveLength(2);
    // And from then on, everything.
    expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
    expect(fallback.paths).toHaveLength(3);
  });

  test('after close, reads go through the thread pool', async () => {
    const dir = await freshDir();
    await writeFile(join(dir, 'a'), 'alpha');
    const fallback = countingFallback();
    const thread = new ReadThread(fallback.read);
    expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
    await thread.close();
    expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
    expect(fallback.paths).toHaveLength(1);
  });

  test.skipIf(!canMakeFifo)(
    'a read stuck on the thread (a FIFO with no writer, like a hung NFS server) does not hold up the others (skipped on Windows: no mkfifo)',
    async () => {
      const dir = await freshDir();
      const fifo = join(dir, 'stuck');
      execFileSync('mkfifo', [fifo]);
      await writeFile(join(dir, 'a'), 'alpha');
      const fallback = countingFallback();
      const thread = new ReadThread(fallback.read);
      try {
        const stuck = thread.read(fifo);
        await new Promise((resolve) => setTimeout(resolve, 250));
        // The thread is blocked in open(): this read must not wait for it.
        expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
        expect(fallback.paths).toEqual([join(dir, 'a')]);
        // Unblock it by opening the other end. A FIFO cannot be read at a position, so the read
        // then fails, as the thread pool's would; what matters is that it ends and the thread
        // serves again.
        const ended = expect(stuck).rejects.toMatchObject({ code: 'ESPIPE' });
        closeSync(openSync(fifo, 'w'));
        await ended;
        // Answered: reads go to the thread again.
        expect((await thread.read(join(dir, 'a')))?.toString()).toBe('alpha');
        expect(fallback.paths).toHaveLength(1);
      } finally {
        await thread.close();
      }
    },
  );

  test('keeps the process alive while a read is in flight, and lets it exit once idle', {
    timeout: 60_000,
  }, async () => {
    const dir = await freshDir();
    const store = createFileStore({ directory: dir, pruneInterval: 0, readThread: false });
    await store.set('seeded', {
      payload: new Uint8Array([7, 8, 9]),
      version: 1,
      expiresAt: Date.now() + 60_000,
      ownerId: null,
    });
    const child = runFixture('read-then-exit', [dir]);
    const result = await child.done;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('[[7,8,9],[7,8,9]]');
  });

  test.skipIf(!existsSync('/proc/self/task'))(
    'file stores in one process share one thread, which stops when the last of them closes (skipped without /proc/self/task: counts threads on Linux only)',
    async () => {
      const threads = async () => (await readdir('/proc/self/task')).length;
      const record = {
        payload: new Uint8Array([1]),
        version: 1,
        expiresAt: Date.now() + 60_000,
        ownerId: null,
      };
      // The thread pool's threads start at the first file operation: count from after one.
      const poolOnly = createFileStore({ directory: await freshDir(), pruneInterval: 0, readThread: false });
      await poolOnly.set('k', record);
      const before = await threads();
      const a = createFileStore({ directory: await freshDir(), pruneInterval: 0 });
      const b = createFileStore({ directory: await freshDir(), pruneInterval: 0 });
      // A write reads the current record first, through the thread.
      await a.set('k', record);
      const started = await threads();
      expect(started, 'the first read starts the thread').toBeGreaterThan(before);
      await b.set('k', record);
      expect((await b.get('k'))?.version).toBe(1);
      expect(await threads(), "the second store's reads start none").toBe(started);
      await a.close();
      expect((await b.get('k'))?.version).toBe(1);
      expect(await threads(), 'closing one user keeps it').toBe(started);
      await b.close();
      expect(await threads(), 'closing the last stops it').toBe(before);
    },
  );

  test('readThread must be a boolean', () => {
    expect(() => createFileStore({ directory: '/tmp/x', readThread: 'yes' as never })).toThrow(
      /`readThread` must be true or false \(got "yes"\)/,
    );
  });
});
