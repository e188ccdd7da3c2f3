/**
 * On-disk record format, version 1. Integers are big-endian.
 *
 * | offset | size | field |
 * |---|---|---|
 * | 0 | 4 | magic `SKFS` |
 * | 4 | 1 | format version (1) |
 * | 5 | 1 | flags: bit 0 set when an owner is stored; other bits 0 |
 * | 6 | 2 | reserved, 0 |
 * | 8 | 8 | record version, float64 |
 * | 16 | 8 | expiresAt, float64 epoch ms |
 * | 24 | 4 | key length in bytes |
 * | 28 | 4 | owner length in bytes |
 * | 32 | 4 | payload length in bytes |
 * | 36 | … | key (UTF-16LE), owner (UTF-16LE), payload |
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

/** A record as stored, expired or not. */
export interface DecodedRecord {
  key: string;
  ownerId: string | null;
  version: number;
  expiresAt: number;
  payload: Uint8Array;
}

/** The fixed-size part of a record. */
export interface DecodedHeader {
  hasOwner: boolean;
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
  record: { payload: Uint8Array; version: number; expiresAt: number; ownerId: string | null },
): Buffer {
  const keyBytes = Buffer.from(key, 'utf16le');
  const ownerBytes = record.ownerId === null ? Buffer.alloc(0) : Buffer.from(record.ownerId, 'utf16le');
  const out = Buffer.allocUnsafe(HEADER_SIZE + keyBytes.length + ownerBytes.length + record.payload.length);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt8(FORMAT_VERSION, 4);
  out.writeUInt8(record.ownerId === null ? 0 : FLAG_OWNER, 5);
  out.writeUInt16BE(0, 6);
  out.writeDoubleBE(record.version, 8);
  out.writeDoubleBE(record.expiresAt, 16);
  out.writeUInt32BE(keyBytes.length, 24);
  out.writeUInt32BE(ownerBytes.length, 28);
  out.writeUInt32BE(record.payload.length, 32);
  let offset = HEADER_SIZE;
  offset += keyBytes.copy(out, offset);
  offset += ownerBytes.copy(out, offset);
  out.set(record.payload, offset);
  return out;
}

/** Validates the fixed header against the size of the whole file. */
export function decodeHeader(head: Buffer, fileSize: number): Decoded<DecodedHeader> {
  if (head.length < HEADER_SIZE || fileSize < HEADER_SIZE) return bad(`too short (${fileSize} bytes)`);
  if (head.toString('latin1', 0, 4) !== MAGIC) return bad('not a sessionkit record (bad magic)');
  if (head.readUInt8(4) !== FORMAT_VERSION) return bad(`unknown format version ${head.readUInt8(4)}`);
  const flags = head.readUInt8(5);
  if ((flags & ~FLAG_OWNER) !== 0 || head.readUInt16BE(6) !== 0) return bad('unknown flags');
  const version = head.readDoubleBE(8);
  const expiresAt = head.readDoubleBE(16);
  if (!Number.isSafeInteger(version)) return bad('version is not an integer');
  if (Number.isNaN(expiresAt)) return bad('expiresAt is not a number');
  const keyLength = head.readUInt32BE(24);
  const ownerLength = head.readUInt32BE(28);
  const payloadLength = head.readUInt32BE(32);
  const hasOwner = (flags & FLAG_OWNER) !== 0;
  if (keyLength % 2 !== 0 || ownerLength % 2 !== 0) return bad('odd string length');
  if (!hasOwner && ownerLength !== 0) return bad('owner bytes without the owner flag');
  const expected = HEADER_SIZE + keyLength + ownerLength + payloadLength;
  if (expected !== fileSize) return bad(`size ${fileSize} does not match the header (${expected})`);
  return { ok: true, value: { hasOwner, version, expiresAt, keyLength, ownerLength, payloadLength } };
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
  const { keyLength, ownerLength, hasOwner, version, expiresAt } = header.value;
  const ownerStart = HEADER_SIZE + keyLength;
  const payloadStart = ownerStart + ownerLength;
  return {
    ok: true,
    value: {
      key: file.toString('utf16le', HEADER_SIZE, ownerStart),
      ownerId: hasOwner ? file.toString('utf16le', ownerStart, payloadStart) : null,
      version,
      expiresAt,
      // A plain Uint8Array copy: callers get neither a Buffer nor a view that pins the file buffer.
      payload: new Uint8Array(file.subarray(payloadStart)),
    },
  };
}

function bad(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
