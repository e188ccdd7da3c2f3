import { copyFile, mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { createFileStore, type FileStore } from '../src/index';
import { captureWarnings, freshDir, listFiles, recordPath } from './helpers';

async function setup(): Promise<{ root: string; store: FileStore }> {
  const dir = await freshDir();
  return { root: dir, store: createFileStore({ directory: dir, pruneInterval: 0 }) };
}

function record(payload = 'payload', ownerId: string | null = null) {
  return { payload: new TextEncoder().encode(payload), version: 1, expiresAt: Date.now() + 60_000, ownerId };
}

async function expectStoreError(promise: Promise<unknown>, causeCode: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(isSessionError(error, 'SESSION_STORE_ERROR'), `rejected with ${String(error)}`).toBe(true);
  expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe(causeCode);
}

/** Ways a record file can be damaged, applied to a valid file of key 'k'. */
const DAMAGE: ReadonlyArray<readonly [string, (path: string, root: string) => Promise<void>]> = [
  ['truncated to half', async (path) => truncate(path, Math.floor((await readFile(path)).length / 2))],
  ['truncated inside the header', (path) => truncate(path, 20)],
  ['emptied', (path) => truncate(path, 0)],
  [
    'one byte too long',
    async (path) => writeFile(path, Buffer.concat([await readFile(path), Buffer.from([0])])),
  ],
  ['overwritten with garbage', (path) => writeFile(path, Buffer.from('definitely not a session record'))],
  [
    'given a future format version',
    async (path) => {
      const bytes = await readFile(path);
      bytes[4] = 9;
      await writeFile(path, bytes);
    },
  ],
  [
    'replaced by the file of another key',
    async (path, root) => {
      await copyFile(recordPath(root, 2, 'other'), path);
    },
  ],
];

/** A record that fits the store's first read, and one that makes it read on (over 16 KiB). */
const SIZES = [
  ['small', 'payload'],
  ['large', 'large '.repeat(5_000)],
] as const;

describe('damaged record files', () => {
  for (const [label, damage] of DAMAGE) {
    test.each(SIZES)(
      `${label}, %s record: get removes the file, warns and rejects with SESSION_RECORD_CORRUPT`,
      async (_, payload) => {
        const { root, store } = await setup();
        await store.set('other', record('other'));
        await store.set('k', record(payload));
        const path = recordPath(root, 2, 'k');
        await damage(path, root);

        expect(await store.count(), 'count skips the damaged file').toBe(1);
        const warnings = await captureWarnings('SESSIONKIT_FILE_CORRUPT', async () => {
          const error = await store.get('k').then(
            () => null,
            (reason: unknown) => reason,
          );
          expect(isSessionError(error, 'SESSION_RECORD_CORRUPT'), `rejected with ${String(error)}`).toBe(
            true,
          );
          expect(error).toMatchObject({ key: 'k' });
        });
        expect(await store.get('k'), 'then gone').toBeNull();
        expect(warnings).toHaveLength(1);
        expect(warnings[0]).toContain(path);
        expect(await listFiles(root), 'only the other record is left').toEqual([
          recordPath(root, 2, 'other').slice(root.length + 1),
        ]);
        expect(new TextDecoder().decode((await store.get('other'))?.payload)).toBe('other');
      },
    );
  }

  test('compare-and-set over a damaged file conflicts; an insert replaces it; touch resolves false', async () => {
    const { root, store } = await setup();
    await store.set('k', record('first', 'alice'));
    await truncate(recordPath(root, 2, 'k'), 10);
    const conflict = await store
      .set('k', { ...record('second'), version: 2 }, { expectedVersion: 1 })
      .catch((e) => e);
    expect(isSessionError(conflict, 'SESSION_CONFLICT')).toBe(true);
    expect(await store.touch('k', Date.now() + 120_000)).toBe(false);
    expect(await store.listByOwner('alice'), 'a damaged record is not listed').toEqual([]);
    await store.set('k', record('fresh'));
    expect(new TextDecoder().decode((await store.get('k'))?.payload)).toBe('fresh');
  });

  test('prune removes damaged files and counts them', async () => {
    const { root, store } = await setup();
    await store.set('a', record());
    await store.set('b', record());
    await writeFile(recordPath(root, 2, 'a'), 'garbage');
    expect(await store.prune()).toBe(1);
    expect(await store.get('b')).not.toBeNull();
    expect(await listFiles(root)).toHaveLength(1);
  });

  test('file system errors reject with SessionStoreError carrying the fs error as cause', async () => {
    const { root, store } = await setup();
    // A folder where the record file should be: EISDIR on read, and the rename over it fails too.
    const path = recordPath(root, 2, 'k');
    await mkdir(path, { recursive: true });
    await expectStoreError(store.get('k'), 'EISDIR');
    const setError = await store.set('k', record()).catch((e: unknown) => e);
    expect(isSessionError(setError, 'SESSION_STORE_ERROR')).toBe(true);
    expect((setError as Error).message).toMatch(/^File store set failed/);

    // A file where the sessions folder should be: ENOTDIR everywhere below it.
    await rm(join(root, 'sessions'), { recursive: true });
    await writeFile(join(root, 'sessions'), 'in the way');
    await expectStoreError(store.get('k'), 'ENOTDIR');
    const writeError = await store.set('k', record()).catch((e: unknown) => e);
    expect(isSessionError(writeError, 'SESSION_STORE_ERROR')).toBe(true);
  });

  test('values of the wrong type are rejected with SessionStoreError before anything is written', async () => {
    const { root, store } = await setup();
    const bad = [
      () => store.set(42 as unknown as string, record()),
      () => store.set('k', { ...record(), payload: 'text' as unknown as Uint8Array }),
      () => store.set('k', { ...record(), version: 1.5 }),
      () => store.set('k', { ...record(), expiresAt: Number.NaN }),
      () => store.set('k', { ...record(), ownerId: 7 as unknown as string }),
      () => store.set('k', record(), { expectedVersion: Number.NaN }),
      () => store.touch('k', Number.NaN),
      () => store.listByOwner(undefined as unknown as string),
    ];
    for (const call of bad) {
      const error = await call().catch((e: unknown) => e);
      expect(isSessionError(error, 'SESSION_STORE_ERROR'), String(error)).toBe(true);
    }
    expect(await listFiles(root)).toEqual([]);
  });
});
