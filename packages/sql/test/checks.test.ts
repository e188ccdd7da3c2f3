import { describe, expect, test } from 'vitest';
import { MAX_TEXT_BYTES, unstorableReason } from '../src/index';

describe('unstorableReason (keys, owner ids, namespaces)', () => {
  test('accepts what can be stored and compared exactly', () => {
    for (const text of [
      '',
      'abc_1',
      'CaseKey',
      ' lead',
      'ключ',
      '🔑',
      'e\u0301',
      'x'.repeat(MAX_TEXT_BYTES),
    ]) {
      expect(unstorableReason(text), JSON.stringify(text)).toBeNull();
    }
  });

  test('refuses what a database would alias, reject or truncate', () => {
    expect(unstorableReason('trail ')).toMatch(/ends with a space/);
    expect(unstorableReason('a\u0000b')).toMatch(/NUL/);
    expect(unstorableReason('\ud800x')).toMatch(/lone surrogate/);
    expect(unstorableReason('x'.repeat(MAX_TEXT_BYTES + 1))).toMatch(/longer than 255 bytes/);
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    expect(unstorableReason('é'.repeat(128))).toMatch(/longer than 255 bytes/);
  });
});
