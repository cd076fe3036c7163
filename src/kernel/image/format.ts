// The heap snapshot format, shared by snapshot-encode.ts and snapshot-decode.ts. It is stored in
// image files, so changing its meaning needs a new `version`.
//
// An EncodedHeap is plain JSON data:
//
//   { version: 1,
//     roots:   [[name, value], ...],        the named roots, in the order given
//     shapes:  [{ k: [key, ...], ... }],    property layouts shared by many objects
//     objects: [record, ...],               one record per object; an object's id is its index
//     locked:  [id, level, ...] }           1 preventExtensions, 2 seal, 3 freeze (applied last)
//
// For example `const a = { id: 1, tags: ['x', -2] }; a.self = a`, saved as root 'a', is
//
//   { "version": 1, "roots": [["a", -1]], "shapes": [{ "k": ["id", "tags", "self"] }],
//     "objects": [[0, 1, -2, -1], ["A", "x", [-2]]], "locked": [] }
//
// A value (a root, a property, an element, a Map key or value, a Set member) is
//
//   string, true, false, null      itself
//   number >= 0 (finite, not -0)   itself
//   number < 0                     a reference to object id -1 - n (so -1 is object 0)
//   [n]                            the negative number n
//   ['u']                          undefined
//   ['NaN'] ['Infinity'] ['-Infinity'] ['-0']
//   ['n', '123']                   a BigInt, in decimal
//   ['y', 'k']                     Symbol.for('k')
//   ['w', 'iterator']              a well-known symbol: Symbol.iterator
//   ['f', 'name']                  the image definition (stable function or class) `name`
//   ['t']                          a transient value; it decodes as undefined and the kernel
//                                  rebuilds it (by definition name or by the class's list)
//
// A record is an array. If its first element is a number s, it is an object laid out by shape s:
// its values follow in the order of the shape's keys, then the values of the shape's private
// names. Otherwise the first element is a tag:
//
//   [s, v...]                         shape s: ordinary object, null-prototype object,
//                                     image-class instance or Error (see Shape)
//   ['A', v...]                       dense array without extra properties
//   ['A+', length, s, v...]           any other array: holes are absent keys of shape s, which
//                                     may also hold non-index keys
//   ['M', [k, v, k, v...], P]         Map (entries in insertion order)
//   ['S', [v...], P]                  Set
//   ['D', time, P]                    Date (time is ['NaN'] for an invalid date)
//   ['R', source, flags, lastIndex, P] RegExp
//   ['B', base64, maxByteLength, P]   ArrayBuffer; maxByteLength is null unless it is resizable
//   ['Uint8Array', buffer, byteOffset, length, P]   every typed array kind, by constructor name;
//                                     buffer is a reference to a 'B' record; the length is
//                                     fixed, so a length-tracking view comes back fixed
//   ['DataView', buffer, byteOffset, byteLength, P]
//
// P is optional: extra own properties, as a shape id followed by that shape's values.
//
// Shape keys are strings, or symbols written as the value encoding above (['y', k], ['w', name]).
// Optional shape fields: c, the image class name (the instance comes from the kernel); e, the
// built-in Error constructor name; n: 1, a null prototype; p, private names ('#x'), whose values
// follow the own values (names as the kernel's privateFields hook gave them); h, the keys among
// k that are non-enumerable (image instances and Errors). An Error's `stack`, an accessor in V8,
// is saved as its value and comes back as a non-enumerable data property.
import {
  safe,
  RealMap,
  RealSet,
  ArrayBuffer,
  DataView,
  Date,
  Error,
  Int16Array,
  Map,
  Math,
  Object,
  RegExp,
  Set,
  String,
  Symbol,
  Uint8Array,
  globalThis,
} from '../primordials.ts';
import { $apply, $charCodeAt } from '../primordials-methods.ts';

export const FORMAT_VERSION = 1;

export type EncodedKey = string | unknown[];
export type EncodedValue = string | number | boolean | null | unknown[];
export type EncodedRecord = unknown[];

export interface Shape {
  k: EncodedKey[];
  c?: string;
  e?: string;
  n?: 1;
  p?: string[];
  h?: EncodedKey[];
}

export interface EncodedHeap {
  version: number;
  roots: [name: string, value: EncodedValue][];
  shapes: Shape[];
  objects: EncodedRecord[];
  locked: number[];
}

/** Records whose fixed part is this long may carry extra properties after it. */
export const FIXED_LENGTH: Record<string, number> = {
  M: 2,
  S: 2,
  D: 2,
  R: 4,
  B: 3,
  DataView: 4,
};

const g = globalThis as unknown as Record<string, unknown>;

/** Typed array constructors present in this engine, by name. */
export const TYPED_ARRAYS = new Map<string, new (b: ArrayBuffer, o: number, n: number) => object>();
for (const name of safe([
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
])) {
  const ctor = g[name];
  if (typeof ctor === 'function') {
    TYPED_ARRAYS.set(name, ctor as new (b: ArrayBuffer, o: number, n: number) => object);
    FIXED_LENGTH[name] = 4;
  }
}

/** The built-in Error constructors, by name. */
export const ERRORS = new Map<string, new (...args: unknown[]) => Error>();
for (const name of safe([
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
  'SuppressedError',
])) {
  const ctor = g[name];
  if (typeof ctor === 'function') ERRORS.set(name, ctor as new (...args: unknown[]) => Error);
}

/**
 * The record tag of each supported built-in prototype; null (a null-prototype object) is 'N' and
 * the Error prototypes are 'E:' + name (both are shaped records, with n or e in the shape).
 */
export const KINDS = new Map<object | null, string>(
  safe([
    [null, 'N'],
    [RealMap.prototype, 'M'],
    [RealSet.prototype, 'S'],
    [Date.prototype, 'D'],
    [RegExp.prototype, 'R'],
    [ArrayBuffer.prototype, 'B'],
    [DataView.prototype, 'DataView'],
  ]),
);
for (const pair of safe(TYPED_ARRAYS)) {
  const name = pair[0];
  const ctor = pair[1];
  KINDS.set(ctor.prototype, name);
}
for (const pair of safe(ERRORS)) {
  const name = pair[0];
  const ctor = pair[1];
  KINDS.set(ctor.prototype, 'E:' + name);
}

/** Well-known symbols (Symbol.iterator, ...), by their name on `Symbol`. */
export const WELL_KNOWN = new Map<string, symbol>();
export const WELL_KNOWN_NAME = new Map<symbol, string>();
for (const name of safe(Object.getOwnPropertyNames(Symbol))) {
  const sym = (Symbol as unknown as Record<string, unknown>)[name];
  if (typeof sym === 'symbol') {
    WELL_KNOWN.set(name, sym);
    WELL_KNOWN_NAME.set(sym, name);
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(64);
const VALUES = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  CODES[i] = $charCodeAt(ALPHABET, i);
  VALUES[CODES[i]!] = i;
}
const PAD = 61; // '='
const CHUNK = 0x8000;

/** Standard base64 with padding (the isolate has neither btoa nor Buffer). */
export function encodeBase64(bytes: Uint8Array): string {
  const n = bytes.length;
  const out = new Uint8Array(Math.ceil(n / 3) * 4);
  let o = 0;
  let i = 0;
  for (; i + 2 < n; i += 3) {
    const x = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out[o++] = CODES[x >> 18]!;
    out[o++] = CODES[(x >> 12) & 63]!;
    out[o++] = CODES[(x >> 6) & 63]!;
    out[o++] = CODES[x & 63]!;
  }
  if (i < n) {
    const two = i + 1 < n;
    const x = (bytes[i]! << 16) | (two ? bytes[i + 1]! << 8 : 0);
    out[o++] = CODES[x >> 18]!;
    out[o++] = CODES[(x >> 12) & 63]!;
    out[o++] = two ? CODES[(x >> 6) & 63]! : PAD;
    out[o++] = PAD;
  }
  let text = '';
  for (let c = 0; c < out.length; c += CHUNK) {
    text += $apply(String.fromCharCode, null, out.subarray(c, c + CHUNK) as unknown as number[]);
  }
  return text;
}

/** The bytes of `encodeBase64` text; throws on anything that is not canonical padded base64. */
export function decodeBase64(text: string): Uint8Array {
  const len = text.length;
  if (len % 4 !== 0) throw new Error('snapshot: corrupt base64 (length is not a multiple of 4)');
  const pads =
    len === 0
      ? 0
      : $charCodeAt(text, len - 1) !== PAD
        ? 0
        : $charCodeAt(text, len - 2) === PAD
          ? 2
          : 1;
  const bytes = new Uint8Array((len / 4) * 3 - pads);
  let o = 0;
  for (let i = 0; i < len; i += 4) {
    const a = digit(text, i);
    const b = digit(text, i + 1);
    const c = o + 1 < bytes.length ? digit(text, i + 2) : 0;
    const d = o + 2 < bytes.length ? digit(text, i + 3) : 0;
    const x = (a << 18) | (b << 12) | (c << 6) | d;
    bytes[o++] = x >> 16;
    if (o < bytes.length) bytes[o++] = (x >> 8) & 255;
    if (o < bytes.length) bytes[o++] = x & 255;
  }
  return bytes;
}

function digit(text: string, i: number): number {
  const code = $charCodeAt(text, i);
  const v = code < 128 ? VALUES[code]! : -1;
  if (v < 0) throw new Error(`snapshot: corrupt base64 (character ${i})`);
  return v;
}
