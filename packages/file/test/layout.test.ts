import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createFileStore } from '../src/index';
import { freshDir, hashOf, listFiles, markerPath, recordPath } from './helpers';

function record(ownerId: string | null = null, payload = 'x') {
  return { payload: new TextEncoder().encode(payload), version: 1, expiresAt: Date.now() + 60_000, ownerId };
}

describe('sharding', () => {
  for (const depth of [0, 1, 2, 3]) {
    test(`depth ${depth}: the record and its owner marker land in ${depth} level(s) of two-hex-character folders`, async () => {
      const root = await freshDir();
      const store = createFileStore({ directory: root, depth, pruneInterval: 0 });
      await store.set('session-key', record('alice'));
      const name = hashOf('session-key');
      const owner = hashOf('alice');
      const folders = (hash: string) =>
        Array.from({ length: depth }, (_, i) => `${hash.slice(2 * i, 2 * i + 2)}/`);
      expect(await listFiles(root)).toEqual(
        [
          `owners/${folders(owner).join('')}${owner}/${name}`,
          `sessions/${folders(name).join('')}${name}`,
        ].sort(),
      );
      expect((await store.get('session-key'))?.ownerId).toBe('alice');
      await store.close();
    });
  }

  test('file names are lowercase hex, so keys differing only in case never share a file', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, depth: 1, pruneInterval: 0 });
    await store.set('Key', record(null, 'upper'));
    await store.set('key', record(null, 'lower'));
    for (const path of await listFiles(root)) expect(path).toMatch(/^sessions\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    expect(new TextDecoder().decode((await store.get('Key'))?.payload)).toBe('upper');
    expect(new TextDecoder().decode((await store.get('key'))?.payload)).toBe('lower');
  });
});

describe('permissions', () => {
  test('session files are 0600 and the folders the store creates are 0700 by default', async () => {
    const parent = await freshDir();
    const root = join(parent, 'created', 'by', 'store');
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    await store.set('k', record('alice'));
    expect((await stat(recordPath(root, 2, 'k'))).mode & 0o777).toBe(0o600);
    for (const dir of [join(parent, 'created'), root, join(root, 'sessions')]) {
      expect((await stat(dir)).mode & 0o777, dir).toBe(0o700);
    }
  });

  test('fileMode is applied exactly, whatever the umask; folders get search bits where readable', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: join(root, 'shared'), fileMode: 0o660, pruneInterval: 0 });
    await store.set('k', record());
    expect((await stat(recordPath(join(root, 'shared'), 2, 'k'))).mode & 0o777).toBe(0o660);
    await store.touch('k', Date.now() + 120_000);
    expect((await stat(recordPath(join(root, 'shared'), 2, 'k'))).mode & 0o777, 'after a rewrite').toBe(
      0o660,
    );
    // mkdir applies the umask; only bits the umask leaves are promised.
    const umask = process.umask();
    expect((await stat(join(root, 'shared'))).mode & 0o777).toBe(0o770 & ~umask);
  });
});

describe('hostile keys and owners', () => {
  const keys = [
    '',
    '.',
    '..',
    '../escape',
    '../../../../../../../../tmp/escape',
    '/etc/passwd',
    'C:\\Windows\\escape',
    'a/b/c',
    'nul\u0000byte',
    'x'.repeat(10_000),
    'CON',
    '\uD800',
    '\uDC00',
    '\uFFFD',
    '\u00e9',
    'e\u0301',
  ];

  test('nothing is created outside the root, every file has a hashed name, no two keys collide', async () => {
    const parent = await freshDir();
    const root = join(parent, 'root');
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    for (const [index, key] of keys.entries()) await store.set(key, record(`../owner/${key}`, `#${index}`));

    expect(await readdir(parent), 'the parent holds only the root').toEqual(['root']);
    const files = await listFiles(root);
    const sessions = files.filter((file) => /^sessions\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/.test(file));
    const markers = files.filter((file) =>
      /^owners\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}\/[0-9a-f]{64}$/.test(file),
    );
    expect(sessions, 'one record file per key: no two keys share a file').toHaveLength(keys.length);
    expect(markers).toHaveLength(keys.length);
    expect(files, 'no file of any other shape').toHaveLength(2 * keys.length);
    for (const [index, key] of keys.entries()) {
      const read = await store.get(key);
      expect(new TextDecoder().decode(read?.payload), `key #${index}`).toBe(`#${index}`);
      expect(await store.listByOwner(`../owner/${key}`)).toEqual([
        { key, expiresAt: read?.expiresAt, details: null, lastActiveAt: null },
      ]);
    }
    expect(await store.count()).toBe(keys.length);
  });

  test('the owner marker path is derived from hashes only', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, depth: 0, pruneInterval: 0 });
    await store.set('../k', record('../../evil'));
    expect(await listFiles(root)).toEqual(
      [
        markerPath(root, 0, '../../evil', '../k').slice(root.length + 1),
        recordPath(root, 0, '../k').slice(root.length + 1),
      ].sort(),
    );
  });
});
