import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isSessionError, type SessionError } from '@sessionkit/core';
import { createFileStore } from '@sessionkit/file';
import { describe, expect, onTestFinished, test } from 'vitest';
import { createTieredStore, SessionCapacityError, type TieredStoreOptions } from '../src/index';
import { fakeClock, freshDir, secondNode, text, textRecord, tierFixture, waitFor } from './helpers';
import { decodeWrapped, memoryEntry, memoryKeys, persistedCopy } from './raw';

const MINUTE = 60_000;

/** A tier backed by a file store in a fresh directory (the directory is returned for damaging it). */
async function fileTier(options: Omit<TieredStoreOptions, 'store' | 'clock'>, closeAtEnd = true) {
  const dir = await freshDir();
  const persistent = createFileStore({ directory: dir, pruneInterval: 0 });
  const clock = fakeClock();
  const tier = createTieredStore({ store: persistent, clock: clock.now, ...options });
  if (closeAtEnd) onTestFinished(() => tier.close().catch(() => undefined));
  return { dir, persistent, clock, tier };
}

describe('backup', () => {
  test('a change is backed up once idle for backupAfterIdle, not before; reads do not make it dirty', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: 5_000 });
    const expiresAt = clock.now() + 30 * MINUTE;
    await tier.set('k', textRecord('one', expiresAt));
    expect(tier.stats()).toMatchObject({ active: 1, dirty: 1, backups: 0 });

    clock.advance(4_999);
    expect(await tier.runMaintenance()).toMatchObject({ backedUp: 0 });
    expect(persistedCopy(persistent, 'k'), 'not backed up before backupAfterIdle').toBeNull();

    clock.advance(1);
    expect(await tier.runMaintenance()).toMatchObject({ backedUp: 1 });
    const copy = persistedCopy(persistent, 'k');
    expect(text(copy?.payload)).toBe('one');
    expect(copy?.version).toBe(1);
    expect(tier.stats()).toMatchObject({ active: 1, dirty: 0, backups: 1 });

    await tier.get('k');
    clock.advance(10_000);
    await tier.runMaintenance();
    expect(tier.stats().backups, 'a read is not a change').toBe(1);
  });

  test('a touch is a change: the new expiry reaches the store at the next backup', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: 0 });
    await tier.set('k', textRecord('one', clock.now() + MINUTE));
    await tier.runMaintenance();
    const later = clock.now() + 10 * MINUTE;
    expect(await tier.touch('k', later)).toBe(true);
    expect(memoryEntry(tier, 'k')?.dirty).toBe(true);
    await tier.runMaintenance();
    expect(persistedCopy(persistent, 'k')).toMatchObject({ version: 1, expiresAt: later });
  });

  test('the copy in the store outlives the backup by persistentTimeout; the true expiry travels in the header', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: 0, persistentTimeout: 2 * 3_600_000 });
    const expiresAt = clock.now() + 30 * MINUTE;
    await tier.set('k', textRecord('one', expiresAt, 1, 'alice'));
    const backupTime = clock.now();
    await tier.runMaintenance();
    const copy = persistedCopy(persistent, 'k');
    expect(copy?.expiresAt, 'the session expiry inside the record').toBe(expiresAt);
    expect(copy?.storeExpiresAt, 'the record expiry the store enforces').toBe(backupTime + 2 * 3_600_000);
    expect(copy?.ownerId).toBe('alice');
    // What the store holds is the 12-byte header plus the payload core wrote, nothing else.
    expect((await persistent.get('k'))?.payload.length).toBe(12 + 3);
  });

  /** Writes the session every second for `seconds` s; returns the version in the store after each second. */
  async function busySession(options: Parameters<typeof tierFixture>[0], seconds: number) {
    const { tier, persistent, clock } = tierFixture({
      backupAfterIdle: 30_000,
      processExpiresInterval: 1_000,
      ...options,
    });
    await tier.set('k', textRecord('v1', clock.now() + MINUTE));
    const stored: Array<number | null> = [];
    for (let second = 1, version = 1; second <= seconds; second++, version++) {
      clock.advance(1_000);
      await tier.set('k', textRecord(`v${version + 1}`, clock.now() + MINUTE, version + 1), {
        expectedVersion: version,
      });
      await tier.runMaintenance();
      stored.push(persistedCopy(persistent, 'k')?.version ?? null);
    }
    return stored;
  }

  test('a busy session, never idle for backupAfterIdle, is backed up once its oldest unsaved change is persistentTimeout / 2 old', async () => {
    // Versions: second s writes version s + 1. Dirty since 0 → backup at 5 s (v6); dirty again
    // since 6 s → backup at 11 s (v12).
    expect(await busySession({ persistentTimeout: 10_000 }, 12)).toEqual([
      null,
      null,
      null,
      null,
      6,
      6,
      6,
      6,
      6,
      6,
      12,
      12,
    ]);
  });

  test('maxBackupDelay bounds how old an unsaved change of a busy session can get', async () => {
    expect(await busySession({ maxBackupDelay: 2_000 }, 9)).toEqual([null, 3, 3, 3, 6, 6, 6, 9, 9]);
  });
});

describe('swap and restore', () => {
  test('a session idle for swapAfterIdle is backed up, dropped from memory and restored on demand', async () => {
    const { tier, persistent, clock } = tierFixture({
      backupAfterIdle: Number.POSITIVE_INFINITY,
      swapAfterIdle: MINUTE,
    });
    await tier.set('k', textRecord('data', clock.now() + 30 * MINUTE, 3, 'alice'));
    clock.advance(MINUTE - 1);
    expect(await tier.runMaintenance()).toMatchObject({ swapped: 0, backedUp: 0 });
    expect(memoryKeys(tier)).toEqual(['k']);

    clock.advance(1);
    expect(await tier.runMaintenance()).toMatchObject({ swapped: 1 });
    expect(memoryKeys(tier), 'swapped out').toEqual([]);
    expect(text(persistedCopy(persistent, 'k')?.payload), 'backed up on the way out').toBe('data');

    const restored = await tier.get('k');
    expect(text(restored?.payload)).toBe('data');
    expect(restored).toMatchObject({ version: 3, ownerId: 'alice' });
    expect(tier.stats()).toMatchObject({ active: 1, dirty: 0, swaps: 1, restores: 1, backups: 1 });
  });

  test('writes and touches of a swapped-out session restore it first and keep versions in step', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: 0, swapAfterIdle: 0 });
    await tier.set('k', textRecord('v1', clock.now() + MINUTE));
    await tier.runMaintenance();
    expect(memoryKeys(tier)).toEqual([]);
    await expect(
      tier.set('k', textRecord('stale', clock.now() + MINUTE, 2), { expectedVersion: 7 }),
    ).rejects.toThrow(/changed by another request/);
    await tier.set('k', textRecord('v2', clock.now() + MINUTE, 2), { expectedVersion: 1 });
    await tier.runMaintenance();
    expect(await tier.touch('k', clock.now() + 2 * MINUTE)).toBe(true);
    await tier.runMaintenance();
    expect(persistedCopy(persistent, 'k')).toMatchObject({ version: 2, expiresAt: clock.now() + 2 * MINUTE });
    expect(text(persistedCopy(persistent, 'k')?.payload)).toBe('v2');
  });

  test('an insert over a swapped-out live session conflicts', async () => {
    const { tier, clock } = tierFixture({ backupAfterIdle: 0, swapAfterIdle: 0 });
    await tier.set('k', textRecord('v1', clock.now() + MINUTE));
    await tier.runMaintenance();
    const error = await tier.set('k', textRecord('again', clock.now() + MINUTE)).catch((e: unknown) => e);
    expect(isSessionError(error, 'SESSION_CONFLICT')).toBe(true);
  });

  test('restore treats a session whose own expiry passed as missing, although the store still keeps the copy', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: 0, swapAfterIdle: 0 });
    await tier.set('k', textRecord('short', clock.now() + 1_000));
    await tier.runMaintenance();
    clock.advance(1_000);
    expect(persistedCopy(persistent, 'k'), 'kept for persistentTimeout').not.toBeNull();
    expect(await tier.get('k')).toBeNull();
    expect(await tier.touch('k', clock.now() + MINUTE)).toBe(false);
    expect(tier.stats().restores).toBe(0);
  });

  test('a record written without the wrapper (by a plain manager) is restored with its own expiry', async () => {
    const { tier, persistent, clock } = tierFixture();
    await persistent.set('plain', textRecord('from a plain manager', clock.now() + MINUTE, 4));
    expect(text((await tier.get('plain'))?.payload)).toBe('from a plain manager');
    clock.advance(MINUTE);
    await tier.runMaintenance();
    expect(await tier.get('plain'), 'its own expiry applies').toBeNull();
  });

  test('a touch into the past ends the session and the older copy in the store is never served', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: 0 });
    await tier.set('k', textRecord('v1', clock.now() + MINUTE));
    await tier.runMaintenance();
    expect(await tier.touch('k', clock.now() - 1)).toBe(true);
    expect(await tier.get('k')).toBeNull();
    expect(await tier.runMaintenance()).toMatchObject({ expired: 1 });
    expect(memoryKeys(tier)).toEqual([]);
    expect(persistedCopy(persistent, 'k')?.expiresAt, 'the copy now carries the past expiry').toBeLessThan(
      clock.now(),
    );
    expect(await tier.get('k')).toBeNull();
    expect(await tier.touch('k', clock.now() + MINUTE)).toBe(false);
  });

  test('expired sessions are dropped from memory by the maintenance run', async () => {
    const { tier, clock } = tierFixture();
    await tier.set('a', textRecord('a', clock.now() + 1_000));
    await tier.set('b', textRecord('b', clock.now() + MINUTE));
    clock.advance(1_000);
    expect(await tier.runMaintenance()).toMatchObject({ expired: 1 });
    expect(memoryKeys(tier)).toEqual(['b']);
    expect(tier.stats().expired).toBe(1);
  });
});

describe('maxActiveSessions', () => {
  test("'swap': the least recently used session is swapped out, memory never holds more than the cap, nothing is lost", async () => {
    const { tier, persistent, clock } = tierFixture({
      maxActiveSessions: 3,
      backupAfterIdle: Number.POSITIVE_INFINITY,
    });
    const expiresAt = clock.now() + 30 * MINUTE;
    for (const key of ['k0', 'k1', 'k2']) await tier.set(key, textRecord(key, expiresAt));
    clock.advance(1);
    await tier.get('k0'); // k0 becomes the most recently used; k1 is now the least
    await tier.set('k3', textRecord('k3', expiresAt));
    expect(memoryKeys(tier).sort()).toEqual(['k0', 'k2', 'k3']);
    expect(text(persistedCopy(persistent, 'k1')?.payload), 'backed up before it left memory').toBe('k1');

    for (let i = 4; i < 20; i++) {
      await tier.set(`k${i}`, textRecord(`k${i}`, expiresAt));
      expect(tier.stats().active).toBeLessThanOrEqual(3);
    }
    for (let i = 0; i < 20; i++) {
      expect(text((await tier.get(`k${i}`))?.payload), `k${i}`).toBe(`k${i}`);
      expect(tier.stats().active).toBeLessThanOrEqual(3);
    }
    // 17 swaps to insert k3…k19, then each of the 20 reads restores a swapped-out session and swaps one out.
    expect(tier.stats()).toMatchObject({ swaps: 37, restores: 20, rejected: 0 });
  });

  test('minIdleSwap: a session idle for less is never swapped out; at the cap the call is refused instead', async () => {
    const { tier, persistent, clock } = tierFixture({ maxActiveSessions: 2, minIdleSwap: 10_000 });
    const expiresAt = clock.now() + 30 * MINUTE;
    await tier.set('a', textRecord('a', expiresAt));
    await tier.set('b', textRecord('b', expiresAt));
    clock.advance(9_999);
    const error = await tier.set('c', textRecord('c', expiresAt)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionCapacityError);
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/minIdleSwap/);

    clock.advance(1);
    await tier.set('c', textRecord('c', expiresAt));
    expect(memoryKeys(tier).sort()).toEqual(['b', 'c']);
    expect(text(persistedCopy(persistent, 'a')?.payload)).toBe('a');
    expect(tier.stats().rejected).toBe(1);
  });

  test("'reject': new sessions are refused at the cap, restores of existing ones still make room", async () => {
    const { tier, clock } = tierFixture({ maxActiveSessions: 2, whenFull: 'reject', swapAfterIdle: MINUTE });
    const expiresAt = clock.now() + 30 * MINUTE;
    await tier.set('a', textRecord('a', expiresAt));
    await tier.set('b', textRecord('b', expiresAt));
    await expect(tier.set('c', textRecord('c', expiresAt))).rejects.toBeInstanceOf(SessionCapacityError);

    clock.advance(MINUTE);
    await tier.runMaintenance(); // a and b go idle and are swapped out
    await tier.set('c', textRecord('c', expiresAt));
    await tier.set('d', textRecord('d', expiresAt));
    expect(text((await tier.get('a'))?.payload), 'a restore swaps out the LRU (c)').toBe('a');
    expect(memoryKeys(tier).sort()).toEqual(['a', 'd']);
    expect(text((await tier.get('c'))?.payload)).toBe('c');
  });

  test("'reject' makes room by dropping an expired session before refusing", async () => {
    const { tier, clock } = tierFixture({ maxActiveSessions: 1, whenFull: 'reject' });
    await tier.set('old', textRecord('old', clock.now() + 1_000));
    clock.advance(1_000);
    await tier.set('new', textRecord('new', clock.now() + MINUTE));
    expect(memoryKeys(tier)).toEqual(['new']);
  });
});

describe('several nodes on one store', () => {
  test('a backup that finds a newer version written by another node drops the local copy instead of overwriting it', async () => {
    const { tier: a, persistent, clock } = tierFixture({ backupAfterIdle: 0 });
    const b = secondNode(persistent, clock, { backupAfterIdle: 0 });
    const expiresAt = clock.now() + 30 * MINUTE;
    await a.set('k', textRecord('v1', expiresAt));
    await a.runMaintenance();

    await b.get('k');
    await b.set('k', textRecord('v2 from b', expiresAt, 2), { expectedVersion: 1 });
    await b.runMaintenance();

    await a.set('k', textRecord('v2 from a', expiresAt, 2), { expectedVersion: 1 });
    await a.runMaintenance();
    expect(a.stats().conflicts).toBe(1);
    expect(memoryKeys(a), 'the local copy is dropped').toEqual([]);
    expect(text(persistedCopy(persistent, 'k')?.payload), "b's write stands").toBe('v2 from b');
    expect(text((await a.get('k'))?.payload), 'a now restores what b wrote').toBe('v2 from b');
  });

  test('a session destroyed on another node is not resurrected by a stale backup', async () => {
    const { tier: a, persistent, clock } = tierFixture({ backupAfterIdle: 0 });
    const b = secondNode(persistent, clock);
    await a.set('k', textRecord('v1', clock.now() + 30 * MINUTE));
    await a.runMaintenance();
    expect(await b.destroy('k')).toBe(true);

    await a.set('k', textRecord('v2', clock.now() + 30 * MINUTE, 2), { expectedVersion: 1 });
    await a.runMaintenance();
    expect(persistedCopy(persistent, 'k')).toBeNull();
    expect(await a.get('k')).toBeNull();
    expect(a.stats().conflicts).toBe(1);
  });

  test('a crash loses exactly the changes made since the last backup', async () => {
    const { tier: a, persistent, clock } = tierFixture({ backupAfterIdle: 0 });
    await a.set('k', textRecord('backed up', clock.now() + 30 * MINUTE));
    await a.runMaintenance();
    await a.set('k', textRecord('not yet backed up', clock.now() + 30 * MINUTE, 2), { expectedVersion: 1 });
    // "Crash": a is abandoned without close(); a new node starts on the same store.
    const b = secondNode(persistent, clock);
    const restored = await b.get('k');
    expect(text(restored?.payload)).toBe('backed up');
    expect(restored?.version).toBe(1);
  });
});

describe('shutdown and failures', () => {
  test('close() saves every changed in-memory session (saveOnShutdown) and is idempotent', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: Number.POSITIVE_INFINITY });
    for (const key of ['a', 'b', 'c']) await tier.set(key, textRecord(key, clock.now() + MINUTE));
    await tier.runMaintenance();
    expect(await persistent.count()).toBe(0);
    await Promise.all([tier.close(), tier.close()]);
    expect(await persistent.count()).toBe(3);
    expect(tier.stats()).toMatchObject({ dirty: 0, backups: 3 });
  });

  test('with saveOnShutdown: false, close() writes nothing', async () => {
    const { tier, persistent, clock } = tierFixture({
      backupAfterIdle: Number.POSITIVE_INFINITY,
      saveOnShutdown: false,
    });
    await tier.set('a', textRecord('a', clock.now() + MINUTE));
    await tier.close();
    expect(await persistent.count()).toBe(0);
  });

  test('an expired session is not written on close', async () => {
    const { tier, persistent, clock } = tierFixture({ backupAfterIdle: Number.POSITIVE_INFINITY });
    await tier.set('a', textRecord('a', clock.now() + 1_000));
    clock.advance(1_000);
    await tier.close();
    expect(await persistent.count()).toBe(0);
  });

  test('the maintenance timer starts with the first session and then runs by itself', async () => {
    const { tier, clock } = tierFixture({ processExpiresInterval: 1, backupAfterIdle: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tier.stats().backups).toBe(0);
    await tier.set('k', textRecord('k', clock.now() + MINUTE));
    // The background run (every 1 ms) backs it up without any explicit call.
    await waitFor('the background backup', () => (tier.stats().backups === 1 ? true : undefined), 5_000);
  });

  test('a failed background backup is reported, keeps the session in memory, and the next run retries', async () => {
    const reported: SessionError[] = [];
    const { dir, persistent, clock, tier } = await fileTier({
      backupAfterIdle: 0,
      processExpiresInterval: 600_000,
      onBackgroundError: (error) => reported.push(error),
    });
    await tier.set('k', textRecord('precious', clock.now() + MINUTE));

    // A file where the store's sessions folder should be: every write fails with ENOTDIR.
    await rm(join(dir, 'sessions'), { recursive: true, force: true });
    await writeFile(join(dir, 'sessions'), 'in the way');
    expect(await tier.runMaintenance()).toMatchObject({ backedUp: 0, failed: 1 });
    expect(reported).toHaveLength(1);
    expect(isSessionError(reported[0], 'SESSION_STORE_ERROR')).toBe(true);
    expect(tier.stats()).toMatchObject({ active: 1, dirty: 1, backgroundErrors: 1 });
    expect(text((await tier.get('k'))?.payload), 'still served from memory').toBe('precious');

    await rm(join(dir, 'sessions'));
    expect(await tier.runMaintenance()).toMatchObject({ backedUp: 1, failed: 0 });
    expect(text(decodeWrapped((await persistent.get('k'))?.payload as Uint8Array).payload)).toBe('precious');
  });

  test('a backup copy that became corrupt is replaced, not taken for a logout (issue 14)', async () => {
    const { dir, persistent, clock, tier } = await fileTier({
      backupAfterIdle: 0,
      processExpiresInterval: 600_000,
    });
    await tier.set('k', textRecord('one', clock.now() + MINUTE));
    expect(await tier.runMaintenance()).toMatchObject({ backedUp: 1 });
    await tier.set('k', textRecord('two', clock.now() + MINUTE, 2), { expectedVersion: 1 });
    // Something else overwrites the backup copy with bytes that are not a record.
    const [file] = await readdir(join(dir, 'sessions'), { recursive: true, withFileTypes: true }).then(
      (all) => all.filter((entry) => entry.isFile()),
    );
    await writeFile(join(file!.parentPath, file!.name), 'not a record');

    expect(await tier.runMaintenance()).toMatchObject({ backedUp: 1, failed: 0 });
    expect(text((await tier.get('k'))?.payload), 'still served').toBe('two');
    expect(text(decodeWrapped((await persistent.get('k'))?.payload as Uint8Array).payload)).toBe('two');
  });

  test('close() rejects when sessions could not be saved, after trying every one', async () => {
    const { dir, clock, tier } = await fileTier({ backupAfterIdle: Number.POSITIVE_INFINITY }, false);
    await tier.set('a', textRecord('a', clock.now() + MINUTE));
    await tier.set('b', textRecord('b', clock.now() + MINUTE));
    await rm(join(dir, 'sessions'), { recursive: true, force: true });
    await writeFile(join(dir, 'sessions'), 'in the way');
    const error = await tier.close().catch((e: unknown) => e);
    expect(isSessionError(error, 'SESSION_STORE_ERROR')).toBe(true);
    expect((error as Error).message).toMatch(/^2 in-memory session\(s\) could not be saved/);
  });
});
