import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isSessionError, SessionConfigError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { createFileStore, type FileStoreOptions } from '../src/index';
import { freshDir, listFiles } from './helpers';

function configError(create: () => unknown): SessionConfigError {
  let thrown: unknown;
  try {
    create();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'construction must throw').toBeInstanceOf(SessionConfigError);
  expect(isSessionError(thrown, 'SESSION_CONFIG_INVALID')).toBe(true);
  return thrown as SessionConfigError;
}

describe('option validation at construction', () => {
  const invalid: ReadonlyArray<readonly [string, Partial<FileStoreOptions> | undefined, RegExp]> = [
    ['no options', undefined, /pass an options object.*directory/],
    [
      'a missing directory',
      { directory: undefined as unknown as string },
      /`directory` is required.*\/var\/lib\/myapp\/sessions/,
    ],
    ['an empty directory', { directory: '  ' }, /`directory` is required/],
    ['a directory that is not a string', { directory: 42 as unknown as string }, /`directory`.*got 42/],
    ['a NUL in the directory', { directory: '/tmp/a\0b' }, /NUL/],
    ['a negative depth', { depth: -1 }, /`depth` must be an integer from 0 to 4 \(got -1\)/],
    ['a depth of 5', { depth: 5 }, /`depth` must be an integer from 0 to 4 \(got 5\)/],
    ['a fractional depth', { depth: 1.5 }, /`depth`/],
    [
      'a fileMode without owner write',
      { fileMode: 0o400 },
      /`fileMode`.*owner read and write \(got 0o400\).*0o600/,
    ],
    ['a fileMode above 0o777', { fileMode: 0o4600 }, /`fileMode`.*got 0o4600/],
    ['a fileMode given as a string', { fileMode: '600' as unknown as number }, /`fileMode`.*got "600"/],
    ['a negative pruneInterval', { pruneInterval: -1 }, /`pruneInterval` must be 0 \(disabled\)/],
    ['a pruneInterval of Infinity', { pruneInterval: Number.POSITIVE_INFINITY }, /`pruneInterval`.*Infinity/],
    ['a pruneInterval a timer cannot hold', { pruneInterval: 2 ** 31 }, /up to 2147483647/],
    ['a pruneBatchSize of 0', { pruneBatchSize: 0 }, /`pruneBatchSize` must be a positive integer \(got 0\)/],
    [
      'a lockStaleAfter under a second',
      { lockStaleAfter: 999 },
      /`lockStaleAfter`.*from 1000.*still be held/,
    ],
    ['a lockStaleAfter of NaN', { lockStaleAfter: Number.NaN }, /`lockStaleAfter`.*NaN/],
    ['a non-boolean fsync', { fsync: 'yes' as unknown as boolean }, /`fsync` must be true or false/],
  ];

  for (const [label, options, message] of invalid) {
    test(`rejects ${label}`, async () => {
      const base = options && !('directory' in options) ? { directory: await freshDir() } : {};
      const error = configError(() =>
        createFileStore(
          options === undefined
            ? (undefined as unknown as FileStoreOptions)
            : ({ ...base, ...options } as FileStoreOptions),
        ),
      );
      expect(error.message).toMatch(/^createFileStore: /);
      expect(error.message).toMatch(message);
    });
  }

  test('rejects a directory that is a file, saying so', async () => {
    const file = join(await freshDir(), 'a-file');
    await writeFile(file, '');
    const error = configError(() => createFileStore({ directory: file }));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a directory/);
    const below = configError(() => createFileStore({ directory: join(file, 'below') }));
    expect(below.cause).toBeDefined();
  });

  test('resolves a relative directory against the working directory, once', async () => {
    const target = join(await freshDir(), 'relative', 'root');
    const store = createFileStore({ directory: relative(process.cwd(), target), pruneInterval: 0 });
    expect(store.directory).toBe(target);
    await store.set('k', { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 60_000 });
    expect(await listFiles(target)).toHaveLength(1);
  });

  test('accepts the documented extremes and defaults', async () => {
    const root = await freshDir();
    for (const options of [
      { depth: 0 },
      { depth: 4 },
      { fileMode: 0o777 },
      { pruneInterval: 0 },
      { pruneInterval: 2 ** 31 - 1 },
      { pruneBatchSize: 1 },
      { lockStaleAfter: 1_000 },
      { fsync: true },
    ]) {
      const store = createFileStore({ directory: root, ...options });
      expect(store.capabilities).toMatchObject({ prune: true, count: true, nativeExpiry: false });
      await store.close();
    }
  });

  test('fsync: true still round-trips records', async () => {
    const store = createFileStore({ directory: await freshDir(), fsync: true, pruneInterval: 0 });
    await store.set('k', { payload: new Uint8Array([7]), version: 1, expiresAt: Date.now() + 60_000 });
    expect((await store.get('k'))?.payload).toEqual(new Uint8Array([7]));
  });
});
