import { mkdir, readdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { createFileStore } from '../src/index';
import { acquireLock, commitLock, type HeldLock, releaseLock } from '../src/lock';
import { captureWarnings, freshDir, listFiles, recordPath } from './helpers';

function record(payload = 'payload', version = 1) {
  return {
    payload: new TextEncoder().encode(payload),
    version,
    expiresAt: Date.now() + 60_000,
    ownerId: null,
  };
}

/** How commitLock writes in these tests: the store's defaults. */
const WRITE = { fileMode: 0o600, dirMode: 0o700, fsync: false };

/**
 * The lock as held by a write that took longer than lockStaleAfter / 2: it no longer assumes the
 * lock is its own and checks the file at the path first.
 */
function slow(lock: HeldLock): HeldLock {
  return Object.assign(lock, { since: performance.now() - lock.staleAfter });
}

/** Plants a lock file for `key` as another process would, optionally back-dated by `age` ms. */
async function plantLock(root: string, key: string, age = 0, suffix = '.lock'): Promise<string> {
  const path = `${recordPath(root, 2, key)}${suffix}`;
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, '4242@elsewhere\n');
  if (age > 0) {
    const then = new Date(Date.now() - age);
    await utimes(path, then, then);
  }
  return path;
}

describe('per-session locks', () => {
  test('a stale lock (older than lockStaleAfter) is broken by the next write, which succeeds', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0, lockStaleAfter: 5_000 });
    const lock = await plantLock(root, 'k', 60_000);
    const started = Date.now();
    const warnings = await captureWarnings('SESSIONKIT_FILE_STALE_LOCK', async () => {
      await store.set('k', record('after crash'));
    });
    expect(Date.now() - started, 'no waiting for a lock that is already stale').toBeLessThan(2_000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(lock);
    expect(new TextDecoder().decode((await store.get('k'))?.payload)).toBe('after crash');
    expect((await listFiles(root)).filter((file) => file.includes('.lock'))).toEqual([]);
  });

  test('a stale lock whose breaker also died is recovered too', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0, lockStaleAfter: 5_000 });
    await plantLock(root, 'k', 60_000);
    await plantLock(root, 'k', 60_000, '.lock.break');
    await store.set('k', record());
    expect(await store.get('k')).not.toBeNull();
    expect((await listFiles(root)).filter((file) => file.includes('.lock'))).toEqual([]);
  });

  test('two stores racing to break the same stale lock: exactly one insert wins', async () => {
    const root = await freshDir();
    const stores = [0, 1].map(() =>
      createFileStore({ directory: root, pruneInterval: 0, lockStaleAfter: 5_000 }),
    );
    await plantLock(root, 'k', 60_000);
    const attempts = Array.from({ length: 20 }, (_, i) =>
      (stores[i % 2] ?? stores[0])?.set('k', record(`#${i}`)),
    );
    const results = await Promise.allSettled(attempts);
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(isSessionError(result.reason, 'SESSION_CONFLICT')).toBe(true);
    }
  });

  test('a live lock makes writers wait, not fail, and they proceed once it is released', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0 });
    await store.set('k', record('first'));
    const lock = await plantLock(root, 'k');
    const started = Date.now();
    const write = store.set('k', record('second', 2), { expectedVersion: 1 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(new TextDecoder().decode((await store.get('k'))?.payload), 'reads never wait for locks').toBe(
      'first',
    );
    await unlink(lock);
    await write;
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect((await store.get('k'))?.version).toBe(2);
  });

  test('a lock held longer than lockStaleAfter + 2 s by a live process fails the call with SESSION_STORE_TIMEOUT', async () => {
    const root = await freshDir();
    const store = createFileStore({ directory: root, pruneInterval: 0, lockStaleAfter: 1_000 });
    const lock = await plantLock(root, 'k');
    // A live holder: its lock never gets old enough to count as stale.
    const keepAlive = setInterval(() => {
      const now = new Date();
      utimes(lock, now, now).catch(() => undefined);
    }, 100);
    try {
      const started = Date.now();
      const error = await store.set('k', record()).catch((e: unknown) => e);
      expect(isSessionError(error, 'SESSION_STORE_TIMEOUT'), String(error)).toBe(true);
      expect((error as Error).message).toContain('lockStaleAfter');
      expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    } finally {
      clearInterval(keepAlive);
    }
    expect(await readFile(lock, 'utf8'), "the other process's lock is untouched").toBe('4242@elsewhere\n');
  });

  test('release and commit never touch a lock that was broken and re-taken by someone else', async () => {
    const root = await freshDir();
    const settings = { staleAfter: 1_000, wait: 3_000, fileMode: 0o600, dirMode: 0o700 };
    const path = `${root}/x.lock`;
    const mine = await acquireLock(path, settings, 'wait');
    expect(await acquireLock(path, settings, 'try'), 'busy: try resolves null').toBeNull();
    // We took longer than lockStaleAfter / 2; someone judged ours stale, removed it and made theirs.
    await unlink(path);
    await writeFile(path, 'theirs');
    await releaseLock(slow(mine));
    expect(await readFile(path, 'utf8')).toBe('theirs');

    const other = `${root}/y.lock`;
    const target = `${root}/y`;
    await writeFile(target, 'the record');
    const held = await acquireLock(other, settings, 'wait');
    await unlink(other);
    await writeFile(other, 'theirs');
    const error = await commitLock(slow(held), target, Buffer.from('ours'), WRITE).catch((e: unknown) => e);
    expect(isSessionError(error, 'SESSION_STORE_TIMEOUT'), String(error)).toBe(true);
    expect((error as Error).message).toContain('lockStaleAfter');
    expect(await readFile(other, 'utf8'), 'their lock is left alone').toBe('theirs');
    expect(await readFile(target, 'utf8'), 'nothing was written').toBe('the record');
  });

  test('a commit publishes the bytes and frees the lock in one rename, slow or not', async () => {
    const root = await freshDir();
    const settings = { staleAfter: 1_000, wait: 3_000, fileMode: 0o600, dirMode: 0o700 };
    for (const [label, hold] of [
      ['fresh', (lock: HeldLock) => lock],
      ['slow, still ours', slow],
    ] as const) {
      const path = `${root}/${label}.lock`;
      const target = `${root}/${label}`;
      await writeFile(target, 'old');
      const lock = await acquireLock(path, settings, 'wait');
      await commitLock(hold(lock), target, Buffer.from(`new ${label}`), WRITE);
      expect(await readFile(target, 'utf8')).toBe(`new ${label}`);
      await expect(stat(path), 'the lock is gone').rejects.toThrow();
      // Released by the commit: a release afterwards is a no-op, and the lock is free again.
      await releaseLock(lock);
      const again = await acquireLock(path, settings, 'try');
      expect(again).not.toBeNull();
      if (again) await releaseLock(again);
    }
    expect((await readdir(root)).sort()).toEqual(['fresh', 'slow, still ours']);
  });

  test('a commit whose rename fails removes its lock and leaves the record as it was', async () => {
    const root = await freshDir();
    const settings = { staleAfter: 1_000, wait: 3_000, fileMode: 0o600, dirMode: 0o700 };
    // A non-empty folder where the record should be: rename(2) cannot replace it.
    const target = `${root}/r`;
    await mkdir(`${target}/inside`, { recursive: true });
    const lock = await acquireLock(`${root}/r.lock`, settings, 'wait');
    await expect(commitLock(lock, target, Buffer.from('new'), WRITE)).rejects.toThrow();
    expect((await readdir(root)).sort(), 'no lock left to block the session').toEqual(['r']);
    expect(await readdir(target)).toEqual(['inside']);
  });

  test('an own lock is released normally', async () => {
    const root = await freshDir();
    const settings = { staleAfter: 1_000, wait: 3_000, fileMode: 0o600, dirMode: 0o700 };
    const path = `${root}/x.lock`;
    for (const hold of [(lock: HeldLock) => lock, slow]) {
      const lock = await acquireLock(path, settings, 'wait');
      await releaseLock(hold(lock));
      await expect(stat(path)).rejects.toThrow();
    }
  });
});
