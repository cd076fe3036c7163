// What the heap encoder reads objects with, captured when the kernel loads: property readers,
// the internal-slot getters of builtins (a user cannot redefine them afterwards), the markers that
// stand for values JSON cannot hold, and the trie that finds shapes. Split from encode.ts.
import { Fail } from './errors.ts';
import {
  RealMap,
  RealSet,
  DatePrototype,
  Array,
  ArrayBuffer,
  DataView,
  Error,
  Int8Array,
  Map,
  Object,
  Reflect,
  RegExp,
  Symbol,
  Uint8Array,
} from '../primordials.ts';

export const { keys, getOwnPropertyNames: names, getOwnPropertySymbols: symbols } = Object;
export const { getOwnPropertyDescriptor: describe, getPrototypeOf: protoOf } = Object;
export const { isExtensible, isFrozen, isSealed } = Object;
export const { apply, ownKeys } = Reflect;
export const { isArray } = Array;
export const keyFor = Symbol.keyFor;
export type Getter = (this: unknown) => unknown;
export const getter = (o: object, k: string) => describe(o, k)!.get as Getter;
export const ObjectProto = Object.prototype;
export const ArrayProto = Array.prototype;
export const mapForEach = RealMap.prototype.forEach;
export const setForEach = RealSet.prototype.forEach;
export const dateTime = DatePrototype.getTime;
export const reSource = getter(RegExp.prototype, 'source');
export const reFlags = getter(RegExp.prototype, 'flags');
export const abDetached = describe(ArrayBuffer.prototype, 'detached')?.get ?? (() => false);
export const abResizable = getter(ArrayBuffer.prototype, 'resizable');
export const abMaxLength = getter(ArrayBuffer.prototype, 'maxByteLength');
export const TypedProto = protoOf(Int8Array.prototype) as object;
export const taBuffer = getter(TypedProto, 'buffer');
export const taOffset = getter(TypedProto, 'byteOffset');
export const taLength = getter(TypedProto, 'length');
export const dvBuffer = getter(DataView.prototype, 'buffer');
export const dvOffset = getter(DataView.prototype, 'byteOffset');
export const dvLength = getter(DataView.prototype, 'byteLength');
export const U8 = Uint8Array;
/** V8 gives every Error an own `stack` accessor, the same function pair for all of them. */
export const stackGetter = describe(new Error(), 'stack')?.get;

/** Proxies are refused before anything reads them: every operation on one may run a trap. */
/** A refusal from a reason and its fix (no spread: a user may delete the array iterator). */
export const failWith = (
  why: readonly [string, string],
  at: Fail['at'],
  key?: PropertyKey,
  value?: unknown,
) => new Fail(why[0], why[1], at, key, value);

export const PROXY = [
  'it is a Proxy, and saving it would run its traps (user code)',
  'Save its target instead, and make the proxy again after loading',
] as const;

export const marker = (tag: string) => Object.freeze([tag]) as unknown as unknown[];
export const UNDEFINED = marker('u');
export const TRANSIENT = marker('t');
export const NAN = marker('NaN');
export const INFINITY = marker('Infinity');
export const NEG_INFINITY = marker('-Infinity');
export const NEG_ZERO = marker('-0');
export const TRANSIENT_ID = -1;
/** Trie keys that separate own keys from private names and hidden keys in a shape's path. */
export const PRIVATES = Symbol('privates');
export const HIDDEN = Symbol('hidden');

/** Shapes are found by walking their keys down a trie: no key string is built per object. */
export interface Trie {
  id: number;
  next: Map<unknown, Trie> | undefined;
}
export const trie = (): Trie => ({ id: -1, next: undefined });
