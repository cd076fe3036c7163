// Rebuilds a heap encoded by snapshot-encode.ts (format: snapshot-format.ts). Objects are made
// in passes over the record table, never by recursion: every object first (views after their
// buffers), then their contents, then private fields, then the freeze/seal/preventExtensions
// flags. A transient marker decodes as undefined: the kernel rebuilds transient values itself.
import { progress } from '../progress.ts';
import {
  ERRORS,
  FIXED_LENGTH,
  FORMAT_VERSION,
  TYPED_ARRAYS,
  WELL_KNOWN,
  decodeBase64,
  type EncodedHeap,
  type EncodedKey,
  type EncodedRecord,
  type Shape,
} from './format.ts';
import {
  safe,
  RealMap,
  RealSet,
  Array,
  ArrayBuffer,
  BigInt,
  DataView,
  Date,
  Error,
  JSON,
  Map,
  Object,
  Reflect,
  RegExp,
  Set,
  Symbol,
  Uint8Array,
} from '../primordials.ts';
import { $includes, $map, $push, $some } from '../primordials-methods.ts';

export interface DecodeHooks {
  /** The stable function/class of a definition by name (throw a clear Error if missing). */
  definition(name: string): Function;
  /** A new, empty instance of an image class (the kernel creates it on the class's current prototype and registers it). */
  createInstance(className: string): object;
  /** Gives a decoded instance its private field values (called after all objects are filled). */
  restorePrivates(obj: object, className: string, values: Record<string, unknown>): void;
}

const { defineProperty, getOwnPropertyDescriptor: describe, getPrototypeOf: protoOf } = Object;
const { create, freeze, seal, preventExtensions } = Object;
const { apply, construct, ownKeys, deleteProperty } = Reflect;
const mapSet = RealMap.prototype.set;
const setAdd = RealSet.prototype.add;
const AB = ArrayBuffer;
const DV = DataView;
const U8 = Uint8Array;
const Big = BigInt;
const symbolFor = Symbol.for;

/** A shape with its keys as property keys, and where plain assignment is known to be safe. */
interface ShapeInfo {
  keys: PropertyKey[];
  shape: Shape;
  hidden: Set<PropertyKey> | undefined;
  /** The prototype `assignable` was last computed for (undefined: not yet). */
  proto: object | null | undefined;
  assignable: boolean;
}

/**
 * Keys that `o[k] = v` would not simply define on an object with this prototype: inherited
 * setters (like Object.prototype.__proto__), getters and read-only properties.
 */
function blockedKeys(proto: object | null): Set<PropertyKey> {
  const blocked = new Set<PropertyKey>();
  for (let p = proto; p !== null; p = protoOf(p)) {
    const ks = ownKeys(p);
    for (let n = 0; n < ks.length; n++) {
      const k = ks[n]!;
      const d = describe(p, k)!;
      if (!('value' in d) || !d.writable) blocked.add(k);
    }
  }
  return blocked;
}

const data = (value: unknown, enumerable: boolean): PropertyDescriptor => ({
  value,
  writable: true,
  enumerable,
  configurable: true,
});

function corrupt(what: string): Error {
  return new Error(`snapshot: corrupt heap (${what})`);
}

/** Rebuilds the roots of `heap`, by name, with identity, cycles and sharing as they were. */
export function decodeHeap(heap: EncodedHeap, hooks: DecodeHooks): Map<string, unknown> {
  if (heap === null || typeof heap !== 'object' || heap.version !== FORMAT_VERSION) {
    throw new Error(`snapshot: unsupported heap format (version ${heap?.version})`);
  }
  const recs = heap.objects;
  const n = recs.length;
  const objs: unknown[] = new Array(n);
  const infos = $map(heap.shapes, info);
  const definitions = new Map<string, Function>();
  const privates: [object, string, Record<string, unknown>][] = [];
  const blockedByProto = new Map<object | null, Set<PropertyKey>>();

  /** Computed once per prototype and heap, as the user may patch prototypes between loads. */
  function blocked(proto: object | null): Set<PropertyKey> {
    let keys = blockedByProto.get(proto);
    if (keys === undefined) blockedByProto.set(proto, (keys = blockedKeys(proto)));
    return keys;
  }

  function info(shape: Shape): ShapeInfo {
    const hidden = shape.h === undefined ? undefined : new Set(safe($map(shape.h, key)));
    return { keys: $map(shape.k, key), shape, hidden, proto: undefined, assignable: false };
  }

  function key(k: EncodedKey): PropertyKey {
    if (typeof k === 'string') return k;
    const s = special(k);
    if (typeof s !== 'symbol') throw corrupt('a shape key is neither a string nor a symbol');
    return s;
  }

  function value(x: unknown): unknown {
    if (typeof x === 'number') return x < 0 ? objs[-1 - x] : x;
    if (typeof x !== 'object' || x === null) return x;
    return special(x as unknown[]);
  }

  function special(x: unknown[]): unknown {
    const tag = x[0];
    if (typeof tag === 'number') return tag;
    switch (tag) {
      case 'u':
      case 't':
        return undefined;
      case 'NaN':
        return NaN;
      case 'Infinity':
        return Infinity;
      case '-Infinity':
        return -Infinity;
      case '-0':
        return -0;
      case 'n':
        return Big(x[1] as string);
      case 'y':
        return symbolFor(x[1] as string);
      case 'w': {
        const s = WELL_KNOWN.get(x[1] as string);
        if (s === undefined) throw corrupt(`unknown well-known symbol ${x[1]}`);
        return s;
      }
      case 'f': {
        const name = x[1] as string;
        let f = definitions.get(name);
        if (f === undefined) definitions.set(name, (f = hooks.definition(name)));
        return f;
      }
    }
    throw corrupt(`unknown value tag ${JSON.stringify(tag)}`);
  }

  function shapeAt(s: unknown): ShapeInfo {
    const found = typeof s === 'number' ? infos[s] : undefined;
    if (found === undefined) throw corrupt(`no shape ${s}`);
    return found;
  }

  /** A new object for a shaped record: plain, null-prototype, image instance or Error. */
  function shaped(si: ShapeInfo): object {
    const { c, e, n: nullProto } = si.shape;
    if (c !== undefined) return hooks.createInstance(c);
    if (e !== undefined) {
      const ctor = ERRORS.get(e);
      if (ctor === undefined) throw corrupt(`unknown Error constructor ${e}`);
      return construct(ctor, e === 'AggregateError' ? [safe([])] : []);
    }
    return nullProto === 1 ? create(null) : {};
  }

  /** Defines the shape's properties on `o` from `rec[at...]`; returns the index after them. */
  function fill(o: object, si: ShapeInfo, rec: EncodedRecord, at: number): number {
    const ks = si.keys;
    const proto = protoOf(o);
    if (si.proto !== proto) {
      const keys = blocked(proto);
      si.proto = proto;
      si.assignable = si.hidden === undefined && !$some(ks, (k) => keys.has(k));
    }
    if (si.assignable) {
      const target = o as Record<PropertyKey, unknown>;
      for (let i = 0; i < ks.length; i++) target[ks[i]!] = value(rec[at + i]);
    } else {
      for (let i = 0; i < ks.length; i++) {
        const k = ks[i]!;
        const enumerable = si.hidden === undefined || !si.hidden.has(k);
        defineProperty(o, k, data(value(rec[at + i]), enumerable));
      }
    }
    return at + ks.length;
  }

  // Pass 1: every object, empty. Views wait for the buffers they sit on.
  const views: number[] = [];
  for (let i = 0; i < n; i++) {
    const rec = recs[i]!;
    const tag = rec[0];
    if (typeof tag === 'number') {
      objs[i] = shaped(shapeAt(tag));
      continue;
    }
    switch (tag) {
      case 'A':
        objs[i] = [];
        break;
      case 'A+':
        objs[i] = new Array(rec[1] as number);
        break;
      case 'M':
        objs[i] = new RealMap();
        break;
      case 'S':
        objs[i] = new RealSet();
        break;
      case 'D':
        objs[i] = new Date(value(rec[1]) as number);
        break;
      case 'R': {
        const re = new RegExp(rec[1] as string, rec[2] as string);
        re.lastIndex = value(rec[3]) as number;
        objs[i] = re;
        break;
      }
      case 'B': {
        const bytes = decodeBase64(rec[1] as string);
        const max = rec[2] as number | null;
        const options = max === null ? undefined : { maxByteLength: max };
        const buffer = construct(AB, [bytes.length, options]) as ArrayBuffer;
        new U8(buffer).set(bytes);
        objs[i] = buffer;
        break;
      }
      default:
        if (tag !== 'DataView' && !TYPED_ARRAYS.has(tag as string)) {
          throw corrupt(`unknown record tag ${JSON.stringify(tag)}`);
        }
        $push(views, i);
    }
  }
  for (let n = 0; n < views.length; n++) {
    const i = views[n]!;
    const rec = recs[i]!;
    const buffer = value(rec[1]);
    if (!(buffer instanceof AB)) throw corrupt(`record ${i} is a view without an ArrayBuffer`);
    const args = [buffer, rec[2], rec[3]];
    objs[i] = construct(rec[0] === 'DataView' ? DV : TYPED_ARRAYS.get(rec[0] as string)!, args);
  }

  // Pass 2: contents. Objects referred to are all there, though perhaps not yet filled.
  for (let i = 0; i < n; i++) {
    progress('opening: objects rebuilt', i + 1, n);
    const rec = recs[i]!;
    const tag = rec[0];
    const o = objs[i] as object;
    if (typeof tag === 'number') {
      const si = infos[tag]!;
      const end = fill(o, si, rec, 1);
      const { p, c, e } = si.shape;
      if (p !== undefined && c !== undefined) {
        const values: Record<string, unknown> = create(null);
        for (let j = 0; j < p.length; j++) values[p[j]!] = value(rec[end + j]);
        $push(privates, [o, c, values]);
      }
      if (e !== undefined) {
        // A new Error has its own `stack` (and AggregateError its `errors`); drop what was not saved.
        const ks = ownKeys(o);
        for (let n = 0; n < ks.length; n++) {
          if (!$includes(si.keys, ks[n]!)) deleteProperty(o, ks[n]!);
        }
      }
    } else if (tag === 'A') {
      const a = o as unknown[];
      for (let j = 1; j < rec.length; j++) a[j - 1] = value(rec[j]);
    } else if (tag === 'A+') {
      fill(o, shapeAt(rec[2]), rec, 3);
    } else {
      if (tag === 'M') {
        const entries = rec[1] as unknown[];
        for (let j = 0; j < entries.length; j += 2) {
          apply(mapSet, o, [value(entries[j]), value(entries[j + 1])]);
        }
      } else if (tag === 'S') {
        const members = rec[1] as unknown[];
        for (let j = 0; j < members.length; j++) apply(setAdd, o, [value(members[j])]);
      }
      const fixed = FIXED_LENGTH[tag as string]!;
      if (rec.length > fixed) fill(o, shapeAt(rec[fixed]), rec, fixed + 1);
    }
  }

  for (let n = 0; n < privates.length; n++) {
    const p = privates[n]!;
    hooks.restorePrivates(p[0], p[1], p[2]);
  }

  const locked = heap.locked;
  for (let j = 0; j < locked.length; j += 2) {
    const o = objs[locked[j]!] as object;
    const level = locked[j + 1];
    if (level === 3) freeze(o);
    else if (level === 2) seal(o);
    else preventExtensions(o);
  }

  const roots = new Map<string, unknown>();
  for (const pair of safe(heap.roots)) {
    const name = pair[0];
    const v = pair[1];
    roots.set(name, value(v));
  }
  return roots;
}
