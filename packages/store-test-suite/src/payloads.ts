import { describe } from 'vitest';
import { expectBytes, expectRaw, expectRecord, expectStored, type Suite, storeTest } from './harness';
import { randomBytes, randomKey, record, textBytes } from './helpers';

const MIB = 1024 * 1024;

function allByteValues(repeat: number): Uint8Array {
  const bytes = new Uint8Array(256 * repeat);
  for (let i = 0; i < bytes.length; i++) bytes[i] = i % 256;
  return bytes;
}

const CASES: ReadonlyArray<readonly [string, () => Uint8Array]> = [
  [
    'all 256 byte values, in order and reversed',
    () => new Uint8Array([...allByteValues(2), ...allByteValues(1).reverse()]),
  ],
  ['an empty payload', () => new Uint8Array(0)],
  ['a single NUL byte', () => new Uint8Array([0])],
  // Fixed-width binary columns pad, some text columns trim: trailing spaces and NULs must survive.
  ['trailing spaces and NULs', () => new Uint8Array([0x61, 0x20, 0x00, 0x20, 0x00, 0x00])],
  [
    'unicode text (accents, CJK, emoji, RTL, BOM)',
    () => textBytes('\uFEFFhéllo wörld 日本語 🍪🔐 שלום \u0000 end'),
  ],
  [
    'bytes that are not valid UTF-8',
    () => new Uint8Array([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x90, 0x28, 0xbc, 0xff, 0xfe]),
  ],
  ['text that looks like JSON, a number or base64', () => textBytes('{"a":1}')],
  ['about 1 MiB of random bytes', () => randomBytes(MIB + 7)],
];

/** Payloads are opaque bytes: every byte value, every size core may produce, exactly. */
export function payloadTests(suite: Suite): void {
  describe('large and unicode payloads', () => {
    for (const [label, make] of CASES) {
      storeTest(
        suite,
        `round-trips ${label} through insert and compare-and-set`,
        async ({ store, raw, resolution }) => {
          const key = randomKey();
          const inserted = record({ payload: make() });
          await store.set(key, inserted);
          await expectStored({ store, raw, resolution }, key, inserted, 'after insert');

          const replaced = record({ version: 2, payload: make() });
          await store.set(key, replaced, { expectedVersion: 1 });
          await expectStored({ store, raw, resolution }, key, replaced, 'after CAS');
        },
      );
    }

    storeTest(
      suite,
      'replaces a 1 MiB payload with an empty one and back',
      async ({ store, raw, resolution }) => {
        const key = randomKey();
        await store.set(key, record({ payload: randomBytes(MIB) }));
        const empty = record({ version: 2, payload: new Uint8Array(0) });
        await store.set(key, empty, { expectedVersion: 1 });
        await expectRaw(raw, key, empty, resolution, 'raw after shrinking');
        const large = record({ version: 3, payload: randomBytes(MIB) });
        await store.set(key, large, { expectedVersion: 2 });
        expectRecord(await store.get(key), large, resolution, 'get after growing');
      },
    );

    storeTest(
      suite,
      'mutating the array passed to set or returned by get does not change the stored record',
      async ({ store, raw }) => {
        const key = randomKey();
        const original = textBytes('original payload');
        const written = new Uint8Array(original);
        await store.set(key, record({ payload: written }));
        written.fill(0x21);

        const first = await store.get(key);
        expectBytes(first?.payload, original, 'get after mutating the written array');
        first?.payload.fill(0x3f);
        expectBytes((await store.get(key))?.payload, original, 'get after mutating a returned array');
        expectBytes((await raw.read(key))?.payload, original, 'raw payload');
      },
    );
  });
}
