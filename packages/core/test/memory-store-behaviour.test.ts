import { execFile } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test, vi } from 'vitest';
import { isSessionError } from '../src/errors';
import { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from '../src/store/memory-store';
import type { StoredRecord } from '../src/store/store';

/** Keys the store physically holds, expired or not (the same hook the conformance raw reader uses). */
function heldKeys(store: MemoryStore): string[] {
  const inspect = (store as unknown as Record<symbol, { keys(): string[] }>)[
    Symbol.for('sessionkit.memory-store.inspect')
  ];
  return [...(inspect?.keys() ?? [])].sort();
}

function rec(expiresAt: number, overrides: Partial<StoredRecord> = {}): StoredRecord {
  return { payload: new Uint8Array([1, 2, 3]), version: 1, expiresAt, ownerId: null, ...overrides };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('createMemoryStore options', () => {
  test.each<[string, MemoryStoreOptions]>([
    ['negative maxSessions', { maxSessions: -1 }],
    ['fractional maxSessions', { maxSessions: 1.5 }],
    ['NaN maxSessions', { maxSessions: Number.NaN }],
    ['zero sweepInterval', { sweepInterval: 0 }],
    ['negative sweepInterval', { sweepInterval: -100 }],
    ['infinite sweepInterval', { sweepInterval: Number.POSITIVE_INFINITY }],
    ['sweepInterval beyond the timer limit', { sweepInterval: 2 ** 31 }],
  ])('rejects %s with a SessionConfigError that names the option', (_, options) => {
    let error: unknown;
    try {
      createMemoryStore(options);
    } catch (caught) {
      error = caught;
    }
    expect(isSessionError(error, 'SESSION_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain(Object.keys(options)[0]);
  });

  test('0 and Infinity mean no session limit', async () => {
    for (const maxSessions of [0, Number.POSITIVE_INFINITY]) {
      const store = createMemoryStore({ maxSessions });
      for (let i = 0; i < 10_050; i++) await store.set(`k${i}`, rec(Date.now() + 60_000));
      expect(await store.count()).toBe(10_050);
      await store.close();
    }
  });

  test('the default cap is 10,000 sessions', async () => {
    const store = createMemoryStore();
    for (let i = 0; i < 10_005; i++) await store.set(`k${i}`, rec(Date.now() + 60_000 + i));
    expect(await store.count()).toBe(10_000);
    // The five soonest to expire made room.
    expect(await store.get('k0')).toBeNull();
    expect(await store.get('k4')).toBeNull();
    expect(await store.get('k5')).not.toBeNull();
    await store.close();
  });
});

describe('memory store expiry heap', () => {
  test('the sweep timer removes expired sessions and leaves live ones', async () => {
    const store = createMemoryStore({ sweepInterval: 20 });
    const now = Date.now();
    const live = ['live-1', 'live-2', 'live-3', 'live-4', 'live-5'];
    for (const key of live) await store.set(key, rec(now + 60_000));
    for (let i = 0; i < 5; i++) await store.set(`short-${i}`, rec(now + 40 + i));
    expect(heldKeys(store)).toHaveLength(10);

    // Nothing reads the expired keys: only the timer can remove them.
    await vi.waitFor(() => expect(heldKeys(store)).toEqual(live), { timeout: 5_000, interval: 20 });
    expect(await store.count()).toBe(5);
    for (const key of live) expect(await store.get(key)).not.toBeNull();
    await store.close();
  });

  test('prune removes exactly the expired ones among many, in any insertion order', async () => {
    const store = createMemoryStore({ maxSessions: 0 });
    const now = Date.now();
    let expired = 0;
    for (let i = 0; i < 3_000; i++) {
      // Keep clear of "now" so the test does not race the clock.
      const offset = (Math.random() < 0.5 ? -1 : 1) * (5_000 + Math.floor(Math.random() * 50_000));
      if (offset < 0) expired++;
      await store.set(`k${i}`, rec(now + offset));
    }
    expect(await store.prune()).toBe(expired);
    expect(heldKeys(store)).toHaveLength(3_000 - expired);
    expect(await store.prune()).toBe(0);
    await store.close();
  });

  test('a touched or rewritten session is not swept at its old deadline (stale heap entries)', async () => {
    const store = createMemoryStore();
    const soon = Date.now() + 30;
    await store.set('touched', rec(soon));
    await store.set('rewritten', rec(soon));
    expect(await store.touch('touched', Date.now() + 60_000)).toBe(true);
    await store.set('rewritten', rec(Date.now() + 60_000, { version: 2 }), { expectedVersion: 1 });
    await sleep(60);
    expect(await store.prune()).toBe(0);
    expect(heldKeys(store)).toEqual(['rewritten', 'touched']);

    // And the other way: moved earlier, it is swept at the new deadline.
    expect(await store.touch('touched', Date.now() - 1)).toBe(true);
    expect(await store.prune()).toBe(1);
    expect(heldKeys(store)).toEqual(['rewritten']);
    await store.close();
  });

  test('thousands of touches on one session keep it correct (the heap compacts stale entries)', async () => {
    const store = createMemoryStore();
    await store.set('busy', rec(Date.now() + 60_000));
    await store.set('other', rec(Date.now() + 120_000));
    for (let i = 0; i < 20_000; i++) await store.touch('busy', Date.now() + 60_000 + i);
    expect(await store.prune()).toBe(0);
    expect(await store.count()).toBe(2);
    await store.touch('busy', Date.now() - 1);
    expect(await store.prune()).toBe(1);
    expect(heldKeys(store)).toEqual(['other']);
    await store.close();
  });
});

describe('memory store cap', () => {
  test('inserting beyond maxSessions evicts the session closest to expiry', async () => {
    const store = createMemoryStore({ maxSessions: 3 });
    const now = Date.now();
    await store.set('a', rec(now + 30_000));
    await store.set('b', rec(now + 10_000));
    await store.set('c', rec(now + 20_000));
    await store.set('d', rec(now + 60_000));
    expect(heldKeys(store)).toEqual(['a', 'c', 'd']);

    // c's old heap entry (20 s) is stale after the touch; a is now the soonest.
    await store.touch('c', now + 90_000);
    await store.set('e', rec(now + 45_000));
    expect(heldKeys(store)).toEqual(['c', 'd', 'e']);
    await store.close();
  });

  test('expired sessions are dropped before any live one is evicted', async () => {
    const store = createMemoryStore({ maxSessions: 3 });
    const now = Date.now();
    await store.set('x1', rec(now - 1_000));
    await store.set('x2', rec(now - 500));
    await store.set('live', rec(now + 5_000));
    await store.set('new', rec(now + 60_000));
    expect(heldKeys(store)).toEqual(['live', 'new']);
    await store.close();
  });

  test('rewriting or touching a session at the cap evicts nothing', async () => {
    const store = createMemoryStore({ maxSessions: 2 });
    await store.set('a', rec(Date.now() + 10_000));
    await store.set('b', rec(Date.now() + 20_000));
    await store.set('a', rec(Date.now() + 30_000, { version: 2 }), { expectedVersion: 1 });
    await store.touch('b', Date.now() + 40_000);
    expect(heldKeys(store)).toEqual(['a', 'b']);
    await store.close();
  });
});

describe('memory store lifecycle', () => {
  test('close stops the sweep timer; reads still filter expiry', async () => {
    const store = createMemoryStore({ sweepInterval: 10 });
    await store.set('short', rec(Date.now() + 20));
    await store.close();
    await sleep(150);
    expect(heldKeys(store), 'no sweep ran after close').toEqual(['short']);
    expect(await store.get('short')).toBeNull();
    expect(heldKeys(store), 'the read removed it').toEqual([]);
    await store.close();
  });

  test('its timer does not keep the process alive', async () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const source = pathToFileURL(
      fileURLToPath(new URL('../src/store/memory-store.ts', import.meta.url)),
    ).href;
    const script = [
      `import { createMemoryStore } from ${JSON.stringify(source)};`,
      'const store = createMemoryStore({ sweepInterval: 60_000 });',
      "await store.set('k', { payload: new Uint8Array([1]), version: 1, expiresAt: Date.now() + 3_600_000 });",
      "console.log('stored', await store.count());",
    ].join('\n');
    const started = Date.now();
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        { cwd: root, timeout: 20_000 },
        (_, out, err) => resolve({ code: child.exitCode, stdout: String(out), stderr: String(err) }),
      );
    });
    expect(stderr).toBe('');
    expect(stdout.trim()).toBe('stored 1');
    expect(code).toBe(0);
    // Well under the 60 s sweep interval: nothing but the unref'd timer was left.
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
