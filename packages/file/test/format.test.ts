import { describe, expect, test } from 'vitest';
import { decodeRecord, encodeRecord } from '../src/format';

const base = { payload: new Uint8Array([1, 2, 3]), version: 4, expiresAt: 1_900_000_000_000 };

describe('record format: the session-list trailer', () => {
  test('a record without details is the format it always was (no trailer, flag bit 1 clear)', () => {
    const bytes = encodeRecord('k', { ...base, ownerId: 'alice' });
    expect(bytes.readUInt8(5)).toBe(1);
    expect(bytes.length).toBe(36 + 2 + 10 + 3);
    expect(decodeRecord(bytes)).toEqual({
      ok: true,
      value: { key: 'k', ownerId: 'alice', ...base, details: null, activeAt: null },
    });
  });

  test('details and last-active round-trip after the payload, the payload intact', () => {
    const details = '{"c":1,"m":{"userAgent":"Firefox ✓"}}';
    const bytes = encodeRecord('k', { ...base, ownerId: 'alice', details, activeAt: 1_800_000_000_123 });
    expect(bytes.readUInt8(5)).toBe(3);
    expect(decodeRecord(bytes)).toEqual({
      ok: true,
      value: { key: 'k', ownerId: 'alice', ...base, details, activeAt: 1_800_000_000_123 },
    });
  });

  test('a trailer that does not fit is a corrupt record, never a wrong payload', () => {
    const bytes = encodeRecord('k', { ...base, ownerId: 'alice', details: 'x', activeAt: 1 });
    bytes.writeUInt32BE(1_000, bytes.length - 12);
    expect(decodeRecord(bytes)).toMatchObject({ ok: false });
  });
});
