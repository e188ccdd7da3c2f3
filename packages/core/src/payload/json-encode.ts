/** jsonCodec's encoder: session data to tagged JSON, refusing what could not come back. */

import { toBase64url } from './encoding';
import { BINARY_BY_PROTOTYPE, MAX_NESTING_DEPTH, setOwn, TAG, tagged, viewBytes } from './json-tags';

function describe(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  const ctor = (value as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? `an instance of ${ctor.name}` : 'an object';
}

/**
 * True when `JSON.stringify(value)` writes exactly what the Encoder's output would: only
 * strings, booleans, null, finite numbers other than -0, arrays without holes or undefined
 * items, and plain objects without a `$` key, symbol keys or undefined values, nested less than
 * MAX_NESTING_DEPTH deep. Most sessions are such data, and this check allocates nothing, where
 * the Encoder copies every object. Anything else (a cycle included: it runs into the depth
 * limit) goes to the Encoder, which tags it or refuses it with the path in the message.
 */
export function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= MAX_NESTING_DEPTH) return false;
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto === Array.prototype) {
        const array = value as unknown[];
        for (let i = 0; i < array.length; i++) if (!isPlainJson(array[i], depth + 1)) return false;
        return true;
      }
      if ((proto !== Object.prototype && proto !== null) || Object.hasOwn(value, TAG)) return false;
      if (Object.getOwnPropertySymbols(value).length > 0) return false;
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) if (!isPlainJson(record[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

export class Encoder {
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
