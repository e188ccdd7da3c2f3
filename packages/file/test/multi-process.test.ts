import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { createFileStore } from '../src/index';
import { listFiles, runFixture, tempDir } from './helpers';

const WORKERS = 4;
const SESSIONS = 3;
const UPDATES = 50;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('several processes sharing one directory', () => {
  test(`${WORKERS} processes × ${SESSIONS} sessions × ${UPDATES} compare-and-set updates lose nothing, and a reader never sees a partial file`, {
    timeout: 180_000,
  }, async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const store = createFileStore({ directory: dir, pruneInterval: 0 });
    const keys = Array.from({ length: SESSIONS }, () => randomBytes(32).toString('base64url'));
    for (const key of keys) {
      await store.set(key, {
        payload: new TextEncoder().encode('{}'),
        version: 1,
        expiresAt: Date.now() + 3_600_000,
        ownerId: 'shared-user',
      });
    }

    const reader = runFixture('reader', [dir, JSON.stringify(keys)]);
    cleanups.push(async () => {
      reader.process.kill();
    });
    await reader.waitFor('ready');
    const workers = Array.from({ length: WORKERS }, (_, worker) =>
      runFixture('cas-worker', [dir, String(worker), JSON.stringify(keys), String(UPDATES)]),
    );
    const results = await Promise.all(workers.map((worker) => worker.done));
    reader.process.stdin?.end();
    const readerResult = await reader.done;

    for (const [index, result] of results.entries()) {
      expect(result.code, `worker ${index} exit code; stderr: ${result.stderr}`).toBe(0);
    }
    expect(readerResult.code, `reader exit code; stderr: ${readerResult.stderr}`).toBe(0);
    const summary = JSON.parse(readerResult.stdout.trim().split('\n').pop() as string) as {
      reads: number;
      failureCount: number;
      failures: string[];
    };
    expect(summary.failures, 'reads that found a partial or missing file').toEqual([]);
    expect(summary.failureCount).toBe(0);
    expect(summary.reads, 'complete reads while the writers ran').toBeGreaterThan(0);

    const everyUpdate = Array.from({ length: UPDATES }, (_, update) => update);
    for (const key of keys) {
      const record = await store.get(key);
      expect(record?.version, 'version = the insert + every update of every worker').toBe(
        1 + WORKERS * UPDATES,
      );
      const data = JSON.parse(new TextDecoder().decode(record?.payload)) as Record<string, number[]>;
      for (let worker = 0; worker < WORKERS; worker++) {
        expect(data[`w${worker}`], `updates of worker ${worker} in session ${key}`).toEqual(everyUpdate);
      }
    }
    // Every lock was released and every temp file renamed: only records and owner markers remain.
    const files = await listFiles(dir);
    expect(files.filter((file) => file.endsWith('.lock') || file.endsWith('.tmp'))).toEqual([]);
    expect(files).toHaveLength(2 * SESSIONS);
    await store.close();
  });

  test('the background prune timer never keeps a process alive', { timeout: 30_000 }, async () => {
    const { dir, remove } = await tempDir();
    cleanups.push(remove);
    const child = runFixture('prune-child', [dir]);
    // Without unref() the child would never exit; give up long before the test timeout.
    const killer = setTimeout(() => child.process.kill('SIGKILL'), 20_000);
    const result = await child.done;
    clearTimeout(killer);
    expect(result.signal, 'the child had to be killed: the timer kept it alive').toBeNull();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim(), 'the background prune removed the expired record').toBe('pruned');
  });
});
