import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreFromConfig, isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { freshDir } from './helpers';

describe('createStoreFromConfig: file', () => {
  test.each([
    ['url', (dir: string) => `file://${dir}?depth=1`],
    ['object', (dir: string) => ({ type: 'file' as const, directory: dir, depth: 1 })],
  ])('%s form', async (_form, source) => {
    const dir = await freshDir();
    const store = await createStoreFromConfig(source(dir));
    expect(store.description).toBe(`file ${dir}`);
    await store.set('k', { payload: new Uint8Array([1, 2]), version: 1, expiresAt: Date.now() + 60_000 });
    expect((await store.get('k'))?.payload).toEqual(new Uint8Array([1, 2]));
    // depth 1: one level of two-character shard folders holds the file.
    const shards = (await readdir(`${dir}/sessions`)).filter((name) => /^[0-9a-f]{2}$/.test(name));
    expect(shards).toHaveLength(1);
    await store.close();
  });

  test('mustExist: a missing directory is an error that says how to create it, and is not created', async () => {
    const root = await mkdtemp(join(tmpdir(), 'sessionkit-core-'));
    try {
      const missing = join(root, 'missing', 'dir');
      const error = await createStoreFromConfig(`file://${missing}`, { mustExist: true }).catch(
        (e: unknown) => e,
      );
      expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
      expect((error as Error).message).toContain(`${missing} does not exist; nothing was created`);
      expect((error as Error).message).toContain(`mkdir -p '${missing}'`);
      await expect(stat(join(root, 'missing'))).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
