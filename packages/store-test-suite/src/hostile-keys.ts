import { isSessionError } from '@sessionkit/core';
import { assert, describe, expect } from 'vitest';
import { expectBytes, type Suite, show, storeTest } from './harness';
import { record, textBytes } from './helpers';

/**
 * Keys core would never produce (it hashes IDs to base64url) but a third-party caller or a bug
 * might: path traversal, glob and LIKE metacharacters, NUL and control bytes, quotes, very long
 * and unicode keys. Pairs that differ only by case, trailing space or Unicode normalization catch
 * backends that silently alias keys (case-insensitive collations, PAD SPACE, normalizing file
 * systems).
 */
export const HOSTILE_KEYS: ReadonlyArray<readonly [label: string, key: string]> = [
  ['a slash', 'a/b'],
  ['an absolute path', '/etc/passwd'],
  ['dot-dot', '..'],
  ['dot', '.'],
  ['parent traversal', '../escape'],
  ['deep traversal', '../../../../../../../../tmp/sessionkit-escape'],
  ['a backslash', 'a\\b'],
  ['Windows traversal', '..\\..\\escape'],
  ['a drive letter', 'C:\\escape'],
  ['an asterisk', '*'],
  ['a glob', 'a*b'],
  ['a question mark', '?'],
  ['a bracket class', '[abc]'],
  ['an open bracket', '['],
  ['a percent sign', '%'],
  ['an underscore', '_'],
  ['a format string', '%s%n%d'],
  ['NUL in the middle', 'a\u0000b'],
  ['NUL alone', '\u0000'],
  ['control bytes', '\u0001\u0002\u001b[31m\u007f'],
  ['line breaks and a tab', 'line\nbreak\r\ntab\t'],
  ['SQL quotes', "'; DROP TABLE sessions; --"],
  ['double quotes', '"quoted"'],
  ['backticks', '`tick`'],
  ['a Redis hash tag', '{tag}key'],
  ['colons', 'a:b:c'],
  ['a leading space', ' lead'],
  ['a trailing space', 'trail '],
  ['no trailing space', 'trail'],
  ['1,000 characters ending in a', `${'k'.repeat(999)}a`],
  ['1,000 characters ending in b', `${'k'.repeat(999)}b`],
  ['Cyrillic', 'ключ'],
  ['CJK', '日本語キー'],
  ['emoji', '🔑🗝️'],
  ['é precomposed (NFC)', '\u00e9'],
  ['é decomposed (NFD)', 'e\u0301'],
  ['a byte-order mark', '\uFEFFbom'],
  ['a right-to-left override', '\u202Egnp.exe'],
  ['a Windows device name', 'CON'],
  ['a Windows device name with extension', 'nul.txt'],
  ['mixed case', 'CaseKey'],
  ['lower case', 'casekey'],
  ['the empty string', ''],
];

export function hostileKeyTests(suite: Suite): void {
  describe('hostile keys', () => {
    storeTest(
      suite,
      'each is stored and read back under exactly that key, or rejected with a SessionError, inside the isolation',
      async ({ store, raw, another }) => {
        const accepted: Array<{ label: string; key: string; payload: Uint8Array }> = [];
        for (const [index, [label, key]] of HOSTILE_KEYS.entries()) {
          const payload = textBytes(`hostile #${index}`);
          try {
            await store.set(key, record({ payload, ownerId: `owner ${label}` }));
            accepted.push({ label, key, payload });
          } catch (error) {
            if (!isSessionError(error)) assert.fail(`key with ${label}: rejected with ${show(error)}`);
            if (error.code === 'SESSION_CONFLICT') {
              const aliases = accepted.map((entry) => entry.label).join(', ');
              assert.fail(
                `key with ${label}: a fresh insert conflicted, so the backend treats it as equal to an ` +
                  `earlier key (one of: ${aliases}). Case-insensitive collation, padded comparison, ` +
                  'truncation or Unicode normalization?',
              );
            }
          }
        }

        for (const { label, key, payload } of accepted) {
          expectBytes((await store.get(key))?.payload, payload, `get of the key with ${label}`);
          expectBytes((await raw.read(key))?.payload, payload, `raw.read of the key with ${label}`);
        }
        // One identifier per record: a traversal that wrote outside the isolation would be
        // missing here, a key split into directories would show up twice.
        expect(await raw.list(), 'raw.list() after writing the accepted keys').toHaveLength(accepted.length);
        const other = await another();
        expect(await other.raw.list(), 'raw.list() of another isolated store').toEqual([]);

        for (const { label, key } of accepted) {
          expect(await store.touch(key, Date.now() + 90_000), `touch of the key with ${label}`).toBe(true);
        }
        for (const { label, key } of accepted) {
          expect(await store.destroy(key), `destroy of the key with ${label}`).toBe(true);
        }
        expect(await raw.list(), 'raw.list() after destroying them').toEqual([]);
      },
    );

    storeTest(suite, 'pattern-like keys never match other keys', async ({ store, raw }) => {
      const key = 'abc_1';
      const payload = textBytes('the only record');
      await store.set(key, record({ payload }));
      for (const probe of [
        '*',
        'a*',
        'abc?1',
        '[a]bc_1',
        '%',
        'abc%',
        'abc_',
        'abc_1%',
        'ABC_1',
        'abc_1 ',
        'abc.1',
      ]) {
        const what = `probe ${JSON.stringify(probe)}`;
        await expectNullOrSessionError(store.get(probe), what + ': get');
        await expectFalseOrSessionError(store.touch(probe, Date.now() + 60_000), what + ': touch');
        await expectFalseOrSessionError(store.destroy(probe), what + ': destroy');
      }
      expectBytes((await store.get(key))?.payload, payload, 'the record after all probes');
      expect(await raw.list()).toHaveLength(1);
    });
  });
}

async function expectNullOrSessionError(promise: Promise<unknown>, what: string): Promise<void> {
  try {
    expect(await promise, what).toBeNull();
  } catch (error) {
    if (!isSessionError(error)) throw error;
  }
}

async function expectFalseOrSessionError(promise: Promise<unknown>, what: string): Promise<void> {
  try {
    expect(await promise, what).toBe(false);
  } catch (error) {
    if (!isSessionError(error)) throw error;
  }
}
