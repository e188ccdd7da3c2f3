import { mkdir, readFile, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isSessionError } from '@sessionkit/core';
import { describe, expect, test } from 'vitest';
import { createFileStore } from '../src/index';
import { acquireLock, releaseLock } from '../src/lock';
import { captureWarnings, freshDir, listFiles, recordPath } from './helpers';

function record(payload = 'payload', version = 1) {
  return {
    payload: new TextEncoder().encode(payload),
    version,
    expiresAt: Date.now() + 60_000,
    ownerId: null,
  };
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

  test('release never deletes a lock that was broken and re-taken by someone else', async () => {
    const root = await freshDir();
    const path = `${root}/x.lock`;
    const settings = { staleAfter: 1_000, wait: 3_000, fileMode: 0o600, dirMode: 0o700 };
    const mine = await acquireLock(path, settings, 'wait');
    expect(await readFile(path, 'utf8')).toMatch(new RegExp(`^${process.pid}@`));
    expect(await acquireLock(path, settings, 'try'), 'busy: try resolves null').toBeNull();
    // Someone judged ours stale, removed it and created their own.
    await unlink(path);
    await writeFile(path, 'theirs');
    await releaseLock(mine);
    expect(await readFile(path, 'utf8')).toBe('theirs');
    // Ours with a byte more or a byte less is not ours either.
    for (const lookalike of [
      `${mine.token}x`,
      mine.token.slice(0, -1),
      `${mine.token}${'x'.repeat(5_000)}`,
    ]) {
      await writeFile(path, lookalike);
      await releaseLock(mine);
      expect(await readFile(path, 'utf8')).toBe(lookalike);
    }
    await writeFile(path, 'theirs');
    // Our own lock is released normally.
    await unlink(path);
    const again = await acquireLock(path, settings, 'try');
    expect(again).not.toBeNull();
    if (again) await releaseLock(again);
    await expect(stat(path)).rejects.toThrow();
  });
});
