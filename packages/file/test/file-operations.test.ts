import { createHook } from 'node:async_hooks';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { declaredSize } from '../src/format';
import { RECORD_BUFFER, readSmallFile, writeAtomic } from '../src/fs-util';
import { createFileStore } from '../src/index';
import { freshDir, listFiles, recordPath } from './helpers';

function record(version: number, ownerId: string | null = 'alice') {
  return { payload: new Uint8Array(300), version, expiresAt: Date.now() + 60_000, ownerId };
}

function bytes(length: number): Buffer {
  return Buffer.from(Array.from({ length }, (_, index) => (index * 7 + 3) % 256));
}

describe('readSmallFile', () => {
  test('reads files shorter than, as long as and longer than the first buffer, whole', async () => {
    const dir = await freshDir();
    for (let length = 0; length <= 40; length++) {
      const path = join(dir, `f${length}`);
      const content = bytes(length);
      await writeFile(path, content);
      expect((await readSmallFile(path, 8, () => 0))?.equals(content), `${length} bytes`).toBe(true);
    }
  });

  test('what a read returned stays as it was while later reads reuse the read buffer', async () => {
    const dir = await freshDir();
    const contents = [bytes(30), Buffer.alloc(30, 0xff), Buffer.alloc(5, 1), bytes(100)];
    const paths = contents.map((_, index) => join(dir, `r${index}`));
    await Promise.all(paths.map((path, index) => writeFile(path, contents[index] as Buffer)));
    const oneByOne: Array<Buffer | null> = [];
    // Record reads (RECORD_BUFFER) are the ones that reuse their buffer.
    for (const path of paths) oneByOne.push(await readSmallFile(path, RECORD_BUFFER, () => 0));
    const together = await Promise.all(paths.map((path) => readSmallFile(path, RECORD_BUFFER, () => 0)));
    for (const [index, content] of contents.entries()) {
      expect(oneByOne[index]?.equals(content), `file ${index}, read alone`).toBe(true);
      expect(together[index]?.equals(content), `file ${index}, read at once with the others`).toBe(true);
    }
  });

  test('reads the whole file whether its first bytes claim more, less or its exact length', async () => {
    const dir = await freshDir();
    const path = join(dir, 'f');
    // The first byte claims the length of the file, like a record header.
    const claimed = (head: Buffer) => (head.length === 0 ? Number.POSITIVE_INFINITY : (head[0] as number));
    for (const [claim, length] of [
      [200, 20],
      [5, 20],
      [20, 20],
      [3, 100],
    ] as const) {
      const content = bytes(length);
      content[0] = claim;
      await writeFile(path, content);
      expect((await readSmallFile(path, 64, claimed))?.equals(content), `${claim} claimed of ${length}`).toBe(
        true,
      );
    }
  });

  test('resolves null for a missing file and rejects with the error of anything else', async () => {
    const dir = await freshDir();
    expect(await readSmallFile(join(dir, 'none'), 64, () => 0)).toBeNull();
    await expect(readSmallFile(dir, 64, () => 0)).rejects.toMatchObject({ code: 'EISDIR' });
  });

  test('declaredSize reads the three lengths of a record header, and is unknown before one is read', () => {
    const head = Buffer.alloc(36);
    head.writeUInt32BE(10, 24);
    head.writeUInt32BE(4, 28);
    head.writeUInt32BE(1_000, 32);
    expect(declaredSize(head)).toBe(36 + 10 + 4 + 1_000);
    expect(declaredSize(head.subarray(0, 35))).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('file descriptors', () => {
  // The store opens plain descriptors, which nothing closes for it if it forgets.
  test.skipIf(!existsSync('/proc/self/fd'))(
    'leaves no descriptor open, also when a read or a write fails',
    async () => {
      const root = await freshDir();
      const store = createFileStore({ directory: root, pruneInterval: 0 });
      const folder = recordPath(root, 2, 'k');
      // Starts the read thread, whose own descriptors (its event loop's) stay open until close().
      await store.get('absent');
      await mkdir(folder, { recursive: true });
      const open = async () => (await readdir('/proc/self/fd')).length;
      const before = await open();
      for (let round = 0; round < 20; round++) {
        await expect(store.get('k')).rejects.toThrow();
        await expect(store.set('k', record(1))).rejects.toThrow();
        const options = { fileMode: 0o660, dirMode: 0o770, fsync: true };
        await expect(writeAtomic(folder, new Uint8Array(3), options)).rejects.toMatchObject({
          code: 'EISDIR',
        });
        await store.set(`ok-${round}`, record(1));
        await store.get(`ok-${round}`);
      }
      expect(await open()).toBe(before);
      expect(
        (await listFiles(root)).filter((file) => file.endsWith('.tmp') || file.endsWith('.lock')),
      ).toEqual([]);
    },
  );
});

/**
 * Counts the libuv file-system requests (each one a thread-pool job and a promise) a call makes:
 * every fs.promises call and FileHandle method creates one FSREQPROMISE resource, a close one
 * FILEHANDLECLOSEREQ. A regression here is a slower store, not a wrong one, so the counts are the
 * documented cost of each call.
 */
async function operations(call: () => Promise<unknown>): Promise<number> {
  let count = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === 'FSREQPROMISE' || type === 'FSREQCALLBACK' || type === 'FILEHANDLECLOSEREQ') count++;
    },
  });
  hook.enable();
  try {
    await call();
  } finally {
    hook.disable();
  }
  return count;
}

describe('file operations per call', () => {
  test('get: open, read, close; set: lock, read, and the write committed by renaming the lock', async () => {
    // Counted on the thread pool: the read thread (below) makes the same calls elsewhere.
    const store = createFileStore({
      directory: await freshDir(),
      depth: 0,
      pruneInterval: 0,
      readThread: false,
    });
    // Creates the folders, so that no count below includes a mkdir.
    await store.set('first', record(1));

    // The lock: one open; a missing record: one open; a new owner's marker: open and close; the
    // record written into the lock and renamed over the record: write, close, rename.
    expect(await operations(() => store.set('k', record(1))), 'insert').toBe(1 + 1 + 2 + 3);
    expect(await operations(() => store.get('k')), 'get').toBe(3);
    expect(await operations(() => store.get('missing')), 'get of a missing record').toBe(1);
    const cas = () => store.set('k', record(2), { expectedVersion: 1 });
    expect(await operations(cas), 'compare-and-set, same owner').toBe(1 + 3 + 3);
    // The release of a lock that wrote nothing: close, unlink.
    const conflict = () => expect(cas()).rejects.toMatchObject({ code: 'SESSION_CONFLICT' });
    expect(await operations(conflict), 'compare-and-set that conflicts').toBe(1 + 3 + 2);
    // The old owner's marker goes after the write and under the lock: the record through a temp
    // file (open, write, close, rename), one unlink, then the release.
    const noOwner = () => store.set('k', record(3, null), { expectedVersion: 2 });
    expect(await operations(noOwner), 'compare-and-set to no owner').toBe(1 + 3 + 4 + 1 + 2);
    // Touch: lock, read, commit; destroy: lock, read, unlink, release.
    expect(await operations(() => store.touch('k', Date.now() + 60_000)), 'touch').toBe(1 + 3 + 3);
    expect(await operations(() => store.destroy('k')), 'destroy').toBe(1 + 3 + 1 + 2);
  });

  test('with the read thread, reads take no thread-pool job', async () => {
    const store = createFileStore({ directory: await freshDir(), depth: 0, pruneInterval: 0 });
    await store.set('first', record(1));
    await store.get('first');
    expect(await operations(() => store.get('first')), 'get').toBe(0);
    expect(await operations(() => store.get('missing')), 'get of a missing record').toBe(0);
    // The write's own read of the current record moves too: one open fewer than above.
    expect(await operations(() => store.set('k', record(1))), 'insert').toBe(1 + 2 + 3);
    await store.close();
  });
});
