/** jsonCodec's decoder: tagged JSON back to session data, rejecting anything malformed. */

import { fromBase64url } from './encoding';
import { BINARY_TYPES, LITTLE_ENDIAN, MAX_NESTING_DEPTH, setOwn, swapBytes, TAG } from './json-tags';

function malformed(reason: string): never {
  throw new TypeError(`jsonCodec cannot decode the payload: ${reason}`);
}

const SPECIAL_NUMBERS: Readonly<Record<string, number>> = {
  '-0': -0,
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** Decodes a JSON node; `depth` counts the containers above it, as the encoder did. */
export function decodeNode(node: unknown, depth: number): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (depth >= MAX_NESTING_DEPTH) malformed(`nested deeper than ${MAX_NESTING_DEPTH} levels`);
  if (Array.isArray(node)) return decodeArray(node, depth + 1);
  const record = node as Record<string, unknown>;
  return Object.hasOwn(record, TAG) ? decodeTag(record, depth + 1) : decodePlain(record, depth + 1);
}

// In place: the nodes come straight from JSON.parse and nothing else holds them, so a plain
// session (no tags) decodes without a single copy.
function decodeArray(items: unknown[], depth: number): unknown[] {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (typeof item === 'object' && item !== null) items[i] = decodeNode(item, depth);
  }
  return items;
}

function decodePlain(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (typeof value !== 'object' || value === null) continue;
    const decoded = decodeNode(value, depth);
    if (decoded !== value) setOwn(record, key, decoded);
  }
  return record;
}

function binaryValue(tag: string, v: unknown): Uint8Array {
  const bytes = typeof v === 'string' ? fromBase64url(v) : null;
  return bytes ?? malformed(`${tag} tag without base64url bytes`);
}

function decodeTag(record: Record<string, unknown>, depth: number): unknown {
  const tag = record[TAG];
  const keys = Object.keys(record);
  if (tag === 'undef') return keys.length === 1 ? undefined : malformed('undef tag with extra keys');
  if (keys.length !== 2 || !Object.hasOwn(record, 'v'))
    malformed(`tag ${String(tag)} must have exactly $ and v`);
  const v = record.v;
  switch (tag) {
    case 'obj':
      if (typeof v !== 'object' || v === null || Array.isArray(v)) malformed('obj tag without an object');
      return decodePlain(v as Record<string, unknown>, depth);
    case 'num':
      if (typeof v === 'string' && Object.hasOwn(SPECIAL_NUMBERS, v)) return SPECIAL_NUMBERS[v];
      return malformed('num tag with an unknown value');
    case 'big':
      if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
      return malformed('big tag without an integer string');
    case 'Date':
      if (v === null || typeof v === 'number') return new Date(v ?? Number.NaN);
      return malformed('Date tag without a time value');
    case 'Map': {
      if (!Array.isArray(v)) malformed('Map tag without entries');
      const map = new Map<unknown, unknown>();
      for (const entry of v as unknown[]) {
        if (!Array.isArray(entry) || entry.length !== 2) malformed('Map entry is not a [key, value] pair');
        map.set(decodeNode(entry[0], depth), decodeNode(entry[1], depth));
      }
      return map;
    }
    case 'Set':
      if (!Array.isArray(v)) malformed('Set tag without items');
      return new Set(decodeArray(v, depth));
    case 'ArrayBuffer': {
      const bytes = binaryValue(tag, v);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    }
    default: {
      const ctor = typeof tag === 'string' ? BINARY_TYPES.get(tag) : undefined;
      if (ctor === undefined) return malformed(`unknown tag ${JSON.stringify(tag)}`);
      // A fresh copy: its own buffer at offset 0, so every element width is aligned.
      const bytes = binaryValue(tag as string, v).slice();
      const width = ctor.BYTES_PER_ELEMENT;
      if (bytes.length % width !== 0) malformed(`${tag} byte length is not a multiple of ${width}`);
      if (!LITTLE_ENDIAN && width > 1) swapBytes(bytes, width);
      return new ctor(bytes.buffer, 0, bytes.length / width);
    }
  }
}
