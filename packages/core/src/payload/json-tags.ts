/**
 * The tagged-JSON vocabulary jsonCodec writes and reads: values that JSON cannot express become
 * objects with a single `$` key (`{"$":"Date","v":1700000000000}`), and the helpers both
 * directions share.
 */

export const TAG = '$';

export type BinaryConstructor =
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

export const BINARY_TYPES: ReadonlyMap<string, BinaryConstructor> = new Map<string, BinaryConstructor>([
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
export const BINARY_BY_PROTOTYPE = new Map<object, string>(
  [...BINARY_TYPES].map(([name, ctor]) => [ctor.prototype as object, name]),
);

// Multi-byte typed arrays are written little-endian whatever the host, so a payload written on
// one machine reads the same on any other.
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function swapBytes(bytes: Uint8Array, width: number): void {
  for (let i = 0; i < bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

export function viewBytes(view: ArrayBufferView): Uint8Array {
  const width = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (width === 1 || LITTLE_ENDIAN) return bytes;
  const copy = bytes.slice();
  swapBytes(copy, width);
  return copy;
}

/** Own data property, even for the key `__proto__` (plain assignment would set the prototype). */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

export function tagged(tag: string, v: unknown): Record<string, unknown> {
  return { [TAG]: tag, v };
}

/**
 * Containers (objects, arrays, Maps, Sets) nested deeper than this are refused on both sides:
 * the walk is recursive, and a crafted payload must fail with a clear error, not exhaust the
 * stack of whatever request happens to load it.
 */
export const MAX_NESTING_DEPTH = 512;
