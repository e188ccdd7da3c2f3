import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createFileStore } from '../src/index';
import { freshDir, hashOf, listFiles, markerPath, recordPath } from './helpers';

function record(expiresIn: number, ownerId: string | null = null) {
  return { payload: new Uint8Array([1, 2, 3]), version: 1, expiresAt: Date.now() + expiresIn, ownerId };
}

async function plant(path: string, age = 0): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, 'left behind');
  if (age > 0) {
    const then = new Date(Date.now() - age);
    await utimes(path, then, then);
  }
}

describe('prune', () => {
  test('deletes every expired record across several batches, with its owner marker, and keeps live ones', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, depth: 1, pruneBatchSize: 7, pruneInterval: 0 });
    const expired = Array.from({ length: 30 }, (_, i) => `expired-${i}`);
    const live = Array.from({ length: 10 }, (_, i) => `live-${i}`);
    for (const [i, key] of expired.entries()) await store.set(key, record(-1_000, i % 2 ? 'alice' : null));
    for (const key of live) await store.set(key, record(60_000, 'alice'));

    expect(await store.prune(), '30 expired records in batches of 7').toBe(30);
    const expected = live.flatMap((key) => [recordPath(root, 1, key), markerPath(root, 1, 'alice', key)]);
    expect(await listFiles(root)).toEqual(expected.map((path) => path.slice(root.length + 1)).sort());
    expect(await store.count()).toBe(10);
    expect(await store.prune(), 'nothing left to prune').toBe(0);
  });

  test('removes temp files and locks abandoned by crashed processes, and leaves young ones alone', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0, lockStaleAfter: 5_000 });
    await store.set('k', record(60_000));
    const base = recordPath(root, 2, 'k');
    await plant(`${base}.0a1b2c3d4e5f.tmp`, 60_000);
    await plant(`${base}.ffffffffffff.tmp`);
    await plant(`${recordPath(root, 2, 'stale')}.lock`, 60_000);
    await plant(`${recordPath(root, 2, 'stale')}.lock.break`, 60_000);
    await plant(`${recordPath(root, 2, 'busy')}.lock`);
    await plant(join(root, 'sessions', 'README'));

    expect(await store.prune(), 'leftovers are not sessions').toBe(0);
    expect(await listFiles(root)).toEqual(
      [
        base,
        `${base}.ffffffffffff.tmp`,
        `${recordPath(root, 2, 'busy')}.lock`,
        join(root, 'sessions', 'README'),
      ]
        .map((path) => path.slice(root.length + 1))
        .sort(),
    );
  });

  test('skips an expired record whose lock is held (someone is writing it right now)', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    await store.set('k', record(-1_000));
    await plant(`${recordPath(root, 2, 'k')}.lock`);
    expect(await store.prune()).toBe(0);
    expect(await listFiles(root)).toHaveLength(2);
  });

  test('close() stops the background prune', async () => {
    const root = await freshDir();
    const pruning = createFileStore({ directory: root, pruneInterval: 50 });
    await pruning.close();
    const writer = createFileStore({ directory: root, pruneInterval: 0 });
    await writer.set('k', record(-1_000));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await listFiles(root), 'still there: no prune ran after close').toHaveLength(1);
  });
});

describe('owner index', () => {
  test('a marker whose record is gone or belongs to someone else is ignored and cleaned up', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    await store.set('mine', record(60_000, 'alice'));
    await store.set('bobs', record(60_000, 'bob'));
    // Left behind by a crash (marker written, record never renamed into place) and forged.
    await plant(markerPath(root, 2, 'alice', 'never-written'));
    await plant(markerPath(root, 2, 'alice', 'bobs'));

    expect(await store.listByOwner('alice')).toEqual([
      { key: 'mine', expiresAt: expect.any(Number), details: null, lastActiveAt: null },
    ]);
    const markers = (await listFiles(root)).filter((file) => file.startsWith('owners/'));
    expect(markers.sort()).toEqual(
      [markerPath(root, 2, 'alice', 'mine'), markerPath(root, 2, 'bob', 'bobs')]
        .map((path) => path.slice(root.length + 1))
        .sort(),
    );
    await plant(markerPath(root, 2, 'alice', 'bobs'));
    expect(await store.destroyByOwner('alice'), "a forged marker never deletes another owner's session").toBe(
      1,
    );
    expect(await store.get('bobs')).not.toBeNull();
    expect(await store.listByOwner('bob')).toHaveLength(1);
  });

  test('a marker is kept while its record is locked: a write in flight creates the marker first', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    const marker = markerPath(root, 2, 'alice', 'in-flight');
    await plant(marker);
    await plant(`${recordPath(root, 2, 'in-flight')}.lock`);
    expect(await store.listByOwner('alice')).toEqual([]);
    expect(await listFiles(root)).toContain(marker.slice(root.length + 1));
  });

  test('the marker stands through many writes of the same owner, and destroyByOwner still finds the session', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    await store.set('k', record(60_000, 'alice'));
    for (let version = 1; version <= 20; version++) {
      await store.set(
        'k',
        { ...record(60_000, 'alice'), version: version + 1 },
        { expectedVersion: version },
      );
    }
    await store.touch('k', Date.now() + 120_000);
    expect(await listFiles(root)).toContain(markerPath(root, 2, 'alice', 'k').slice(root.length + 1));
    expect((await store.listByOwner('alice')).map((entry) => entry.key)).toEqual(['k']);
    expect(await store.destroyByOwner('alice')).toBe(1);
    expect(await store.get('k')).toBeNull();
  });

  test('a new owner gets its marker and the old owner loses it, also when the owner comes back', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    const owners = ['alice', 'bob', null, 'alice'];
    for (const [index, ownerId] of owners.entries()) {
      const options = index === 0 ? undefined : { expectedVersion: index };
      await store.set('k', { ...record(60_000, ownerId), version: index + 1 }, options);
      const markers = (await listFiles(root)).filter((file) => file.startsWith('owners/'));
      const expected = ownerId === null ? [] : [markerPath(root, 2, ownerId, 'k').slice(root.length + 1)];
      expect(markers, `after the write for ${String(ownerId)}`).toEqual(expected);
    }
    expect(await store.destroyByOwner('bob')).toBe(0);
    expect(await store.destroyByOwner('alice')).toBe(1);
  });

  test('a marker deleted from outside comes back with the next insert, owner change or write close to expiry', async () => {
    const root = await freshDir();
    // The lock margin: a record that expires within lockStaleAfter gets its marker written again.
    const store = createFileStore({ directory: root, pruneInterval: 0, lockStaleAfter: 5_000 });
    const lose = () => rm(join(root, 'owners'), { recursive: true });
    const listed = async () => (await store.listByOwner('alice')).map((entry) => entry.key);

    await store.set('near', record(2_000, 'alice'));
    await lose();
    await store.set('near', { ...record(60_000, 'alice'), version: 2 }, { expectedVersion: 1 });
    expect(await listed(), 'written again: the record it replaced was about to expire').toEqual(['near']);

    await store.set('moved', record(60_000, 'bob'));
    await store.set('expired', record(-1_000, 'alice'));
    await lose();
    await store.set('moved', { ...record(60_000, 'alice'), version: 2 }, { expectedVersion: 1 });
    await store.set('expired', record(60_000, 'alice'));
    expect((await listed()).sort()).toEqual(['expired', 'moved']);
  });

  test('prune sweeps stale markers and empty owner folders', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, depth: 0, pruneInterval: 0 });
    await store.set('k', record(60_000, 'alice'));
    await plant(markerPath(root, 0, 'carol', 'gone'));
    expect(await store.prune()).toBe(0);
    expect(await listFiles(root)).toEqual(
      [`owners/${hashOf('alice')}/${hashOf('k')}`, `sessions/${hashOf('k')}`].sort(),
    );
  });
});
