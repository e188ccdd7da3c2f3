/**
 * Codecs turn a session body into bytes and back. The envelope header records the codec id of
 * every payload, so a payload stays readable after the configured codec changes.
 *
 * jsonCodec writes JSON in which values that JSON cannot express become tagged objects with a
 * single `$` key: `{"$":"Date","v":1700000000000}`. A user object that happens to own a `$` key
 * is itself wrapped (`{"$":"obj","v":{...}}`), so user data can never be mistaken for a tag.
 */

import { fromUtf8, utf8, utf8After } from './encoding';
import { decodeNode } from './json-decode';
import { Encoder, isPlainJson } from './json-encode';
import { MAX_NESTING_DEPTH } from './json-tags';

export { MAX_NESTING_DEPTH };

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
    return utf8(jsonText(value));
  },
  decode(bytes: Uint8Array): unknown {
    // JSON.parse creates `__proto__` as an own property; decodeNode keeps it that way.
    return decodeNode(JSON.parse(fromUtf8(bytes)), 0);
  },
});

/** Codecs that ship with sessionkit, by id: the only ones allowed below CUSTOM_CODEC_MIN_ID. */
function jsonText(value: unknown): string {
  // Plain JSON data needs no tagging pass: JSON.stringify gives the same text (json-encode.ts).
  return JSON.stringify(isPlainJson(value, 0) ? value : new Encoder().encode(value));
}

/** jsonCodec.encode's bytes after `room` free bytes, for the envelope's header: one buffer. */
export function encodeJsonAfter(room: number, value: unknown): Uint8Array {
  return utf8After(room, jsonText(value));
}

export const BUILTIN_CODECS: ReadonlyMap<number, Codec> = new Map([[jsonCodec.id, jsonCodec]]);
