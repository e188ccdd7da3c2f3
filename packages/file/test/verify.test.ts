import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyProblems, verifyStatuses } from '@sessionkit/store-test-suite';
import { afterAll, describe, expect, it } from 'vitest';
import { createFileStore } from '../src/index';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});
async function root(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sk-verify-'));
  roots.push(dir);
  return dir;
}

describe('file store verify()', () => {
  it('resolves a report with the skew of the file times, and leaves nothing behind', async () => {
    const directory = await root();
    const store = createFileStore({ directory });
    const report = await store.verify!();
    expect(report.ok).toBe(true);
    expect(verifyStatuses(report)).toEqual({
      reachable: 'ok',
      credentials: 'skipped',
      schema: 'ok',
      write: 'ok',
      clock: 'ok',
      expiry: 'ok',
    });
    expect(Math.abs(report.clockSkewMs ?? Number.NaN)).toBeLessThan(1_000);
    expect(await store.count()).toBe(0);
    expect((await readdir(directory)).filter((name) => name.includes('verify'))).toEqual([]);
    await store.close();
  });

  it('reports a directory that went missing, with the command that creates it', async () => {
    const directory = join(await root(), 'sessions');
    const store = createFileStore({ directory, pruneInterval: 0 });
    await rm(directory, { recursive: true });
    const problems = await verifyProblems(store.verify!());
    expect(problems).toEqual([
      expect.objectContaining({ check: 'schema', message: `the directory ${directory} does not exist` }),
    ]);
    expect(problems[0]?.fix).toContain(`mkdir -p ${directory}`);
    await store.close();
  });

  it('reports the skew against an app clock ten minutes behind, and warns without a prune timer', async () => {
    const store = createFileStore({ directory: await root(), pruneInterval: 0 });
    const problems = await verifyProblems(store.verify!({ clock: () => Date.now() - 600_000 }));
    expect(problems.map((p) => p.check)).toEqual(['clock']);
    expect(problems[0]?.message).toMatch(/^the server's clock is \d+ ms ahead of the app's/);
    const report = await store.verify!({ maxClockSkew: Number.POSITIVE_INFINITY });
    expect(report.checks.find((check) => check.check === 'expiry')?.status).toBe('warning');
    await store.close();
  });
});
