// Encoding one value of the heap walk (encode.ts): primitives and markers, references to objects
// (each gets its id the first time it is met), functions and symbols, an own property read through
// its descriptor, and the shapes that records share. Split from encode.ts; the walk's state is a
// `Walk` that the record encoder (encode-records.ts) shares.
import { WELL_KNOWN_NAME, type EncodedKey, type EncodedValue, type Shape } from './format.ts';
import {
  ACCESSOR,
  FIXED,
  READ_ONLY,
  functionFail,
  nonEnumerable,
  unregisteredSymbol,
} from './errors.ts';
import { isProxy, Map, String, TypeError } from '../primordials.ts';
import { $map, $push } from '../primordials-methods.ts';
import {
  describe,
  apply,
  keyFor,
  stackGetter,
  failWith,
  PROXY,
  UNDEFINED,
  TRANSIENT,
  NAN,
  INFINITY,
  NEG_INFINITY,
  NEG_ZERO,
  TRANSIENT_ID,
  trie,
  type Trie,
} from './encode-readers.ts';

export interface EncodeHooks {
  /** A function that is an image definition (a stable function or class) -> its name; else undefined. */
  definitionName(fn: Function): string | undefined;
  /** An instance of an image class -> that class's definition name (else undefined: not an image instance). */
  classOf(obj: object): string | undefined;
  /** Private field values of an image-class instance, by name ('#x' -> value), or undefined. */
  privateFields(obj: object): Record<string, unknown> | undefined;
  /** Own property names of an image-class instance that must be skipped (declared transient). */
  transientKeys(obj: object): readonly string[] | undefined;
  /** Values to skip wherever they appear, saved as a marker and rebuilt by the kernel on load. */
  isTransient(value: unknown): boolean;
}

/** The state of one heap walk. */
export interface Walk {
  readonly ids: Map<object, number>;
  /** Objects by id, and the id of each one's first referrer (-2 - r for root r). */
  readonly objs: object[];
  readonly parents: number[];
  readonly shapes: Shape[];
  readonly fns: Map<Function, EncodedValue>;
  /** The id of the object being encoded (-2 - r while root r is). */
  cur: number;
  /** The attributes every property of the object being encoded has unless it is sealed or frozen. */
  wantWritable: boolean;
  wantConfigurable: boolean;
  /** Set by each property read: the property was non-enumerable. */
  hidden: boolean;
}

export function newWalk(): Walk {
  return {
    ids: new Map(),
    objs: [],
    parents: [],
    shapes: [],
    fns: new Map(),
    cur: -1,
    wantWritable: true,
    wantConfigurable: true,
    hidden: false,
  };
}

export interface ValueEncoder {
  value(v: unknown): EncodedValue;
  read(o: object, k: PropertyKey, hiddenOk: boolean): EncodedValue;
  readOwn(o: object, k: PropertyKey, d: PropertyDescriptor, hiddenOk: boolean): EncodedValue;
  shapeOf(root: Trie, path: readonly unknown[], make: () => Shape): number;
  encodeKeys(ks: readonly PropertyKey[]): EncodedKey[];
}

export function valueEncoder(walk: Walk, hooks: EncodeHooks): ValueEncoder {
  const { ids, objs, parents, shapes, fns } = walk;

  function value(v: unknown): EncodedValue {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return v;
      case 'number':
        if (v > 0) return v !== Infinity ? v : INFINITY;
        if (v < 0) return v !== -Infinity ? [v] : NEG_INFINITY;
        if (v === 0) return 1 / v > 0 ? 0 : NEG_ZERO;
        return NAN;
      case 'object':
        if (v === null) return null;
        if (isProxy(v)) throw failWith(PROXY, 'value', undefined, v);
        return ref(v);
      case 'undefined':
        return UNDEFINED;
      case 'function':
        if (isProxy(v)) throw failWith(PROXY, 'value', undefined, v);
        return fn(v);
      case 'bigint':
        return ['n', String(v)];
      case 'symbol':
        return symbol(v, false);
    }
    throw new TypeError(`snapshot: unexpected ${typeof v}`);
  }

  function ref(o: object): EncodedValue {
    let id = ids.get(o);
    if (id === undefined) {
      if (hooks.isTransient(o)) {
        ids.set(o, TRANSIENT_ID);
        return TRANSIENT;
      }
      id = objs.length;
      ids.set(o, id);
      $push(objs, o);
      $push(parents, walk.cur);
    }
    return id === TRANSIENT_ID ? TRANSIENT : -1 - id;
  }

  function fn(f: Function): EncodedValue {
    let out = fns.get(f);
    if (out === undefined) {
      const name = hooks.definitionName(f);
      if (name !== undefined) out = ['f', name];
      else if (hooks.isTransient(f)) out = TRANSIENT;
      else throw functionFail(f);
      fns.set(f, out);
    }
    return out;
  }

  function symbol(s: symbol, asKey: boolean): unknown[] {
    const key = keyFor(s);
    if (key !== undefined) return ['y', key];
    const name = WELL_KNOWN_NAME.get(s);
    if (name !== undefined) return ['w', name];
    if (!asKey && hooks.isTransient(s)) return TRANSIENT;
    throw unregisteredSymbol(s, asKey);
  }

  /**
   * The value of own property `k`, refusing accessors (but for V8's Error `stack`) and attributes
   * a reload would change; sets `walk.hidden` when it is non-enumerable (allowed if `hiddenOk`).
   */
  function read(o: object, k: PropertyKey, hiddenOk: boolean): EncodedValue {
    return readOwn(o, k, describe(o, k)!, hiddenOk);
  }

  function readOwn(
    o: object,
    k: PropertyKey,
    d: PropertyDescriptor,
    hiddenOk: boolean,
  ): EncodedValue {
    walk.hidden = false;
    if (
      d.writable !== walk.wantWritable ||
      d.configurable !== walk.wantConfigurable ||
      !d.enumerable
    ) {
      walk.hidden = !d.enumerable;
      if (walk.hidden && !hiddenOk) throw nonEnumerable(o, k);
      if (k === 'stack' && d.get === stackGetter && d.get) return value(apply(d.get, o, []));
      if (!('value' in d)) throw failWith(ACCESSOR, 'key', k);
      if (d.writable !== walk.wantWritable) throw failWith(READ_ONLY, 'key', k);
      if (d.configurable !== walk.wantConfigurable) throw failWith(FIXED, 'key', k);
    }
    return value(d.value);
  }

  function shapeOf(root: Trie, path: readonly unknown[], make: () => Shape): number {
    let node = root;
    for (let i = 0; i < path.length; i++) {
      const k = path[i];
      let next = node.next?.get(k);
      if (next === undefined) {
        next = trie();
        (node.next ??= new Map()).set(k, next);
      }
      node = next;
    }
    if (node.id < 0) {
      const shape = make();
      node.id = shapes.length;
      $push(shapes, shape);
    }
    return node.id;
  }

  function encodeKeys(ks: readonly PropertyKey[]): EncodedKey[] {
    return $map(ks, (k) => (typeof k === 'symbol' ? symbol(k, true) : String(k)));
  }

  return { value, read, readOwn, shapeOf, encodeKeys };
}
