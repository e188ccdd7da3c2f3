import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSessionError, SessionConfigError, SessionPayloadError, SessionTooLargeError } from '../src/errors';
import type { Codec } from '../src/payload/codec';
import { jsonCodec } from '../src/payload/codec';
import { compress, compressNow, decompress, decompressNow } from '../src/payload/compression';
import { concatBytes, fromUtf8, utf8 } from '../src/payload/encoding';
import type { EncryptionKey } from '../src/payload/encryption';
import { createEnvelope, type EnvelopeOptions, readEnvelopeHeader } from '../src/payload/envelope';

const k1: EncryptionKey = { id: 'k1', key: 'first-secret-that-is-at-least-32-chars!' };
const k2: EncryptionKey = { id: 'k2', key: crypto.getRandomValues(new Uint8Array(32)) };

/** A custom codec as a user would write one: plain JSON, no tags. */
const plainJson: Codec = {
  id: 200,
  name: 'plain-json',
  encode: (value) => utf8(JSON.stringify(value)),
  decode: (bytes) => JSON.parse(fromUtf8(bytes)),
};
/** Writes a Uint8Array as raw bytes: lets tests seal truly incompressible bodies. */
const rawBytes: Codec = {
  id: 201,
  name: 'raw',
  encode: (value) => value as Uint8Array,
  decode: (bytes) => bytes.slice(),
};

const body = { user: 'ann', visits: 3, text: 'lorem ipsum dolor sit amet '.repeat(100) };

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

async function payloadError(promise: Promise<unknown>): Promise<SessionPayloadError> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(SessionPayloadError);
  return error as SessionPayloadError;
}

describe('header', () => {
  it('lays out an unencrypted payload as magic, version, flags, codec id, body', async () => {
    const sealed = await createEnvelope({ compression: false }).seal({ a: 1 }, 'ctx');
    expect([...sealed.subarray(0, 5)]).toStrictEqual([0xf5, 0x4b, 1, 0, 1]);
    expect(fromUtf8(sealed.subarray(5))).toBe('{"a":1}');
    expect(readEnvelopeHeader(sealed)).toStrictEqual({
      version: 1,
      codecId: 1,
      compression: null,
      keyId: null,
      length: 5,
    });
  });

  it('adds the key id after the codec id when encrypted, then IV, ciphertext and tag', async () => {
    const sealed = await createEnvelope({ compression: false, encryption: { keys: [k1] } }).seal(
      { a: 1 },
      'ctx',
    );
    expect([...sealed.subarray(0, 8)]).toStrictEqual([0xf5, 0x4b, 1, 0b001, 1, 2, 0x6b, 0x31]);
    expect(sealed.length).toBe(8 + 12 + '{"a":1}'.length + 16);
    expect(readEnvelopeHeader(sealed)).toMatchObject({ keyId: 'k1', length: 8, compression: null });
  });

  it('records gzip as 1 and brotli as 2 in flag bits 1-2', async () => {
    const gzip = await createEnvelope({ compression: { threshold: 0 } }).seal(body, 'ctx');
    const brotli = await createEnvelope({ compression: { algorithm: 'brotli', threshold: 0 } }).seal(
      body,
      'ctx',
    );
    expect(gzip[3]).toBe(0b010);
    expect(brotli[3]).toBe(0b100);
  });

  it('records the codec id of the writing codec', async () => {
    const sealed = await createEnvelope({ codec: plainJson }).seal({ a: 1 }, 'ctx');
    expect(sealed[4]).toBe(200);
  });

  it.each([
    ['empty', []],
    ['too short', [0xf5, 0x4b, 1, 0]],
    ['bad magic', [0x7b, 0x4b, 1, 0, 1]],
    ['JSON text', [...utf8('{"a":1}')]],
    ['a newer format version', [0xf5, 0x4b, 2, 0, 1]],
    ['reserved flag bits', [0xf5, 0x4b, 1, 0b1000, 1]],
    ['the reserved compression code 3', [0xf5, 0x4b, 1, 0b110, 1]],
    ['an encrypted header without key id', [0xf5, 0x4b, 1, 1, 1]],
    ['a key id longer than the payload', [0xf5, 0x4b, 1, 1, 1, 9, 0x6b]],
    ['a key id with a forbidden byte', [0xf5, 0x4b, 1, 1, 1, 2, 0x6b, 0x20]],
  ])('rejects %s with SessionPayloadError', async (_name, bytes) => {
    expect(() => readEnvelopeHeader(Uint8Array.from(bytes))).toThrow(SessionPayloadError);
    await payloadError(createEnvelope({ encryption: { keys: [k1] } }).open(Uint8Array.from(bytes), 'ctx'));
  });

  it('names the version it cannot read', async () => {
    const error = await payloadError(
      createEnvelope().open(Uint8Array.from([0xf5, 0x4b, 7, 0, 1, 0x30]), 'ctx'),
    );
    expect(error.message).toMatch(/format version 7/);
  });

  it('rejects input that is not bytes with SessionPayloadError', async () => {
    await payloadError(createEnvelope().open('{"a":1}' as unknown as Uint8Array, 'ctx'));
    await payloadError(createEnvelope().open(null as unknown as Uint8Array, 'ctx'));
  });
});

describe('compression', () => {
  const text = (encodedLength: number) => 'a'.repeat(encodedLength - 2); // JSON adds two quotes

  it.each(['gzip', 'brotli'] as const)(
    '%s: compresses only bodies larger than the threshold',
    async (algorithm) => {
      const envelope = createEnvelope({ compression: { algorithm, threshold: 100 } });
      const at = await envelope.seal(text(100), 'ctx');
      expect(readEnvelopeHeader(at).compression).toBeNull();
      expect(at.length).toBe(5 + 100);

      const above = await envelope.seal(text(101), 'ctx');
      expect(readEnvelopeHeader(above).compression).toBe(algorithm);
      expect(above.length).toBeLessThan(5 + 101);
      expect(await envelope.open(above, 'ctx')).toBe(text(101));

      const large = await envelope.seal(body, 'ctx');
      expect(readEnvelopeHeader(large).compression).toBe(algorithm);
      expect(large.length).toBeLessThan(jsonCodec.encode(body).length / 5);
      expect(await envelope.open(large, 'ctx')).toStrictEqual(body);
    },
  );

  it('uses gzip above 1024 bytes by default', async () => {
    const envelope = createEnvelope();
    expect(readEnvelopeHeader(await envelope.seal(text(1024), 'ctx')).compression).toBeNull();
    expect(readEnvelopeHeader(await envelope.seal(text(1025), 'ctx')).compression).toBe('gzip');
  });

  it('keeps a body uncompressed when compression would not shrink it', async () => {
    const envelope = createEnvelope({ codec: rawBytes, compression: { threshold: 0 } });
    const random = crypto.getRandomValues(new Uint8Array(4096));
    const sealed = await envelope.seal(random, 'ctx');
    expect(readEnvelopeHeader(sealed).compression).toBeNull();
    expect(sealed.length).toBe(5 + 4096);
  });

  it('never compresses with compression: false', async () => {
    const sealed = await createEnvelope({ compression: false }).seal(body, 'ctx');
    expect(readEnvelopeHeader(sealed).compression).toBeNull();
    expect(sealed.length).toBe(5 + jsonCodec.encode(body).length);
  });
});

describe('decompression limit (zip bombs)', () => {
  const zeros = new Uint8Array(64 * 1024 * 1024);
  const bombs = { gzip: gzipSync(zeros), brotli: brotliCompressSync(zeros) };

  it.each(['gzip', 'brotli'] as const)(
    '%s: decompress rejects output over the limit with a RangeError',
    async (algorithm) => {
      expect(bombs[algorithm].length).toBeLessThan(200_000);
      const error = await rejection(decompress(bombs[algorithm], algorithm, 1024 * 1024));
      expect(error).toBeInstanceOf(RangeError);
      expect((error as Error).message).toMatch(/larger than the 1048576-byte limit/);
    },
  );

  it.each(['gzip', 'brotli'] as const)('%s: the limit is inclusive', async (algorithm) => {
    const small = new Uint8Array(5000).fill(7);
    const packed = algorithm === 'gzip' ? gzipSync(small) : brotliCompressSync(small);
    expect(await decompress(packed, algorithm, 5000)).toStrictEqual(small);
    await expect(decompress(packed, algorithm, 4999)).rejects.toThrow(RangeError);
  });

  it.each(['gzip', 'brotli'] as const)(
    '%s: a bomb planted in the store fails open with SessionPayloadError',
    async (algorithm) => {
      const header = Uint8Array.from([0xf5, 0x4b, 1, algorithm === 'gzip' ? 0b010 : 0b100, 1]);
      const planted = concatBytes(header, bombs[algorithm]);
      const error = await payloadError(createEnvelope().open(planted, 'ctx'));
      expect(error.cause).toBeInstanceOf(RangeError);
      expect(error.message).toMatch(/16777216-byte limit/);
      // A larger configured limit lets the same payload through to the codec (which then fails on zeros).
      const roomy = await payloadError(
        createEnvelope({ maxDecodedBytes: 65 * 1024 * 1024 }).open(planted, 'ctx'),
      );
      expect(roomy.cause).not.toBeInstanceOf(RangeError);
    },
  );
});

describe('size limit of uncompressed payloads (issue 14, item 2)', () => {
  // A plain body is as large as what the codec would parse, so it meets the same limit as a
  // decompressed one: before the codec runs, so a planted 40 MB record costs no parse.
  it('rejects a plain body over maxDecodedBytes before the codec parses it', async () => {
    let parsed = 0;
    const decode = (bytes: Uint8Array) => {
      parsed++;
      return plainJson.decode(bytes);
    };
    const spy: Codec = { ...plainJson, id: 202, decode };
    const envelope = createEnvelope({ maxPayloadBytes: 1024, codec: spy, compression: false });
    const header = Uint8Array.from([0xf5, 0x4b, 1, 0, spy.id]);
    const planted = concatBytes(header, utf8(JSON.stringify({ d: 'x'.repeat(40 * 1024) })));
    const error = await payloadError(envelope.open(planted, 'ctx'));
    expect(error.message).toMatch(/uncompressed .*16384-byte limit \(maxDecodedBytes\)/);
    expect(parsed).toBe(0);
  });

  it('the limit is inclusive', async () => {
    const envelope = createEnvelope({ maxDecodedBytes: 64, codec: rawBytes, compression: false });
    const header = Uint8Array.from([0xf5, 0x4b, 1, 0, rawBytes.id]);
    expect(await envelope.open(concatBytes(header, new Uint8Array(64).fill(1)), 'ctx')).toBeDefined();
    await payloadError(envelope.open(concatBytes(header, new Uint8Array(65).fill(1)), 'ctx'));
  });

  it('also applies to an encrypted plain body, before decrypting it', async () => {
    const writer = createEnvelope({ encryption: { keys: [k1] }, compression: false });
    const sealed = await writer.seal({ d: 'y'.repeat(5000) }, 'ctx');
    const reader = createEnvelope({ encryption: { keys: [k1] }, maxDecodedBytes: 1000 });
    const error = await payloadError(reader.open(sealed, 'ctx'));
    expect(error.message).toMatch(/1000-byte limit/);
    expect(error.message).not.toMatch(/decrypted/);
  });
});

describe('settings changes keep older payloads readable', () => {
  const writers: Record<string, EnvelopeOptions> = {
    'plain json': { compression: false },
    gzip: { compression: { algorithm: 'gzip', threshold: 0 } },
    brotli: { compression: { algorithm: 'brotli', threshold: 0 } },
    'custom codec': { codec: plainJson, compression: false },
    'custom codec + brotli': { codec: plainJson, compression: { algorithm: 'brotli', threshold: 0 } },
    encrypted: { encryption: { keys: [k1] }, compression: false },
    'encrypted + gzip': { encryption: { keys: [k1] }, compression: { threshold: 0 } },
  };
  // Readers know every codec that was ever used; encrypted readers hold the old key too.
  const readers: Record<string, EnvelopeOptions> = Object.fromEntries(
    Object.entries(writers).map(([name, options]) => [
      name,
      { ...options, codecs: [plainJson], ...(options.encryption ? { encryption: { keys: [k2, k1] } } : {}) },
    ]),
  );
  const pairs = Object.keys(writers).flatMap((w) =>
    Object.keys(readers)
      .filter((r) => w !== r && !(writers[w]?.encryption && !readers[r]?.encryption))
      .map((r) => [w, r] as const),
  );

  it.each(pairs)('written as %s, read as %s', async (writer, reader) => {
    const sealed = await createEnvelope(writers[writer]).seal(body, 'ctx');
    expect(await createEnvelope(readers[reader]).open(sealed, 'ctx')).toStrictEqual(body);
  });

  it('needs the old codec listed to read its payloads', async () => {
    const sealed = await createEnvelope({ codec: plainJson }).seal(body, 'ctx');
    const error = await payloadError(createEnvelope().open(sealed, 'ctx'));
    expect(error.message).toMatch(
      /codec id 200, which is not configured; add that codec to the codecs option/,
    );
  });

  it('always reads jsonCodec payloads, even when another codec writes', async () => {
    const sealed = await createEnvelope().seal({ at: new Date(5) }, 'ctx');
    expect(await createEnvelope({ codec: plainJson }).open(sealed, 'ctx')).toStrictEqual({ at: new Date(5) });
  });
});

describe('tampering and truncation reject only with SessionPayloadError', () => {
  const sample = { user: 'ann', at: new Date(0), tags: new Set(['a', 'b']), n: 12345678901234567890n };
  const configs: Record<string, { options: EnvelopeOptions; authenticated: boolean }> = {
    plain: { options: { compression: false }, authenticated: false },
    gzip: { options: { compression: { threshold: 0 } }, authenticated: false },
    brotli: { options: { compression: { algorithm: 'brotli', threshold: 0 } }, authenticated: false },
    encrypted: { options: { encryption: { keys: [k1] }, compression: false }, authenticated: true },
    'encrypted + brotli': {
      options: { encryption: { keys: [k1] }, compression: { algorithm: 'brotli', threshold: 0 } },
      authenticated: true,
    },
  };

  /** Resolves when open either succeeds or fails the documented way; anything else fails the property. */
  async function opensOrPayloadError(
    envelope: ReturnType<typeof createEnvelope>,
    bytes: Uint8Array,
    mustReject: boolean,
  ) {
    try {
      await envelope.open(bytes, 'ctx');
    } catch (error) {
      expect(error).toBeInstanceOf(SessionPayloadError);
      expect(isSessionError(error, 'SESSION_PAYLOAD_INVALID')).toBe(true);
      return;
    }
    if (mustReject) throw new Error('a tampered payload opened');
  }

  describe.each(Object.entries(configs))('%s', (_name, { options, authenticated }) => {
    const envelope = createEnvelope(options);

    it('rejects every truncation', async () => {
      const sealed = await envelope.seal(sample, 'ctx');
      expect(await envelope.open(sealed, 'ctx')).toStrictEqual(sample);
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: sealed.length - 1 }), async (cut) => {
          await opensOrPayloadError(envelope, sealed.subarray(0, cut), true);
        }),
        { numRuns: 2000 },
      );
    });

    it(`${authenticated ? 'rejects' : 'never throws anything but SessionPayloadError for'} flipped bits`, async () => {
      const sealed = await envelope.seal(sample, 'ctx');
      const flips = fc.array(fc.tuple(fc.nat({ max: sealed.length - 1 }), fc.integer({ min: 0, max: 7 })), {
        minLength: 1,
        maxLength: 4,
      });
      await fc.assert(
        fc.asyncProperty(flips, async (positions) => {
          const tampered = sealed.slice();
          for (const [at, bit] of positions) tampered[at] = (tampered[at] as number) ^ (1 << bit);
          const changed = tampered.some((b, i) => b !== sealed[i]);
          await opensOrPayloadError(envelope, tampered, authenticated && changed);
        }),
        { numRuns: 3000 },
      );
    });

    it('never throws anything but SessionPayloadError for a valid header with random bytes after it', async () => {
      const sealed = await envelope.seal(sample, 'ctx');
      const header = sealed.subarray(0, readEnvelopeHeader(sealed).length);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (tail) => {
          await opensOrPayloadError(envelope, concatBytes(header, tail), authenticated);
        }),
        { numRuns: 2000 },
      );
    });
  });

  it('never throws anything but SessionPayloadError for random bytes', async () => {
    const envelope = createEnvelope({ codecs: [plainJson], encryption: { keys: [k1] } });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
        await opensOrPayloadError(envelope, bytes, false);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('maxPayloadBytes', () => {
  it.each([
    ['unencrypted', {}],
    ['encrypted', { encryption: { keys: [k1] } }],
  ])(
    '%s: a payload of exactly the limit seals, one byte more rejects with size and limit',
    async (_name, extra) => {
      const options: EnvelopeOptions = { ...extra, compression: false };
      const size = (await createEnvelope(options).seal(body, 'ctx')).length;
      expect((await createEnvelope({ ...options, maxPayloadBytes: size }).seal(body, 'ctx')).length).toBe(
        size,
      );
      const error = await rejection(
        createEnvelope({ ...options, maxPayloadBytes: size - 1 }).seal(body, 'ctx'),
      );
      expect(error).toBeInstanceOf(SessionTooLargeError);
      expect(error).toMatchObject({ code: 'SESSION_TOO_LARGE', size, limit: size - 1 });
      expect((error as Error).message).toMatch(
        new RegExp(`${size} bytes, over the ${size - 1}-byte limit \\(maxPayloadBytes\\)`),
      );
    },
  );

  it('limits the sealed bytes, so a compressible body over the limit still fits', async () => {
    const envelope = createEnvelope({ maxPayloadBytes: 1_048_576 });
    const big = { blob: 'x'.repeat(2 * 1_048_576) };
    const sealed = await envelope.seal(big, 'ctx');
    expect(sealed.length).toBeLessThan(1_048_576);
    expect(await envelope.open(sealed, 'ctx')).toStrictEqual(big);
  });

  it('defaults to 1 MiB', async () => {
    const envelope = createEnvelope({ compression: false });
    const error = await rejection(envelope.seal('x'.repeat(1_048_576), 'ctx'));
    expect(error).toMatchObject({ limit: 1_048_576, size: 5 + 1_048_578 });
  });

  it('refuses bodies over maxDecodedBytes, so nothing is sealed that open would refuse', async () => {
    const envelope = createEnvelope({ maxPayloadBytes: 1000, maxDecodedBytes: 4000 });
    await expect(envelope.seal('x'.repeat(3998), 'ctx')).resolves.toBeInstanceOf(Uint8Array);
    const error = await rejection(envelope.seal('x'.repeat(3999), 'ctx'));
    expect(error).toBeInstanceOf(SessionTooLargeError);
    expect(error).toMatchObject({ size: 4001, limit: 4000 });
    expect((error as Error).message).toMatch(/\(maxDecodedBytes\)/);
  });

  it('rejects values the codec cannot encode with its TypeError', async () => {
    await expect(createEnvelope().seal({ f: () => 1 }, 'ctx')).rejects.toThrow(TypeError);
  });
});

describe('option validation', () => {
  const badCodec = (patch: Partial<Codec>): Codec => ({ ...plainJson, ...patch });

  it.each<[string, EnvelopeOptions, RegExp]>([
    [
      'a custom codec with a reserved id',
      { codec: badCodec({ id: 5 }) },
      /id 5, but ids 1 to 127 are reserved.*from 128 to 255/,
    ],
    ['a copy of jsonCodec under id 1', { codecs: [{ ...jsonCodec }] }, /ids 1 to 127 are reserved/],
    ['a codec id over 255', { codec: badCodec({ id: 256 }) }, /integer from 128 to 255/],
    ['a codec id of 0', { codec: badCodec({ id: 0 }) }, /integer from 128 to 255/],
    [
      'a fractional codec id',
      { codecs: [badCodec({ id: 200.5 })] },
      /codecs\[0\] "plain-json" has id 200\.5/,
    ],
    [
      'a codec without decode',
      { codec: { id: 200, name: 'x', encode: plainJson.encode } as Codec },
      /must be a codec/,
    ],
    [
      'two codecs sharing an id',
      { codec: plainJson, codecs: [badCodec({ name: 'other' })] },
      /Two different codecs use id 200/,
    ],
    ['codecs that is not an array', { codecs: plainJson as unknown as Codec[] }, /codecs must be an array/],
    [
      'a negative threshold',
      { compression: { threshold: -1 } },
      /threshold must be a non-negative integer.*compression: false/,
    ],
    ['a fractional threshold', { compression: { threshold: 1.5 } }, /threshold/],
    ['a NaN threshold', { compression: { threshold: Number.NaN } }, /threshold/],
    ['a string threshold', { compression: { threshold: '1kb' as unknown as number } }, /threshold/],
    ['an unknown algorithm', { compression: { algorithm: 'zstd' as 'gzip' } }, /'gzip' or 'brotli'/],
    ['compression: true', { compression: true as unknown as false }, /compression must be/],
    ['an empty key list', { encryption: { keys: [] } }, /at least one key.*encryption: false/],
    ['duplicate key ids', { encryption: { keys: [k1, { ...k2, id: 'k1' }] } }, /two keys with the id "k1"/],
    ['a bad key id', { encryption: { keys: [{ ...k1, id: 'no/slash' }] } }, /1 to 32 characters/],
    ['a short string key', { encryption: { keys: [{ id: 'k', key: 'x'.repeat(31) }] } }, /at least 32/],
    ['a 16-byte key', { encryption: { keys: [{ id: 'k', key: new Uint8Array(16) }] } }, /exactly 32/],
    ['encryption: true', { encryption: true as unknown as false }, /encryption must be/],
    ['maxPayloadBytes 0', { maxPayloadBytes: 0 }, /maxPayloadBytes must be a positive integer.*1 MiB/],
    ['negative maxPayloadBytes', { maxPayloadBytes: -5 }, /maxPayloadBytes/],
    ['fractional maxPayloadBytes', { maxPayloadBytes: 10.5 }, /maxPayloadBytes/],
    ['infinite maxPayloadBytes', { maxPayloadBytes: Number.POSITIVE_INFINITY }, /maxPayloadBytes/],
    ['string maxPayloadBytes', { maxPayloadBytes: '1mb' as unknown as number }, /maxPayloadBytes/],
    ['maxDecodedBytes 0', { maxDecodedBytes: 0 }, /maxDecodedBytes must be a positive integer/],
    ['maxDecodedBytes over 2 GiB', { maxDecodedBytes: 2 ** 31 }, /at most 2147483647/],
  ])('rejects %s', (_name, options, message) => {
    expect(() => createEnvelope(options)).toThrow(SessionConfigError);
    expect(() => createEnvelope(options)).toThrow(message);
  });

  it('accepts the defaults, a listed jsonCodec, and the same custom codec listed twice', () => {
    expect(() => createEnvelope()).not.toThrow();
    expect(() =>
      createEnvelope({ codec: jsonCodec, codecs: [jsonCodec, plainJson, plainJson] }),
    ).not.toThrow();
    expect(() =>
      createEnvelope({ codec: plainJson, codecs: [plainJson], compression: { threshold: 0 } }),
    ).not.toThrow();
  });
});

describe('node:zlib is loaded lazily', () => {
  it('seals and opens without zlib until a body crosses the threshold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sessionkit-envelope-'));
    try {
      // A loader hook that makes node:zlib unavailable, as it is in an edge runtime.
      const hook = join(dir, 'block-zlib.mjs');
      await writeFile(
        hook,
        `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(
  "export async function resolve(s, c, next) { if (s === 'node:zlib' || s === 'zlib') throw new Error('zlib is blocked'); return next(s, c); }"
));`,
      );
      const envelopeUrl = pathToFileURL(
        fileURLToPath(new URL('../src/payload/envelope.ts', import.meta.url)),
      ).href;
      const script = join(dir, 'edge.mts');
      await writeFile(
        script,
        // An edge runtime has no process.getBuiltinModule either (core's synchronous path).
        `(process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
const { createEnvelope } = await import(${JSON.stringify(envelopeUrl)});
const envelope = createEnvelope({ encryption: { keys: [{ id: 'k1', key: 'x'.repeat(32) }] } });
const small = await envelope.seal({ a: 1 }, 'ctx');
console.log('small', JSON.stringify(await envelope.open(small, 'ctx')));
await envelope.seal({ big: 'y'.repeat(5000) }, 'ctx').then(
  () => console.log('big sealed'),
  (error) => console.log('big failed:', error.message),
);`,
      );
      const root = fileURLToPath(new URL('../../..', import.meta.url));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--import', hook, script],
        {
          cwd: root,
        },
      );
      expect(stdout).toContain('small {"a":1}');
      expect(stdout).toContain('big failed: Compression needs node:zlib');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('compression below and above the synchronous limit (64 KiB)', () => {
  const text = (bytes: number) => utf8(JSON.stringify({ items: 'session data '.repeat(bytes / 13) }));

  it('answers at once for session-sized bodies, with a promise for larger ones, and both read back', async () => {
    for (const algorithm of ['gzip', 'brotli'] as const) {
      const small = text(10_000);
      const now = compressNow(small, algorithm);
      expect(now).toBeInstanceOf(Uint8Array);
      expect(decompressNow(now as Uint8Array, algorithm, 1 << 20)).toEqual(small);
      // The two paths write the same format: each reads what the other wrote.
      expect(await decompress(now as Uint8Array, algorithm, 1 << 20)).toEqual(small);
      expect(decompressNow(await compress(small, algorithm), algorithm, 1 << 20)).toEqual(small);
      const large = text(100_000);
      const later = compressNow(large, algorithm);
      expect(later).toBeInstanceOf(Promise);
      expect(await decompressNow(await later, algorithm, 1 << 20)).toEqual(large);
    }
  });

  it('stops at the output limit on the synchronous path too', () => {
    const bomb = gzipSync(new Uint8Array(5_000_000));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => decompressNow(bomb, 'gzip', 1_000_000)).toThrow(RangeError);
    expect(() => decompressNow(bomb, 'gzip', 1_000_000)).toThrow(/larger than the 1000000-byte limit/);
  });
});

describe('the JSON codec written straight after the header', () => {
  it('gives the bytes of header + jsonCodec.encode for any value, ASCII or not', async () => {
    // Compression off so every size takes the one-buffer path; strings cover multi-byte text.
    const envelope = createEnvelope({ compression: false });
    const headerLength = (await envelope.seal({}, 'ctx')).length - jsonCodec.encode({}).length;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue(),
          fc.dictionary(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        ),
        async (value) => {
          const sealed = await envelope.seal(value, 'ctx');
          const body = jsonCodec.encode(value);
          expect(sealed.length).toBe(headerLength + body.length);
          expect(sealed.subarray(headerLength)).toEqual(body);
          expect(await envelope.open(sealed, 'ctx')).toEqual(value);
        },
      ),
      { numRuns: 500 },
    );
  });
});
