/**
 * The header of the payload envelope (what a store receives as `StoredRecord.payload`).
 *
 * Byte layout (all payloads start with a header that says how to read the rest):
 *
 *   offset  size  field
 *   0       2     magic 0xF5 0x4B. 0xF5 never occurs in UTF-8, so a payload is never mistaken for
 *                 text (such as a JSON record another library left in the same table) and vice versa.
 *   2       1     format version, currently 1. Unknown versions are refused, never guessed at.
 *   3       1     flags: bit 0 = encrypted; bits 1-2 = compression (0 none, 1 gzip, 2 brotli,
 *                 3 reserved); bits 3-7 reserved and must be 0.
 *   4       1     codec id (1-127 sessionkit's own, 128-255 custom).
 *   5       1     only when encrypted: key id length n (1-32)
 *   6       n     only when encrypted: key id, ASCII [A-Za-z0-9._-]
 *   then the body:
 *     plain:      the codec's bytes, compressed when the flag says so
 *     encrypted:  12-byte IV ‖ AES-256-GCM ciphertext of the (possibly compressed) body ‖ 16-byte tag,
 *                 with additional authenticated data = header bytes ‖ UTF-8 of the storage key.
 *
 * Reading follows the header, never the current options, so switching codec, compression or
 * encryption leaves every stored session readable. Authenticating the header stops an attacker
 * with write access to the store from flipping flags; authenticating the storage key stops a
 * record copied under another session's key from opening there.
 *
 * Compression runs before encryption (ciphertext does not compress). Compressed size can leak
 * how much of a payload repeats attacker-chosen data (the CRIME family), but only to someone who
 * sees record sizes in the store and can also write into the session; turn compression off if
 * that is your threat model.
 */

import { SessionPayloadError } from '../errors';
import type { CompressionAlgorithm } from './compression';

/** The envelope format version this code writes (and the only one it reads). */
export const ENVELOPE_FORMAT_VERSION = 1;

const MAGIC = [0xf5, 0x4b] as const;
const FLAG_ENCRYPTED = 0b001;
const COMPRESSION_SHIFT = 1;
const COMPRESSION_MASK = 0b110;
const RESERVED_FLAGS = 0b1111_1000;
const ALGORITHM_CODES: Readonly<Record<CompressionAlgorithm, number>> = { gzip: 1, brotli: 2 };
const ALGORITHMS: readonly (CompressionAlgorithm | null)[] = [null, 'gzip', 'brotli'];
const KEY_ID = /^[A-Za-z0-9._-]{1,32}$/;
/** What the header of a sealed payload says. */
export interface EnvelopeHeader {
  version: number;
  codecId: number;
  compression: CompressionAlgorithm | null;
  /** Id of the key that encrypted the payload, or null when it is not encrypted. */
  keyId: string | null;
  /** Bytes taken by the header; the body starts here. */
  length: number;
}

/**
 * Parses the header of a sealed payload, for tooling and diagnostics (which key or codec a stored
 * session still depends on). Throws SessionPayloadError when the header is malformed.
 */
export function readEnvelopeHeader(bytes: Uint8Array): EnvelopeHeader {
  if (!(bytes instanceof Uint8Array)) throw new SessionPayloadError('Session payload is not a Uint8Array');
  if (bytes.length < 5 || bytes[0] !== MAGIC[0] || bytes[1] !== MAGIC[1]) {
    throw new SessionPayloadError('Session payload is not a sessionkit envelope (bad or missing header)');
  }
  const version = bytes[2] as number;
  if (version !== ENVELOPE_FORMAT_VERSION) {
    throw new SessionPayloadError(
      `Session payload uses envelope format version ${version}, which this version of sessionkit ` +
        `cannot read (it reads version ${ENVELOPE_FORMAT_VERSION}); was it written by a newer release?`,
    );
  }
  const flags = bytes[3] as number;
  const compression = ALGORITHMS[(flags & COMPRESSION_MASK) >> COMPRESSION_SHIFT];
  if (flags & RESERVED_FLAGS || compression === undefined) {
    throw new SessionPayloadError(`Session payload header has unknown flags 0x${flags.toString(16)}`);
  }
  const codecId = bytes[4] as number;
  if (!(flags & FLAG_ENCRYPTED)) return { version, codecId, compression, keyId: null, length: 5 };
  const keyLength = bytes[5] ?? 0;
  const keyId = String.fromCharCode(...bytes.subarray(6, 6 + keyLength));
  if (keyId.length !== keyLength || !KEY_ID.test(keyId)) {
    throw new SessionPayloadError('Session payload header has a malformed encryption key id');
  }
  return { version, codecId, compression, keyId, length: 6 + keyLength };
}

/** The header bytes for a payload sealed with these settings. */
export function writeHeader(
  codecId: number,
  compression: CompressionAlgorithm | null,
  keyId: string | null,
): Uint8Array {
  const compressionBits = compression === null ? 0 : ALGORITHM_CODES[compression] << COMPRESSION_SHIFT;
  const flags = compressionBits | (keyId === null ? 0 : FLAG_ENCRYPTED);
  const fixed = [MAGIC[0], MAGIC[1], ENVELOPE_FORMAT_VERSION, flags, codecId];
  if (keyId === null) return Uint8Array.from(fixed);
  return Uint8Array.from([...fixed, keyId.length, ...Array.from(keyId, (c) => c.charCodeAt(0))]);
}
