/**
 * The payload envelope: seal (encode, compress above a threshold, encrypt) and open, following
 * the header each payload carries (layout and rationale in envelope-header.ts).
 */

import { SessionConfigError, SessionPayloadError, SessionTooLargeError } from '../errors';
import {
  BUILTIN_CODECS,
  CODEC_MAX_ID,
  type Codec,
  CUSTOM_CODEC_MIN_ID,
  encodeJsonAfter,
  jsonCodec,
} from './codec';
import {
  type CompressionAlgorithm,
  type CompressionOptions,
  compressNow,
  decompressNow,
} from './compression';
import { concatBytes, utf8 } from './encoding';
import { createKeyring, type EncryptionKey, IV_BYTES, type Keyring, TAG_BYTES } from './encryption';
import { readEnvelopeHeader, writeHeader } from './envelope-header';

export { ENVELOPE_FORMAT_VERSION, type EnvelopeHeader, readEnvelopeHeader } from './envelope-header';

const MAX_DECODED_LIMIT = 2 ** 31 - 1;

/** Encryption settings of the envelope. */
export interface EnvelopeEncryptionOptions {
  /**
   * The first key encrypts new payloads; all keys decrypt. To rotate, put the new key first and
   * keep the old one until every session it encrypted has expired.
   */
  keys: EncryptionKey[];
  /**
   * Read payloads written before encryption was turned on. Keeps existing sessions alive during
   * the roll-out (their next write encrypts them); set false once they have all been rewritten
   * or expired, so nobody with write access to the store can plant an unencrypted session.
   * @default true
   */
  acceptUnencrypted?: boolean;
}

/** Options of {@link createEnvelope}. */
export interface EnvelopeOptions {
  /** Codec for writing; any payload written with it, or with one in `codecs`, can be read. @default jsonCodec */
  codec?: Codec;
  /** Extra codecs accepted when reading older payloads (jsonCodec is always accepted). @default [] */
  codecs?: Codec[];
  /** Compression of bodies above a size threshold, or false for none. @default { algorithm: 'gzip', threshold: 1024 } */
  compression?: CompressionOptions | false;
  /** Encryption at rest with AES-256-GCM, or false for none. @default false */
  encryption?: EnvelopeEncryptionOptions | false;
  /** Limit on the sealed bytes handed to the store. @default 1_048_576 (1 MiB) */
  maxPayloadBytes?: number;
  /**
   * Limit on the codec's bytes before compression. Reading refuses to decompress beyond it (a
   * zip bomb in the store must not exhaust memory), and writing refuses bodies over it, so
   * nothing is sealed that could not be opened again.
   * @default 16 × maxPayloadBytes
   */
  maxDecodedBytes?: number;
}

/** Seals session bodies for the store and opens them again. */
export interface Envelope {
  /**
   * Encodes, compresses above the threshold, encrypts if configured; rejects with
   * SessionTooLargeError over maxPayloadBytes (nothing partial). A value the codec cannot encode
   * rejects with the codec's TypeError.
   */
  seal(value: unknown, context: string): Promise<Uint8Array>;
  /**
   * Reverses seal. Any problem (truncated, bit-flipped, unknown header version/codec/algorithm,
   * unknown key id, wrong key, decompressed size over the limit, codec failure) rejects with
   * SessionPayloadError whose cause is the underlying error. Never any other error type.
   */
  open(bytes: Uint8Array, context: string): Promise<unknown>;
}

function validateCodec(codec: unknown, where: string): Codec {
  const c = codec as Partial<Codec> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.encode !== 'function' ||
    typeof c.decode !== 'function'
  ) {
    throw new SessionConfigError(`${where} must be a codec: { id, name, encode(value), decode(bytes) }.`);
  }
  const label = typeof c.name === 'string' ? JSON.stringify(c.name) : '(unnamed)';
  if (!Number.isInteger(c.id) || (c.id as number) < 1 || (c.id as number) > CODEC_MAX_ID) {
    throw new SessionConfigError(
      `${where} ${label} has id ${String(c.id)}; a codec id is an integer from ${CUSTOM_CODEC_MIN_ID} ` +
        `to ${CODEC_MAX_ID} (it is stored in one header byte).`,
    );
  }
  if ((c.id as number) < CUSTOM_CODEC_MIN_ID && BUILTIN_CODECS.get(c.id as number) !== codec) {
    throw new SessionConfigError(
      `${where} ${label} has id ${c.id}, but ids 1 to ${CUSTOM_CODEC_MIN_ID - 1} are reserved for ` +
        `sessionkit's own codecs. Give custom codecs an id from ${CUSTOM_CODEC_MIN_ID} to ${CODEC_MAX_ID}.`,
    );
  }
  return codec as Codec;
}

function positiveInteger(value: unknown, name: string, fix: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new SessionConfigError(
      `${name} must be a positive integer number of bytes, got ${String(value)}. ${fix}`,
    );
  }
  return value;
}

/** The envelope options after defaults and validation. */
interface ResolvedEnvelopeOptions {
  writer: Codec;
  readers: Map<number, Codec>;
  algorithm: CompressionAlgorithm | null;
  threshold: number;
  keyring: Keyring | null;
  acceptUnencrypted: boolean;
  maxPayloadBytes: number;
  maxDecodedBytes: number;
}

function resolveEnvelopeOptions(options: EnvelopeOptions): ResolvedEnvelopeOptions {
  const writer = validateCodec(options.codec ?? jsonCodec, 'codec');
  const readers = new Map<number, Codec>(BUILTIN_CODECS);
  if (options.codecs !== undefined && !Array.isArray(options.codecs)) {
    throw new SessionConfigError('codecs must be an array of codecs (extra formats accepted when reading).');
  }
  const listed = [writer, ...(options.codecs ?? []).map((c, i) => validateCodec(c, `codecs[${i}]`))];
  for (const codec of listed) {
    const known = readers.get(codec.id);
    if (known !== undefined && known !== codec) {
      throw new SessionConfigError(
        `Two different codecs use id ${codec.id} (${JSON.stringify(known.name)} and ` +
          `${JSON.stringify(codec.name)}). The header records only the id, so every codec needs its own.`,
      );
    }
    readers.set(codec.id, codec);
  }

  const compression = options.compression ?? {};
  let algorithm: CompressionAlgorithm | null = null;
  let threshold = 0;
  if (compression !== false) {
    if (typeof compression !== 'object' || compression === null) {
      throw new SessionConfigError('compression must be { algorithm?, threshold? } or false.');
    }
    algorithm = compression.algorithm ?? 'gzip';
    if (algorithm !== 'gzip' && algorithm !== 'brotli') {
      throw new SessionConfigError(
        `compression.algorithm must be 'gzip' or 'brotli', got ${String(algorithm)}.`,
      );
    }
    threshold = compression.threshold ?? 1024;
    if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 0) {
      throw new SessionConfigError(
        `compression.threshold must be a non-negative integer number of bytes (bodies larger than it ` +
          `are compressed), got ${String(threshold)}. Use compression: false to turn compression off.`,
      );
    }
  }

  const encryption = options.encryption ?? false;
  if (encryption !== false && (typeof encryption !== 'object' || encryption === null)) {
    throw new SessionConfigError('encryption must be { keys: [{ id, key }, ...] } or false.');
  }
  const keyring = encryption === false ? null : createKeyring(encryption.keys);
  const acceptUnencrypted = encryption === false || encryption.acceptUnencrypted !== false;

  const maxPayloadBytes = positiveInteger(
    options.maxPayloadBytes ?? 1_048_576,
    'maxPayloadBytes',
    'It limits the sealed bytes written to the store; the default is 1048576 (1 MiB).',
  );
  const maxDecodedBytes = positiveInteger(
    options.maxDecodedBytes ?? Math.min(16 * maxPayloadBytes, MAX_DECODED_LIMIT),
    'maxDecodedBytes',
    'It limits a body before compression; the default is 16 × maxPayloadBytes.',
  );
  if (maxDecodedBytes > MAX_DECODED_LIMIT) {
    throw new SessionConfigError(`maxDecodedBytes must be at most ${MAX_DECODED_LIMIT} (2 GiB - 1).`);
  }
  return {
    writer,
    readers,
    algorithm,
    threshold,
    keyring,
    acceptUnencrypted,
    maxPayloadBytes,
    maxDecodedBytes,
  };
}

function tooLarge(size: number, limit: number, option: string): SessionTooLargeError {
  const error = new SessionTooLargeError(size, limit);
  if (option !== 'maxPayloadBytes') error.message = error.message.replaceAll('maxPayloadBytes', option);
  return error;
}

/**
 * Creates the envelope that seals session bodies for the store. Validates every option now and
 * throws SessionConfigError with a how-to-fix message.
 *
 * @example
 * const envelope = createEnvelope({
 *   compression: { algorithm: 'brotli', threshold: 2048 },
 *   encryption: { keys: [{ id: '2025-06', key: process.env.SESSION_KEY! }] },
 * });
 * const payload = await envelope.seal({ userId: 42 }, storageKey);
 * const body = await envelope.open(payload, storageKey);
 */
export function createEnvelope(options: EnvelopeOptions = {}): Envelope {
  const { seal, open } = buildEnvelope(options);
  return Object.freeze({ seal, open });
}

/**
 * The manager's envelope: {@link Envelope} plus `sealNow` and `openNow`, which answer without a
 * promise when no compression or encryption is involved (every session under the compression
 * threshold, by default). Each promise a request awaits costs a microtask turn and an
 * allocation; these two are on every write and every read.
 * @internal
 */
export interface CoreEnvelope extends Envelope {
  /** seal(), synchronous when it can be; throws (or rejects) with what seal() rejects with. */
  sealNow(value: unknown, context: string): Uint8Array | Promise<Uint8Array>;
  /** open(), synchronous when it can be; throws (or rejects) with what open() rejects with. */
  openNow(bytes: Uint8Array, context: string): unknown;
}

/** @internal See {@link CoreEnvelope}; createEnvelope is the public face of this. */
export function buildEnvelope(options: EnvelopeOptions = {}): CoreEnvelope {
  const o = resolveEnvelopeOptions(options);
  // The header depends only on the settings and whether this body was compressed: built once.
  const plainHeader = writeHeader(o.writer.id, null, o.keyring?.primaryId ?? null);
  const compressedHeader =
    o.algorithm === null ? plainHeader : writeHeader(o.writer.id, o.algorithm, o.keyring?.primaryId ?? null);
  const overhead = o.keyring === null ? 0 : IV_BYTES + TAG_BYTES;

  function sealNow(value: unknown, context: string): Uint8Array | Promise<Uint8Array> {
    // The built-in JSON codec writes after room for the header, so a plain payload is one buffer.
    const framed = o.writer === jsonCodec ? encodeJsonAfter(plainHeader.length, value) : null;
    const encoded = framed === null ? o.writer.encode(value) : framed.subarray(plainHeader.length);
    if (!(encoded instanceof Uint8Array)) {
      throw new TypeError(
        `Codec ${JSON.stringify(o.writer.name)} returned ${typeof encoded}, not a Uint8Array`,
      );
    }
    if (encoded.length > o.maxDecodedBytes)
      throw tooLarge(encoded.length, o.maxDecodedBytes, 'maxDecodedBytes');
    if (o.algorithm !== null && encoded.length > o.threshold) {
      // Incompressible data (already compressed, random tokens) is kept as is.
      const pick = (compressed: Uint8Array) =>
        compressed.length < encoded.length
          ? finish(compressedHeader, compressed, context)
          : finish(plainHeader, encoded, context);
      const compressed = compressNow(encoded, o.algorithm);
      return compressed instanceof Uint8Array ? pick(compressed) : compressed.then(pick);
    }
    if (framed === null || o.keyring !== null) return finish(plainHeader, encoded, context);
    if (framed.length > o.maxPayloadBytes)
      throw tooLarge(framed.length, o.maxPayloadBytes, 'maxPayloadBytes');
    framed.set(plainHeader, 0);
    return framed;
  }

  function finish(header: Uint8Array, body: Uint8Array, context: string): Uint8Array | Promise<Uint8Array> {
    const size = header.length + body.length + overhead;
    // Checked before encrypting, so an oversized body costs no crypto and nothing is returned.
    if (size > o.maxPayloadBytes) throw tooLarge(size, o.maxPayloadBytes, 'maxPayloadBytes');
    if (o.keyring === null) return concatBytes(header, body);
    return o.keyring
      .encrypt(body, concatBytes(header, utf8(context)))
      .then((sealed) => concatBytes(header, sealed));
  }

  function openUnchecked(bytes: Uint8Array, context: string): unknown {
    const header = readEnvelopeHeader(bytes);
    const codec = o.readers.get(header.codecId);
    if (codec === undefined) {
      throw new SessionPayloadError(
        `Session payload was written with codec id ${header.codecId}, which is not configured; ` +
          'add that codec to the codecs option to read it.',
      );
    }
    const body = bytes.subarray(header.length);
    if (header.compression === null) {
      // An uncompressed body is what the codec parses, so it meets the limit a decompressed one
      // meets, checked before decrypting or parsing: a record planted in the store at 40x
      // maxPayloadBytes would otherwise be parsed and served on every request.
      const plain = body.length - (header.keyId === null ? 0 : IV_BYTES + TAG_BYTES);
      if (plain > o.maxDecodedBytes) {
        throw new SessionPayloadError(
          `Session payload holds ${plain} uncompressed bytes, over the ${o.maxDecodedBytes}-byte limit ` +
            '(maxDecodedBytes); sessionkit never writes one that large, so the record is refused unread.',
        );
      }
    }
    const decode = (plain: Uint8Array): unknown => {
      if (header.compression === null) return codec.decode(plain);
      const inflated = decompressNow(plain, header.compression, o.maxDecodedBytes);
      return inflated instanceof Uint8Array ? codec.decode(inflated) : inflated.then((i) => codec.decode(i));
    };
    if (header.keyId === null) {
      if (!o.acceptUnencrypted) {
        throw new SessionPayloadError(
          'Session payload is not encrypted and encryption.acceptUnencrypted is false.',
        );
      }
      return decode(body);
    }
    if (o.keyring === null) {
      throw new SessionPayloadError(
        `Session payload is encrypted (key id ${JSON.stringify(header.keyId)}) but encryption is not configured.`,
      );
    }
    if (!o.keyring.has(header.keyId)) {
      throw new SessionPayloadError(
        `Session payload is encrypted with key id ${JSON.stringify(header.keyId)}, which is no longer ` +
          'in encryption.keys; keep a rotated-out key until the sessions it encrypted have expired.',
      );
    }
    const aad = concatBytes(bytes.subarray(0, header.length), utf8(context));
    return o.keyring.decrypt(header.keyId, body, aad).then(decode, (cause: unknown) => {
      throw new SessionPayloadError(
        'Session payload could not be decrypted: tampered or truncated data, a different key under ' +
          'the same id, or a record copied from another session key.',
        { cause },
      );
    });
  }

  function openNow(bytes: Uint8Array, context: string): unknown {
    let opened: unknown;
    try {
      opened = openUnchecked(bytes, context);
    } catch (error) {
      throw asPayloadError(error);
    }
    return opened instanceof Promise
      ? opened.catch((error: unknown) => Promise.reject(asPayloadError(error)))
      : opened;
  }

  return {
    sealNow,
    openNow,
    seal: async (value, context) => sealNow(value, context),
    open: async (bytes, context) => openNow(bytes, context),
  };
}

/** open()'s one error type: a SessionPayloadError, whose cause is what went wrong underneath. */
function asPayloadError(error: unknown): SessionPayloadError {
  if (error instanceof SessionPayloadError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SessionPayloadError(`Session payload could not be read: ${reason}`, { cause: error });
}
