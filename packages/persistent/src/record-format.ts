/**
 * The tier's wrapper around core's payload in the persistent store.
 *
 * The copy in the persistent store is written with a longer expiry than the session's own (see
 * `persistentTimeout`), so that a backup lagging behind an active session cannot let the copy
 * lapse. The session's true expiry therefore cannot live in the record's `expiresAt`; it travels
 * in a 12-byte header in front of the payload:
 *
 *   offset  size  field
 *   0       2     magic 0xF5 0x54. 0xF5 never occurs in UTF-8, and core's envelope starts with
 *                 0xF5 0x4B, so a wrapped record is never mistaken for a bare one.
 *   2       1     format version (1)
 *   3       1     flags (0, reserved)
 *   4       8     true expiry, epoch ms, float64 big-endian
 *   12      …     core's payload, unchanged
 *
 * A record without the magic was written by a plain session manager: it is read as is, with its
 * own `expiresAt` as the true expiry, so switching an app to the session tier keeps its
 * sessions.
 */

const MAGIC_0 = 0xf5;
const MAGIC_1 = 0x54;
const FORMAT_VERSION = 1;

/** Bytes the wrapper adds in front of core's payload. */
export const HEADER_BYTES = 12;

/** A persistent record's payload, unwrapped. */
export interface Unwrapped {
  payload: Uint8Array;
  /** The session's own expiry, or null when the record carries none (written without the wrapper). */
  trueExpiresAt: number | null;
}

/** Prefixes core's payload with the header that carries the session's true expiry. */
export function wrapPayload(payload: Uint8Array, trueExpiresAt: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + payload.length);
  out[0] = MAGIC_0;
  out[1] = MAGIC_1;
  out[2] = FORMAT_VERSION;
  out[3] = 0;
  new DataView(out.buffer).setFloat64(4, trueExpiresAt, false);
  out.set(payload, HEADER_BYTES);
  return out;
}

/**
 * Splits a persistent payload into the session's true expiry and core's payload. Resolves null
 * for a wrapper this version cannot read (a newer format): such a record is treated as missing
 * rather than handed to core as garbage.
 */
export function unwrapPayload(bytes: Uint8Array): Unwrapped | null {
  if (bytes.length < 2 || bytes[0] !== MAGIC_0 || bytes[1] !== MAGIC_1) {
    return { payload: bytes, trueExpiresAt: null };
  }
  if (bytes.length < HEADER_BYTES || bytes[2] !== FORMAT_VERSION) return null;
  const trueExpiresAt = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(4, false);
  if (Number.isNaN(trueExpiresAt)) return null;
  return { payload: bytes.subarray(HEADER_BYTES), trueExpiresAt };
}
