/**
 * Payload compression. The only place in core that uses a Node API: `node:zlib` is imported
 * lazily, the first time something is actually compressed or decompressed, so a bundle for an
 * edge runtime that never compresses never loads it.
 */

import { builtinModule } from '../cookie/hashing';

/** Compression algorithms the envelope header can record. */
export type CompressionAlgorithm = 'gzip' | 'brotli';

/** Compression settings of the envelope. */
export interface CompressionOptions {
  /**
   * Used for writing; payloads are always read with the algorithm their header names.
   * @default 'gzip'
   */
  algorithm?: CompressionAlgorithm;
  /**
   * Encoded bodies larger than this many bytes are compressed; smaller ones are not worth the
   * CPU. 0 compresses every non-empty body.
   * @default 1024
   */
  threshold?: number;
}

type Zlib = typeof import('node:zlib');

let zlibModule: Promise<Zlib> | undefined;

function loadZlib(): Promise<Zlib> {
  zlibModule ??= import('node:zlib').catch((cause: unknown) => {
    // Forget the failure so a later call can retry (and report it again) instead of caching it.
    zlibModule = undefined;
    throw new Error(
      'Compression needs node:zlib, which this runtime does not provide. Set compression: false ' +
        '(payloads already written compressed then cannot be read here).',
      { cause },
    );
  });
  return zlibModule;
}

/**
 * node:zlib without an import, where the runtime provides it (Node >= 20.16, Bun, Deno): what
 * makes the synchronous path below possible. Elsewhere compression takes the lazy import.
 */
const builtinZlib = builtinModule<Zlib>('node:zlib');

/**
 * Inputs up to this size are (de)compressed synchronously. zlib's asynchronous functions hand
 * each call to the thread pool: for a session-sized body that costs about three times the CPU
 * of the work itself (300 against 100 µs for 10 KB, measured), while the synchronous call
 * blocks the event loop for well under a millisecond at this size.
 */
const SYNC_LIMIT = 64 * 1024;

/**
 * gzip level 3 rather than zlib's default 6: on session JSON the output is about 1.5 % larger
 * and the CPU about half (measured on a 10 KB cart).
 */
const GZIP_LEVEL = 3;

/** compress(), synchronous for inputs up to SYNC_LIMIT where node:zlib is at hand. */
export function compressNow(
  bytes: Uint8Array,
  algorithm: CompressionAlgorithm,
): Uint8Array | Promise<Uint8Array> {
  const zlib = builtinZlib;
  if (zlib === null || bytes.length > SYNC_LIMIT) return compress(bytes, algorithm);
  if (algorithm === 'gzip') return plain(zlib.gzipSync(bytes, { level: GZIP_LEVEL }));
  if (algorithm === 'brotli')
    return plain(zlib.brotliCompressSync(bytes, { params: brotliParams(zlib, bytes) }));
  throw new TypeError(`Unknown compression algorithm ${JSON.stringify(algorithm)}`);
}

/** decompress(), synchronous for inputs up to SYNC_LIMIT where node:zlib is at hand. */
export function decompressNow(
  bytes: Uint8Array,
  algorithm: CompressionAlgorithm,
  maxOutputBytes: number,
): Uint8Array | Promise<Uint8Array> {
  const zlib = builtinZlib;
  if (zlib === null || bytes.length > SYNC_LIMIT) return decompress(bytes, algorithm, maxOutputBytes);
  checkLimit(maxOutputBytes);
  const options = { maxOutputLength: maxOutputBytes };
  try {
    if (algorithm === 'gzip') return plain(zlib.gunzipSync(bytes, options));
    if (algorithm === 'brotli') return plain(zlib.brotliDecompressSync(bytes, options));
  } catch (error) {
    throw overLimit(error, maxOutputBytes);
  }
  throw new TypeError(`Unknown compression algorithm ${JSON.stringify(algorithm)}`);
}

function brotliParams(zlib: Zlib, bytes: Uint8Array): Record<number, number> {
  return {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
  };
}

function checkLimit(maxOutputBytes: number): void {
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 1) {
    throw new RangeError(`maxOutputBytes must be a positive integer, got ${maxOutputBytes}`);
  }
}

/** zlib's "output too large" as the RangeError callers know; any other error as it is. */
function overLimit(error: unknown, maxOutputBytes: number): unknown {
  if ((error as { code?: unknown }).code !== 'ERR_BUFFER_TOO_LARGE') return error;
  return new RangeError(`Decompressed data is larger than the ${maxOutputBytes}-byte limit`, {
    cause: error,
  });
}

/** Node returns Buffers; hand out plain Uint8Arrays so callers never depend on Buffer methods. */
function plain(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function settle(resolve: (bytes: Uint8Array) => void, reject: (error: unknown) => void) {
  return (error: Error | null, result: Uint8Array) => (error ? reject(error) : resolve(plain(result)));
}

/**
 * Compresses bytes. Brotli runs at quality 5 rather than zlib's default of 11: sessions are
 * written on the request path, where quality 11 costs many times the CPU for a few percent.
 */
export async function compress(bytes: Uint8Array, algorithm: CompressionAlgorithm): Promise<Uint8Array> {
  const zlib = await loadZlib();
  return new Promise((resolve, reject) => {
    if (algorithm === 'gzip') {
      zlib.gzip(bytes, { level: GZIP_LEVEL }, settle(resolve, reject));
    } else if (algorithm === 'brotli') {
      zlib.brotliCompress(bytes, { params: brotliParams(zlib, bytes) }, settle(resolve, reject));
    } else {
      reject(new TypeError(`Unknown compression algorithm ${JSON.stringify(algorithm)}`));
    }
  });
}

/**
 * Decompresses bytes, producing at most `maxOutputBytes`. A tiny record can expand to gigabytes
 * (a "zip bomb" planted in the store), so zlib is told to stop at the limit instead of
 * buffering everything; going over rejects with a RangeError.
 */
export async function decompress(
  bytes: Uint8Array,
  algorithm: CompressionAlgorithm,
  maxOutputBytes: number,
): Promise<Uint8Array> {
  checkLimit(maxOutputBytes);
  const zlib = await loadZlib();
  const options = { maxOutputLength: maxOutputBytes };
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      if (algorithm === 'gzip') zlib.gunzip(bytes, options, settle(resolve, reject));
      else if (algorithm === 'brotli') zlib.brotliDecompress(bytes, options, settle(resolve, reject));
      else reject(new TypeError(`Unknown compression algorithm ${JSON.stringify(algorithm)}`));
    });
  } catch (error) {
    throw overLimit(error, maxOutputBytes);
  }
}
