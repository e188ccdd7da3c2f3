import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonCodec, MAX_NESTING_DEPTH } from '../src/payload/codec';
import { utf8 } from '../src/payload/encoding';
import { Encoder, isPlainJson } from '../src/payload/json-encode';

const roundTrip = (value: unknown): unknown => jsonCodec.decode(jsonCodec.encode(value));
const decodeText = (text: string): unknown => jsonCodec.decode(utf8(text));
const encodedText = (value: unknown): string => new TextDecoder().decode(jsonCodec.encode(value));

describe('jsonCodec round-trips', () => {
  it('has the reserved id 1', () => {
    expect(jsonCodec.id).toBe(1);
    expect(jsonCodec.name).toBe('json');
  });

  it.each([
    ['null', null],
    ['true', true],
    ['false', false],
    ['empty string', ''],
    ['unicode string', 'héllo wörld — 日本語 🎉'],
    ['lone surrogate', 'a\ud800b'],
    ['zero', 0],
    ['integer', 42],
    ['max safe integer', Number.MAX_SAFE_INTEGER],
    ['float', -1234.5678],
    ['tiny float', Number.MIN_VALUE],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['-0', -0],
    ['bigint', 123_456_789_012_345_678_901_234_567_890n],
    ['negative bigint', -9_007_199_254_740_993n],
    ['zero bigint', 0n],
    ['undefined (whole value)', undefined],
    ['Date', new Date('2024-02-29T12:34:56.789Z')],
    ['Date before 1970', new Date(-86_400_000 * 365 * 100)],
    [
      'Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, 'b'],
        [{ k: 1 }, [1, 2]],
        [null, undefined],
      ]),
    ],
    ['Set', new Set<unknown>(['a', 1, { x: 1 }, null, undefined])],
    ['empty Map and Set', [new Map(), new Set()]],
    ['Uint8Array', new Uint8Array([0, 1, 127, 128, 255])],
    ['empty Uint8Array', new Uint8Array()],
    ['ArrayBuffer', new Uint8Array([9, 8, 7]).buffer],
    ['Uint8ClampedArray', new Uint8ClampedArray([0, 255])],
    ['Int8Array', new Int8Array([-128, 127])],
    ['Uint16Array', new Uint16Array([0, 65535, 258])],
    ['Int16Array', new Int16Array([-32768, 32767])],
    ['Uint32Array', new Uint32Array([0, 4294967295])],
    ['Int32Array', new Int32Array([-2147483648, 2147483647])],
    ['Float32Array', new Float32Array([1.5, Number.NaN, -0])],
    ['Float64Array', new Float64Array([Math.PI, Number.NEGATIVE_INFINITY])],
    ['BigInt64Array', new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n])],
    ['BigUint64Array', new BigUint64Array([0n, 2n ** 64n - 1n])],
    ['undefined as property', { a: undefined, b: 1 }],
    ['undefined in array', [undefined, 1, undefined]],
    [
      'nested everything',
      { u: { m: new Map([['s', new Set([new Date(0), 1n])]]) }, list: [[{ b: new Uint8Array([1]) }]] },
    ],
  ])('%s', (_name, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it('keeps -0 distinct from 0', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(Object.is(roundTrip(0), 0)).toBe(true);
  });

  it('keeps an invalid Date invalid', () => {
    const out = roundTrip({ at: new Date(Number.NaN) }) as { at: Date };
    expect(out.at).toBeInstanceOf(Date);
    expect(Number.isNaN(out.at.getTime())).toBe(true);
  });

  it('encodes only the bytes a typed array view covers, and returns an aligned copy', () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const view = new Uint16Array(backing.buffer, 2, 2);
    const out = roundTrip(view) as Uint16Array;
    expect(out).toStrictEqual(new Uint16Array([view[0] as number, view[1] as number]));
    expect(out.byteOffset).toBe(0);
    expect(out.buffer.byteLength).toBe(4);
  });

  it('writes multi-byte typed arrays little-endian', () => {
    expect(encodedText(new Uint16Array([0x0102]))).toBe('{"$":"Uint16Array","v":"AgE"}');
  });

  it('turns array holes into undefined items and null-prototype objects into plain ones', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point of the test
    expect(roundTrip([1, , 3])).toStrictEqual([1, undefined, 3]);
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(roundTrip(bare)).toStrictEqual({ a: 1 });
  });

  it('writes shared (non-circular) references once per occurrence', () => {
    const shared = { n: 1 };
    const out = roundTrip({ a: shared, b: shared, c: [shared, shared] }) as Record<string, unknown>;
    expect(out).toStrictEqual({ a: { n: 1 }, b: { n: 1 }, c: [{ n: 1 }, { n: 1 }] });
  });

  const nest = (levels: number): unknown => {
    let deep: unknown = 'leaf';
    for (let i = 1; i < levels; i++) {
      deep = [[deep], { k: deep }, new Map([[i, deep]]), new Set([deep]), { $: deep }][i % 5];
    }
    return [deep];
  };

  it(`survives nesting up to MAX_NESTING_DEPTH (${MAX_NESTING_DEPTH}) containers`, () => {
    const deep = nest(MAX_NESTING_DEPTH);
    expect(roundTrip(deep)).toStrictEqual(deep);
  });

  it('refuses deeper nesting with a TypeError, on encode and on decode', () => {
    expect(() => jsonCodec.encode(nest(MAX_NESTING_DEPTH + 1))).toThrow(/nested deeper than 512 levels/);
    const crafted = '['.repeat(MAX_NESTING_DEPTH + 1) + ']'.repeat(MAX_NESTING_DEPTH + 1);
    expect(() => decodeText(crafted)).toThrow(/nested deeper than 512 levels/);
    expect(decodeText('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH))).toBeInstanceOf(Array);
  });

  it('round-trips arbitrary generated values', () => {
    const key = fc.oneof(fc.string(), fc.constantFrom('$', 'v', '__proto__', 'toString'));
    const leaf = fc.oneof(
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.bigInt(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.date({ noInvalidDate: true }),
      fc.uint8Array(),
      fc.int32Array(),
      fc.float64Array(),
      fc.bigInt64Array(),
    );
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        tie('array'),
        tie('object'),
        tie('map'),
        tie('set'),
      ),
      array: fc.array(tie('value'), { maxLength: 5 }),
      object: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
      map: fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 4 }).map((e) => new Map(e)),
      set: fc.array(tie('value'), { maxLength: 4 }).map((items) => new Set(items)),
    }));
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toStrictEqual(v);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('jsonCodec tag collisions', () => {
  it.each([
    ['a Date look-alike', { $: 'Date', v: 1 }],
    ['an undefined look-alike', { $: 'undef' }],
    ['an obj look-alike', { $: 'obj', v: { a: 1 } }],
    ['a Map look-alike', { $: 'Map', v: [[1, 2]] }],
    ['a Uint8Array look-alike', { $: 'Uint8Array', v: 'AQI' }],
    ['a num look-alike', { $: 'num', v: 'NaN' }],
    ['a $ key with other data', { $: 1, user: 'ann', v: null }],
    ['a $ key holding a tag', { $: { $: 'Date', v: 0 } }],
    ['nested look-alikes', { a: [{ $: 'Set', v: [] }], m: new Map([['$', { $: 'big', v: '1' }]]) }],
  ])('%s stays a plain object', (_name, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });

  it('keeps a "$"-keyed object as the same plain object, not a Date', () => {
    const out = roundTrip({ $t: 'Date', v: 1, $: 'Date' });
    expect(out).not.toBeInstanceOf(Date);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out).toStrictEqual({ $t: 'Date', v: 1, $: 'Date' });
  });
});

describe('jsonCodec rejects values that cannot round-trip', () => {
  class Point {
    x = 1;
  }
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const circularArray: unknown[] = [];
  circularArray.push({ back: circularArray });
  const circularMap = new Map<string, unknown>();
  circularMap.set('me', circularMap);

  it.each([
    ['a function', { f: () => 1 }, /\$\.f: a function/],
    ['a symbol value', { s: Symbol('x') }, /\$\.s: a symbol/],
    ['a symbol key', { [Symbol('k')]: 1 }, /symbol keys/],
    ['a class instance', { p: new Point() }, /\$\.p: an instance of Point/],
    ['a RegExp', [/x/], /\$\[0\]: an instance of RegExp/],
    ['an Error', { e: new Error('x') }, /instance of Error/],
    ['a Promise', { p: Promise.resolve() }, /instance of Promise/],
    ['a WeakMap', { w: new WeakMap() }, /instance of WeakMap/],
    ['a boxed string', { s: new String('x') }, /instance of String/],
    ['a Buffer', { b: Buffer.from('x') }, /instance of Buffer.*new Uint8Array/],
    ['a DataView', { d: new DataView(new ArrayBuffer(2)) }, /instance of DataView/],
    ['an Array subclass', { a: new (class Stack extends Array {})() }, /instance of Stack/],
    ['a circular object', circular, /\$\.self: circular reference/],
    ['a circular array', circularArray, /\$\[0\]\.back: circular reference/],
    ['a circular Map', circularMap, /circular reference/],
    ['a deep path', { a: { b: [0, { c: () => 0 }] } }, /\$\.a\.b\[1\]\.c: a function/],
    ['a function inside a Set', new Set([() => 0]), /a function/],
  ])('%s', (_name, value, message) => {
    expect(() => jsonCodec.encode(value)).toThrow(TypeError);
    expect(() => jsonCodec.encode(value)).toThrow(message);
  });

  it('rejects a top-level function', () => {
    expect(() => jsonCodec.encode(() => 1)).toThrow(/value at \$: a function/);
  });
});

describe('jsonCodec decode safety', () => {
  it('turns a __proto__ key into an own data property, never a prototype', () => {
    for (const text of [
      '{"__proto__":{"polluted":true}}',
      '{"$":"obj","v":{"$":1,"__proto__":{"polluted":true}}}',
      '[{"__proto__":{"polluted":true}}]',
      '{"$":"Map","v":[["k",{"__proto__":{"polluted":true}}]]}',
    ]) {
      const out = decodeText(text);
      const target = (Array.isArray(out) ? out[0] : out instanceof Map ? out.get('k') : out) as object;
      expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
      expect(Object.hasOwn(target, '__proto__')).toBe(true);
      expect((target as { polluted?: unknown }).polluted).toBeUndefined();
      expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
      expect(Object.prototype).not.toHaveProperty('polluted');
    }
  });

  it('round-trips a user object that owns a __proto__ key', () => {
    const value = JSON.parse('{"__proto__":{"x":1},"y":2}') as object;
    const out = roundTrip(value) as object;
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toStrictEqual({ x: 1 });
  });

  it('does not let constructor.prototype keys reach a real prototype', () => {
    const out = decodeText('{"constructor":{"prototype":{"polluted":true}}}') as Record<string, unknown>;
    expect(out.constructor).toStrictEqual({ prototype: { polluted: true } });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it.each([
    ['unknown tag', '{"$":"Regexp","v":"x"}'],
    ['tag with extra keys', '{"$":"Date","v":1,"w":2}'],
    ['tag without v', '{"$":"Date"}'],
    ['undef with extra keys', '{"$":"undef","v":1}'],
    ['bad number tag', '{"$":"num","v":"1"}'],
    ['bad bigint', '{"$":"big","v":"1.5"}'],
    ['bad Date', '{"$":"Date","v":"2020"}'],
    ['bad Map', '{"$":"Map","v":[[1]]}'],
    ['bad Set', '{"$":"Set","v":{}}'],
    ['bad obj', '{"$":"obj","v":[1]}'],
    ['bad base64url', '{"$":"Uint8Array","v":"***"}'],
    ['misaligned typed array', '{"$":"Uint32Array","v":"AQI"}'],
    ['non-string tag', '{"$":5,"v":1}'],
  ])('rejects a malformed tag: %s', (_name, text) => {
    expect(() => decodeText(text)).toThrow(TypeError);
  });

  it('rejects invalid UTF-8 and invalid JSON', () => {
    expect(() => jsonCodec.decode(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow(TypeError);
    expect(() => decodeText('{"a":')).toThrow(SyntaxError);
  });
});

describe('jsonCodec plain-data fast path', () => {
  const viaEncoder = (value: unknown) => JSON.stringify(new Encoder().encode(value));

  it('writes exactly what the Encoder writes, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(new TextDecoder().decode(jsonCodec.encode(value))).toBe(viaEncoder(value));
      }),
    );
  });

  it('takes plain data and leaves everything JSON would change to the Encoder', () => {
    expect(isPlainJson({ user: 'u1', cart: [{ sku: 'a', qty: 2 }], ok: true, none: null }, 0)).toBe(true);
    const symbolKeyed = { a: 1, [Symbol('s')]: 2 };
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [
      { a: undefined },
      new Array(3), // holes
      [undefined],
      { n: -0 },
      { n: Number.NaN },
      { n: Number.POSITIVE_INFINITY },
      { $: 'Date', v: 1 },
      symbolKeyed,
      cyclic,
      { d: new Date(0) },
      { m: new Map() },
      { b: 1n },
      Object.create({ inherited: 1 }),
    ]) {
      expect(isPlainJson(value, 0)).toBe(false);
    }
    // Each still encodes (or is refused) through the Encoder, as before.
    expect(() => jsonCodec.encode(cyclic)).toThrow(/\$\.self: circular reference/);
    expect(jsonCodec.decode(jsonCodec.encode({ a: undefined, n: -0 }))).toEqual({ a: undefined, n: -0 });
  });

  it('decodes in place without changing what it returns', () => {
    const body = { c: 1, d: { user: 'u1', when: new Date(5), nested: [{ $: 'x' }, [1, 2]] }, f: {} };
    expect(jsonCodec.decode(jsonCodec.encode(body))).toEqual(body);
  });
});
