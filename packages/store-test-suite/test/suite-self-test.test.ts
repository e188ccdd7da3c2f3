import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';

/**
 * The suite must be able to fail. A child vitest runs it against a correct reference store and
 * against copies with one known flaw each (test/fixtures/); every flaw must be caught by the
 * tests named here, and the correct variants must pass everything.
 */

interface AssertionResult {
  ancestorTitles: string[];
  title: string;
  status: string;
  failureMessages: string[];
}

const MUST_FAIL: Record<string, string[]> = {
  'no-expiry-filter': [
    'a record is readable until expiresAt and not after, even if the backend still holds it',
    'insert with expiresAt 1 ms ago resolves and is never served',
    'an expired record can be replaced by an insert',
  ],
  'racy-writes': [
    '20 concurrent compare-and-set writers from one version: exactly one wins',
    '20 concurrent inserts of one key: exactly one wins, the others conflict',
  ],
  'plain-errors': [
    'insert over a live record rejects with SessionConflictError and changes nothing',
    'a stale expectedVersion rejects with SessionConflictError and changes nothing',
  ],
  'shared-payload': ['mutating the array passed to set or returned by get does not change the stored record'],
  'case-insensitive-keys': [
    'each is stored and read back under exactly that key, or rejected with a SessionError, inside the isolation',
    'pattern-like keys never match other keys',
  ],
  'touch-upserts': ['resolves false for a missing key and creates nothing'],
  'touch-rewrites': ['touch racing a compare-and-set never undoes the write'],
  'counts-expired': ['count counts the live records of this store only'],
  'trusts-reads': [
    'a version that is not an integer: get rejects with SESSION_RECORD_CORRUPT naming the key, destroy removes it',
    'a version that is not an integer: a SessionManager serves a fresh session, reports it, and the next write succeeds',
    'no payload: get rejects with SESSION_RECORD_CORRUPT naming the key, destroy removes it',
  ],
  'replaces-early': ['an insert that conflicts with a live record deletes nothing'],
  'ignores-replaces': [
    'writes the new record and deletes the old one, moving it in the owner index',
    'destroyByOwner no longer finds the replaced record',
    'an expired or corrupt record is replaced too, and an expired one under the new key is overwritten',
  ],
  'shared-backend': [
    'two isolated stores on one backend do not see each other',
    'clear deletes every record of this store and nothing of another',
  ],
};

const MUST_PASS = ['reference', 'minimal', 'second-resolution'];

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
const byStore = new Map<string, AssertionResult[]>();
let childOutput = '';

beforeAll(async () => {
  const vitestBin = join(
    dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
    'vitest.mjs',
  );
  const outDir = mkdtempSync(join(tmpdir(), 'sessionkit-suite-'));
  const outputFile = join(outDir, 'report.json');
  // The child must not think it is a worker of this vitest run.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')),
  ) as NodeJS.ProcessEnv;
  try {
    childOutput = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        [
          vitestBin,
          'run',
          '--config',
          join(fixtures, 'vitest.config.ts'),
          '--reporter=json',
          '--outputFile',
          outputFile,
        ],
        { cwd: root, env, timeout: 150_000, maxBuffer: 32 * 1024 * 1024 },
        // A non-zero exit is expected: the flawed variants fail.
        (_, stdout, stderr) => resolve(`${stdout}\n${stderr}`),
      );
    });
    const report = JSON.parse(readFileSync(outputFile, 'utf8')) as {
      testResults: Array<{ assertionResults: AssertionResult[] }>;
    };
    for (const file of report.testResults) {
      for (const result of file.assertionResults) {
        const suite = (result.ancestorTitles[0] ?? '')
          .replace(/^store conformance: /, '')
          .replace(/ \(skipped: .*\)$/, '');
        byStore.set(suite, [...(byStore.get(suite) ?? []), result]);
      }
    }
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}, 180_000);

function results(store: string): AssertionResult[] {
  const found = byStore.get(store);
  if (!found)
    throw new Error(`no results for the "${store}" variant; child output:\n${childOutput.slice(-4_000)}`);
  return found;
}

describe('the conformance suite run against known stores', () => {
  test.each(MUST_PASS)('passes a correct store: %s', (store) => {
    const failed = results(store).filter((result) => result.status === 'failed');
    expect(failed.map((result) => `${result.title}\n${result.failureMessages.join('\n')}`)).toEqual([]);
    expect(results(store).filter((result) => result.status === 'passed').length).toBeGreaterThan(40);
  });

  test('skips, never fails, the tests of capabilities a store does not declare', () => {
    const skipped = results('minimal').filter((result) => result.status === 'skipped');
    const sections = new Set(skipped.map((result) => result.ancestorTitles[1]));
    expect([...sections].sort()).toEqual([
      'close',
      'corrupt records (written behind the store)',
      'insert replacing another record (replaceOnInsert)',
      'isolation, count and clear',
      'owner details',
      'owner index',
      'prune',
    ]);
  });

  test('reports the whole suite as skipped, with the reason, when `skip` is a string', () => {
    const all = results('unavailable');
    expect(all.length).toBeGreaterThan(40);
    expect(all.every((result) => result.status === 'skipped')).toBe(true);
    expect(all[0]?.ancestorTitles[0]).toBe(
      'store conformance: unavailable (skipped: no server at 127.0.0.1:1)',
    );
  });

  test.each(Object.entries(MUST_FAIL))('catches the flaw: %s', (store, titles) => {
    const failed = new Set(
      results(store)
        .filter((r) => r.status === 'failed')
        .map((r) => r.title),
    );
    for (const title of titles) expect(failed, `"${title}" should fail for ${store}`).toContain(title);
  });

  test('explains a non-SessionError rejection in the failure message', () => {
    const failure = results('plain-errors').find((result) =>
      result.title.startsWith('insert over a live record'),
    );
    expect(failure?.failureMessages.join('\n')).toContain('not a SessionError');
  });
});
