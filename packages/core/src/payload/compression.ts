/**
 * Payload compression. The only place in core that uses a Node API: `node:zlib` is imported
 * lazily, the first time something is actually compressed or decompressed, so a bundle for an
 * edge runtime that never compresses never loads it.
 */

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
      zlib.gzip(bytes, settle(resolve, reject));
    } else if (algorithm === 'brotli') {
      const params = {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 5,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      };
      zlib.brotliCompress(bytes, { params }, settle(resolve, reject));
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
  if (!Number.isSafeInteger(maxOutputBytes) || maxOutputBytes < 1) {
    throw new RangeError(`maxOutputBytes must be a positive integer, got ${maxOutputBytes}`);
  }
  const zlib = await loadZlib();
  const options = { maxOutputLength: maxOutputBytes };
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      if (algorithm === 'gzip') zlib.gunzip(bytes, options, settle(resolve, reject));
      else if (algorithm === 'brotli') zlib.brotliDecompress(bytes, options, settle(resolve, reject));
      else reject(new TypeError(`Unknown compression algorithm ${JSON.stringify(algorithm)}`));
    });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RangeError(`Decompressed data is larger than the ${maxOutputBytes}-byte limit`, {
        cause: error,
      });
    }
    throw error;
  }
}
