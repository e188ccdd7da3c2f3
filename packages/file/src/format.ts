/**
 * On-disk record format, version 1. Integers are big-endian.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `SKFS` |
 * | 4 | 1 | format version (1) |
 * | 5 | 1 | flags: bit 0 set when an owner is stored, bit 1 when session-list details are; other bits 0 |
 * | 6 | 2 | reserved, 0 |
 * | 8 | 8 | record version, float64 |
 * | 16 | 8 | expiresAt, float64 epoch ms |
 * | 24 | 4 | key length in bytes |
 * | 28 | 4 | owner length in bytes |
 * | 32 | 4 | payload length in bytes |
 * | 36 | … | key (UTF-16LE), owner (UTF-16LE), payload |
 *
 * With bit 1 set, the payload length covers a trailer after the payload: the details (UTF-16LE),
 * their length in bytes (4), and the last-active time (float64 epoch ms, 8): the trailer is read
 * from the end, and a record without details is byte for byte what it always was.
 *
 * float64 holds every safe integer exactly and also `Infinity`, which an unlimited expiry may
 * produce. Strings are UTF-16LE because it round-trips every JavaScript string, lone surrogates
 * included; UTF-8 would not. The file size must equal the header plus the three lengths, so a
 * truncated or padded file is detected without a checksum.
 */

export const HEADER_SIZE = 36;
const MAGIC = 'SKFS';
const FORMAT_VERSION = 1;
const FLAG_OWNER = 1;
const FLAG_DETAILS = 2;
/** The fixed end of the details trailer: the details' byte length and the last-active time. */
const TRAILER_SIZE = 12;

/** A record as stored, expired or not. */
export interface DecodedRecord {
  key: string;
  ownerId: string | null;
  version: number;
  expiresAt: number;
  payload: Uint8Array;
  /** Session-list details, or null. */
  details: string | null;
  /** When the record was last written or touched, kept with details; null without. */
  activeAt: number | null;
}

/** The fixed-size part of a record. */
export interface DecodedHeader {
  hasOwner: boolean;
  /** The payload region ends with a details trailer. */
  hasDetails: boolean;
  version: number;
  expiresAt: number;
  keyLength: number;
  ownerLength: number;
  payloadLength: number;
}

/** Decoding outcome: the value, or why the bytes are not a valid record. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Serializes one record. */
export function encodeRecord(
  key: string,
  record: {
    payload: Uint8Array;
    version: number;
    expiresAt: number;
    ownerId: string | null;
    details?: string | null;
    activeAt?: number | null;
  },
): Buffer {
  const keyBytes = Buffer.from(key, 'utf16le');
  const ownerBytes = record.ownerId === null ? Buffer.alloc(0) : Buffer.from(record.ownerId, 'utf16le');
  const details = record.details ?? null;
  const detailBytes = details === null ? null : Buffer.from(details, 'utf16le');
  const trailer = detailBytes === null ? 0 : detailBytes.length + TRAILER_SIZE;
  const out = Buffer.allocUnsafe(
    HEADER_SIZE + keyBytes.length + ownerBytes.length + record.payload.length + trailer,
  );
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt8(FORMAT_VERSION, 4);
  out.writeUInt8((record.ownerId === null ? 0 : FLAG_OWNER) | (detailBytes === null ? 0 : FLAG_DETAILS), 5);
  out.writeUInt16BE(0, 6);
  out.writeDoubleBE(record.version, 8);
  out.writeDoubleBE(record.expiresAt, 16);
  out.writeUInt32BE(keyBytes.length, 24);
  out.writeUInt32BE(ownerBytes.length, 28);
  out.writeUInt32BE(record.payload.length + trailer, 32);
  let offset = HEADER_SIZE;
  offset += keyBytes.copy(out, offset);
  offset += ownerBytes.copy(out, offset);
  out.set(record.payload, offset);
  if (detailBytes !== null) {
    offset += record.payload.length;
    offset += detailBytes.copy(out, offset);
    out.writeUInt32BE(detailBytes.length, offset);
    out.writeDoubleBE(record.activeAt ?? Date.now(), offset + 4);
  }
  return out;
}

/** Validates the fixed header against the size of the whole file. */
export function decodeHeader(head: Buffer, fileSize: number): Decoded<DecodedHeader> {
  if (head.length < HEADER_SIZE || fileSize < HEADER_SIZE) return bad(`too short (${fileSize} bytes)`);
  if (head.toString('latin1', 0, 4) !== MAGIC) return bad('not a sessionkit record (bad magic)');
  if (head.readUInt8(4) !== FORMAT_VERSION) return bad(`unknown format version ${head.readUInt8(4)}`);
  const flags = head.readUInt8(5);
  if ((flags & ~(FLAG_OWNER | FLAG_DETAILS)) !== 0 || head.readUInt16BE(6) !== 0) return bad('unknown flags');
  const version = head.readDoubleBE(8);
  const expiresAt = head.readDoubleBE(16);
  if (!Number.isSafeInteger(version)) return bad('version is not an integer');
  if (Number.isNaN(expiresAt)) return bad('expiresAt is not a number');
  const keyLength = head.readUInt32BE(24);
  const ownerLength = head.readUInt32BE(28);
  const payloadLength = head.readUInt32BE(32);
  const hasOwner = (flags & FLAG_OWNER) !== 0;
  const hasDetails = (flags & FLAG_DETAILS) !== 0;
  if (keyLength % 2 !== 0 || ownerLength % 2 !== 0) return bad('odd string length');
  if (!hasOwner && ownerLength !== 0) return bad('owner bytes without the owner flag');
  if (hasDetails && (!hasOwner || payloadLength < TRAILER_SIZE))
    return bad('a details trailer without room or owner');
  const expected = HEADER_SIZE + keyLength + ownerLength + payloadLength;
  if (expected !== fileSize) return bad(`size ${fileSize} does not match the header (${expected})`);
  return {
    ok: true,
    value: { hasOwner, hasDetails, version, expiresAt, keyLength, ownerLength, payloadLength },
  };
}

/**
 * The file size the header at the start of `head` claims (header plus the three lengths), or
 * Infinity while fewer bytes than a header are known. Unvalidated: it only tells a reader whether
 * more bytes are expected; decodeHeader judges the file.
 */
export function declaredSize(head: Buffer): number {
  if (head.length < HEADER_SIZE) return Number.POSITIVE_INFINITY;
  return HEADER_SIZE + head.readUInt32BE(24) + head.readUInt32BE(28) + head.readUInt32BE(32);
}

/** Parses a whole record file. Never throws: garbage comes back as `{ ok: false }`. */
export function decodeRecord(file: Buffer): Decoded<DecodedRecord> {
  const header = decodeHeader(file, file.length);
  if (!header.ok) return header;
  const { keyLength, ownerLength, hasOwner, hasDetails, version, expiresAt } = header.value;
  const ownerStart = HEADER_SIZE + keyLength;
  const payloadStart = ownerStart + ownerLength;
  let payloadEnd = file.length;
  let details: string | null = null;
  let activeAt: number | null = null;
  if (hasDetails) {
    const end = file.length - TRAILER_SIZE;
    const detailLength = file.readUInt32BE(end);
    payloadEnd = end - detailLength;
    if (detailLength % 2 !== 0 || payloadEnd < payloadStart)
      return bad('a details trailer that does not fit');
    details = file.toString('utf16le', payloadEnd, end);
    activeAt = file.readDoubleBE(end + 4);
  }
  return {
    ok: true,
    value: {
      key: file.toString('utf16le', HEADER_SIZE, ownerStart),
      ownerId: hasOwner ? file.toString('utf16le', ownerStart, payloadStart) : null,
      version,
      expiresAt,
      // A plain Uint8Array copy: callers get neither a Buffer nor a view that pins the file buffer.
      payload: new Uint8Array(file.subarray(payloadStart, payloadEnd)),
      details,
      activeAt,
    },
  };
}

function bad(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
