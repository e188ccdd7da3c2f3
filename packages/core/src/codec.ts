/**
 * Codecs turn a session body into bytes and back. The envelope header records the codec id of
 * every payload, so a payload stays readable after the configured codec changes.
 *
 * jsonCodec writes JSON in which values that JSON cannot express become tagged objects with a
 * single `$` key: `{"$":"Date","v":1700000000000}`. A user object that happens to own a `$` key
 * is itself wrapped (`{"$":"obj","v":{...}}`), so user data can never be mistaken for a tag.
 */

import { fromBase64url, fromUtf8, toBase64url, utf8 } from './encoding';

/** Turns a session body into bytes and back. id is recorded in the envelope header. */
export interface Codec {
  /**
   * Recorded in every payload's header; never reuse an id for another format. 1..127 are
   * reserved for sessionkit's own codecs; custom codecs use 128..255.
   */
  readonly id: number;
  /** For error messages. */
  readonly name: string;
  /** Throws (a TypeError, by convention) for values the codec cannot round-trip. */
  encode(value: unknown): Uint8Array;
  /** Throws for bytes it did not produce; the envelope reports that as SessionPayloadError. */
  decode(bytes: Uint8Array): unknown;
}

/** The lowest id a custom codec may use; lower ids are reserved for sessionkit. */
export const CUSTOM_CODEC_MIN_ID = 128;
/** The highest codec id (the header stores it in one byte). */
export const CODEC_MAX_ID = 255;

const TAG = '$';

type BinaryConstructor =
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int8ArrayConstructor
  | Uint16ArrayConstructor
  | Int16ArrayConstructor
  | Uint32ArrayConstructor
  | Int32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigUint64ArrayConstructor
  | BigInt64ArrayConstructor;

const BINARY_TYPES: ReadonlyMap<string, BinaryConstructor> = new Map<string, BinaryConstructor>([
  ['Uint8Array', Uint8Array],
  ['Uint8ClampedArray', Uint8ClampedArray],
  ['Int8Array', Int8Array],
  ['Uint16Array', Uint16Array],
  ['Int16Array', Int16Array],
  ['Uint32Array', Uint32Array],
  ['Int32Array', Int32Array],
  ['Float32Array', Float32Array],
  ['Float64Array', Float64Array],
  ['BigUint64Array', BigUint64Array],
  ['BigInt64Array', BigInt64Array],
]);
const BINARY_BY_PROTOTYPE = new Map<object, string>(
  [...BINARY_TYPES].map(([name, ctor]) => [ctor.prototype as object, name]),
);

// Multi-byte typed arrays are written little-endian whatever the host, so a payload written on
// one machine reads the same on any other.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

function viewBytes(view: ArrayBufferView): Uint8Array {
  const width = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (width === 1 || LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, width);
  return copy;
}

/** Own data property, even for the key `__proto__` (plain assignment would set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

function tagged(tag: string, v: unknown): Record<string, unknown> {
  return { [TAG]: tag, v };
}

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? `an instance of ${ctor.name}` : 'an object';
}

/**
 * Containers (objects, arrays, Maps, Sets) nested deeper than this are refused on both sides:
 * the walk is recursive, and a crafted payload must fail with a clear error, not exhaust the
 * stack of whatever request happens to load it.
 */
export const MAX_NESTING_DEPTH = 512;

class Encoder {
  /** Keys from the root to the value being encoded; left in place on a throw, for the message. */
  private readonly path: (string | number)[] = [];
  /** Objects currently being encoded above this one: meeting one again means a cycle. */
  private readonly ancestors = new Set<object>();

  fail(reason: string): never {
    const where = this.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
    throw new TypeError(`jsonCodec cannot encode the value at $${where}: ${reason}`);
  }

  // Kept to two stack frames per nesting level (encode -> encodeObject), which is what bounds
  // the depth a session can have.
  encode(value: unknown): unknown {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        // JSON would turn NaN and ±Infinity into null and -0 into 0: a silent lost write.
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return tagged('num', Object.is(value, -0) ? '-0' : String(value));
      case 'bigint':
        return tagged('big', value.toString());
      case 'undefined':
        return { [TAG]: 'undef' };
      case 'object': {
        if (value === null) return null;
        if (this.ancestors.has(value)) this.fail('circular reference');
        if (this.ancestors.size >= MAX_NESTING_DEPTH)
          this.fail(`nested deeper than ${MAX_NESTING_DEPTH} levels`);
        this.ancestors.add(value);
        const out = this.encodeObject(value);
        this.ancestors.delete(value);
        return out;
      }
      default:
        return this.fail(`${describe(value)} cannot be stored in a session`);
    }
  }

  private encodeObject(value: object): unknown {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null)
      return this.encodePlain(value as Record<string, unknown>);
    if (proto === Array.prototype) {
      const array = value as unknown[];
      const out = new Array<unknown>(array.length);
      // Holes read as undefined, so a sparse array comes back dense.
      for (let i = 0; i < array.length; i++) {
        this.path.push(i);
        out[i] = this.encode(array[i]);
        this.path.pop();
      }
      return out;
    }
    if (proto === Date.prototype) {
      const time = (value as Date).getTime();
      return tagged('Date', Number.isNaN(time) ? null : time);
    }
    if (proto === Map.prototype) {
      const entries: unknown[] = [];
      for (const [k, v] of value as Map<unknown, unknown>) {
        this.path.push(entries.length);
        entries.push([this.encode(k), this.encode(v)]);
        this.path.pop();
      }
      return tagged('Map', entries);
    }
    if (proto === Set.prototype) {
      const items: unknown[] = [];
      for (const item of value as Set<unknown>) {
        this.path.push(items.length);
        items.push(this.encode(item));
        this.path.pop();
      }
      return tagged('Set', items);
    }
    if (proto === ArrayBuffer.prototype) {
      return tagged('ArrayBuffer', toBase64url(new Uint8Array(value as ArrayBuffer)));
    }
    const binary = BINARY_BY_PROTOTYPE.get(proto as object);
    if (binary !== undefined) return tagged(binary, toBase64url(viewBytes(value as ArrayBufferView)));
    if (value instanceof Uint8Array) {
      // Node's Buffer would come back as a plain Uint8Array whose toString() differs: refuse.
      this.fail(`${describe(value)} would come back as a plain Uint8Array; store new Uint8Array(value)`);
    }
    return this.fail(
      `${describe(value)} cannot round-trip; store plain objects, arrays, strings, numbers, ` +
        'booleans, null, undefined, bigint, Date, Map, Set, ArrayBuffer and typed arrays',
    );
  }

  private encodePlain(value: Record<string, unknown>): unknown {
    if (
      Object.getOwnPropertySymbols(value).some((s) => Object.prototype.propertyIsEnumerable.call(value, s))
    ) {
      this.fail('symbol keys cannot be stored in a session');
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      this.path.push(key);
      setOwn(out, key, this.encode(value[key]));
      this.path.pop();
    }
    // A user object with a `$` key would read back as a tag: wrap it so it cannot.
    return Object.hasOwn(out, TAG) ? tagged('obj', out) : out;
  }
}

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
function decodeNode(node: unknown, depth: number): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (depth >= MAX_NESTING_DEPTH) malformed(`nested deeper than ${MAX_NESTING_DEPTH} levels`);
  if (Array.isArray(node)) return decodeArray(node, depth + 1);
  const record = node as Record<string, unknown>;
  return Object.hasOwn(record, TAG) ? decodeTag(record, depth + 1) : decodePlain(record, depth + 1);
}

function decodeArray(items: unknown[], depth: number): unknown[] {
  const out = new Array<unknown>(items.length);
  for (let i = 0; i < items.length; i++) out[i] = decodeNode(items[i], depth);
  return out;
}

function decodePlain(record: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setOwn(out, key, decodeNode(record[key], depth));
  return out;
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

/**
 * The default codec (id 1): JSON extended so that session data comes back exactly as written.
 *
 * Round-trips: plain objects (null-prototype objects come back with Object.prototype), arrays
 * (holes come back as undefined), strings, booleans, null, all numbers including NaN, ±Infinity
 * and -0, undefined (as a property, array item, Map value or the whole value), bigint, Date
 * (invalid dates included), Map, Set, ArrayBuffer and every typed array. Shared references are
 * written once per occurrence, so identity between them is not kept.
 *
 * Throws a TypeError naming the path (`$.user.avatar`) for anything else: functions, symbols,
 * symbol keys, circular references, nesting deeper than {@link MAX_NESTING_DEPTH} and class instances, including subclasses of supported types
 * such as Node's Buffer. Decoding never calls a setter and never changes a prototype: a
 * `__proto__` key becomes an ordinary own property.
 *
 * @example
 * const bytes = jsonCodec.encode({ at: new Date(), roles: new Set(['admin']) });
 * const body = jsonCodec.decode(bytes); // the same Date and Set back
 */
export const jsonCodec: Codec = Object.freeze({
  id: 1,
  name: 'json',
  encode(value: unknown): Uint8Array {
    return utf8(JSON.stringify(new Encoder().encode(value)));
  },
  decode(bytes: Uint8Array): unknown {
    // JSON.parse creates `__proto__` as an own property; decodeNode keeps it that way.
    return decodeNode(JSON.parse(fromUtf8(bytes)), 0);
  },
});

/** Codecs that ship with sessionkit, by id: the only ones allowed below CUSTOM_CODEC_MIN_ID. */
export const BUILTIN_CODECS: ReadonlyMap<number, Codec> = new Map([[jsonCodec.id, jsonCodec]]);
