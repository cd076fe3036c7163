// Encodes the heap reachable from named roots as plain JSON data (format: snapshot-format.ts).
// The walk is iterative (a queue of objects in id order), so depth never touches the stack. The
// only bookkeeping for error messages is each object's first referrer: when something cannot be
// saved, snapshot-errors.ts rebuilds the JavaScript path to it from that chain.
//
// Nothing is dropped silently: an own property is read through its descriptor, so a getter is
// refused rather than run, and so are attributes a reload would lose. Two limits: `isTransient`
// is asked once per distinct object, function or symbol (never about other primitives), and the
// extra properties of a typed array longer than 65,536 elements are looked for among symbol keys
// only (listing its string keys would list every index).
import { progress } from '../progress.ts';
import {
  FORMAT_VERSION,
  KINDS,
  WELL_KNOWN_NAME,
  encodeBase64,
  type EncodedHeap,
  type EncodedKey,
  type EncodedRecord,
  type EncodedValue,
  type Shape,
} from './format.ts';
import {
  ACCESSOR,
  DETACHED,
  FIXED,
  Fail,
  READ_ONLY,
  TRANSIENT_BUFFER,
  functionFail,
  nonEnumerable,
  refused,
  slottedSubclass,
  snapshotError,
  unregisteredSymbol,
} from './errors.ts';
import {
  isProxy,
  Array,
  ArrayBuffer,
  DataView,
  Error,
  Map,
  String,
  TypeError,
} from '../primordials.ts';
import {
  $concat,
  $filter,
  $includes,
  $map,
  $push,
  $reverse,
  $slice,
  $startsWith,
} from '../primordials-methods.ts';

import {
  keys,
  names,
  symbols,
  describe,
  protoOf,
  isExtensible,
  isFrozen,
  isSealed,
  apply,
  ownKeys,
  isArray,
  keyFor,
  getter,
  ObjectProto,
  ArrayProto,
  mapForEach,
  setForEach,
  dateTime,
  reSource,
  reFlags,
  abDetached,
  abResizable,
  abMaxLength,
  taBuffer,
  taOffset,
  taLength,
  dvBuffer,
  dvOffset,
  dvLength,
  U8,
  stackGetter,
  failWith,
  PROXY,
  marker,
  UNDEFINED,
  TRANSIENT,
  NAN,
  INFINITY,
  NEG_INFINITY,
  NEG_ZERO,
  TRANSIENT_ID,
  PRIVATES,
  HIDDEN,
  trie,
  type Trie,
  type Getter,
} from './encode-readers.ts';

export type { EncodedHeap } from './format.ts';
export { SnapshotError } from './errors.ts';

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

/**
 * Encodes every value reachable from `roots`. Objects get ids in breadth-first order, so the
 * first referrer of each object (kept for error paths) lies on a shortest path from a root.
 */
export function encodeHeap(
  roots: ReadonlyArray<readonly [string, unknown]>,
  hooks: EncodeHooks,
): EncodedHeap {
  const ids = new Map<object, number>();
  const objs: object[] = [];
  const parents: number[] = [];
  const records: EncodedRecord[] = [];
  const shapes: Shape[] = [];
  const locked: number[] = [];
  const fns = new Map<Function, EncodedValue>();
  const tries = new Map<string, Trie>();
  const plainTrie = trie();
  const nullTrie = trie();
  const outRoots: [string, EncodedValue][] = [];
  let cur = -1;
  let wantWritable = true;
  let wantConfigurable = true;
  let hidden = false;

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
      $push(parents, cur);
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
   * a reload would change; sets `hidden` when it is non-enumerable (allowed if `hiddenOk`).
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
    hidden = false;
    if (d.writable !== wantWritable || d.configurable !== wantConfigurable || !d.enumerable) {
      hidden = !d.enumerable;
      if (hidden && !hiddenOk) throw nonEnumerable(o, k);
      if (k === 'stack' && d.get === stackGetter && d.get) return value(apply(d.get, o, []));
      if (!('value' in d)) throw failWith(ACCESSOR, 'key', k);
      if (d.writable !== wantWritable) throw failWith(READ_ONLY, 'key', k);
      if (d.configurable !== wantConfigurable) throw failWith(FIXED, 'key', k);
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

  /** Ordinary objects: enumerable data properties only, as [shape, values...]. */
  function plain(o: object, root: Trie, extra: Partial<Shape> | undefined): unknown[] {
    const own = keys(o);
    if (names(o).length !== own.length) throw nonEnumerable(o);
    const syms = symbols(o);
    const ks: PropertyKey[] = syms.length === 0 ? own : $concat<PropertyKey>(own, syms);
    const n = ks.length;
    const rec: unknown[] = new Array(n + 1);
    rec[0] = shapeOf(root, ks, () => ({ k: encodeKeys(ks), ...extra }));
    for (let i = 0; i < n; i++) rec[i + 1] = read(o, ks[i]!, false);
    return rec;
  }

  /** Image instances and Errors: non-enumerable own data properties and private names kept. */
  function bag(o: object, kind: string, extra: Shape, cls?: string): unknown[] {
    let ks = ownKeys(o);
    const skip = cls === undefined ? undefined : hooks.transientKeys(o);
    if (skip !== undefined && skip.length > 0)
      ks = $filter(ks, (k) => !$includes(skip, k as string));
    const rec: unknown[] = [0];
    const hiddenKeys: PropertyKey[] = [];
    for (let n = 0; n < ks.length; n++) {
      $push(rec, read(o, ks[n]!, true));
      if (hidden) $push(hiddenKeys, ks[n]!);
    }
    const privates = cls === undefined ? undefined : hooks.privateFields(o);
    const pk = privates === undefined ? [] : keys(privates);
    for (let n = 0; n < pk.length; n++) $push(rec, value(privates![pk[n]!]));
    let root = tries.get(kind);
    if (root === undefined) tries.set(kind, (root = trie()));
    rec[0] = shapeOf(root, $concat<unknown>(ks, [PRIVATES], pk, [HIDDEN], hiddenKeys), () => ({
      ...extra,
      k: encodeKeys(ks),
      ...(pk.length > 0 ? { p: pk } : undefined),
      ...(hiddenKeys.length > 0 ? { h: encodeKeys(hiddenKeys) } : undefined),
    }));
    return rec;
  }

  function array(a: unknown[]): unknown[] {
    const len = a.length;
    const rec: unknown[] = new Array(len + 1);
    rec[0] = 'A';
    for (let i = 0; i < len; i++) {
      const d = describe(a, i);
      if (d === undefined) return sparse(a);
      rec[i + 1] = readOwn(a, i, d, false);
    }
    if (ownKeys(a).length !== len + 1) return sparse(a);
    return rec;
  }

  /** Arrays with holes or extra properties: all own keys but `length`, by a shape. */
  function sparse(a: unknown[]): unknown[] {
    const ks = $filter(ownKeys(a), (k) => k !== 'length');
    const rec: unknown[] = ['A+', a.length, shapeOf(plainTrie, ks, () => ({ k: encodeKeys(ks) }))];
    for (let n = 0; n < ks.length; n++) $push(rec, read(a, ks[n]!, false));
    return rec;
  }

  /**
   * Own properties of Maps, Dates, typed arrays and such, appended to `rec` when there are any.
   * A typed array's indices come first in its own keys; past 65,536 elements listing them would
   * cost more than the data, so only symbol-keyed extras are looked for there.
   */
  function extras(o: object, rec: unknown[], skipIndices: number): unknown[] {
    const ks = skipIndices > 0x10000 ? symbols(o) : $slice(ownKeys(o), skipIndices);
    const rest = rec[0] === 'R' ? $filter(ks, (k) => k !== 'lastIndex') : ks;
    if (rest.length === 0) return rec;
    $push(
      rec,
      shapeOf(plainTrie, rest, () => ({ k: encodeKeys(rest) })),
    );
    for (let n = 0; n < rest.length; n++) $push(rec, read(o, rest[n]!, false));
    return rec;
  }

  function view(o: object, kind: string, buffer: Getter, offset: Getter, length: Getter) {
    const buf = value(apply(buffer, o, []));
    if (typeof buf !== 'number') throw failWith(TRANSIENT_BUFFER, 'self');
    const n = apply(length, o, []) as number;
    return extras(o, [kind, buf, apply(offset, o, []), n], kind === 'DataView' ? 0 : n);
  }

  function record(o: object): unknown[] {
    if (isExtensible(o)) {
      wantWritable = wantConfigurable = true;
    } else {
      const level = isFrozen(o) ? 3 : isSealed(o) ? 2 : 1;
      $push(locked, cur, level);
      wantWritable = level < 3;
      wantConfigurable = level < 2;
    }
    const proto = protoOf(o);
    if (proto === ObjectProto) return plain(o, plainTrie, undefined);
    if (proto === ArrayProto && isArray(o)) return array(o);
    const kind = KINDS.get(proto);
    if (kind === undefined) {
      const cls = hooks.classOf(o);
      if (cls === undefined) throw refused(proto);
      const slotted = slottedSubclass(cls, proto);
      if (slotted !== undefined) throw slotted;
      return bag(o, 'c:' + cls, { k: [], c: cls }, cls);
    }
    switch (kind) {
      case 'N':
        return plain(o, nullTrie, { n: 1 });
      case 'M': {
        const entries: unknown[] = [];
        apply(mapForEach, o, [(v: unknown, k: unknown) => $push(entries, value(k), value(v))]);
        return extras(o, ['M', entries], 0);
      }
      case 'S': {
        const members: unknown[] = [];
        apply(setForEach, o, [(v: unknown) => $push(members, value(v))]);
        return extras(o, ['S', members], 0);
      }
      case 'D':
        return extras(o, ['D', value(apply(dateTime, o, []))], 0);
      case 'R': {
        const lastIndex = value(describe(o, 'lastIndex')!.value);
        return extras(o, ['R', apply(reSource, o, []), apply(reFlags, o, []), lastIndex], 0);
      }
      case 'B': {
        if (apply(abDetached, o, [])) throw failWith(DETACHED, 'self');
        const max = apply(abResizable, o, []) ? apply(abMaxLength, o, []) : null;
        return extras(o, ['B', encodeBase64(new U8(o as ArrayBuffer)), max], 0);
      }
      case 'DataView':
        return view(o, kind, dvBuffer, dvOffset, dvLength);
      default:
        if ($startsWith(kind, 'E:')) return bag(o, kind, { k: [], e: $slice(kind, 2) });
        return view(o, kind, taBuffer, taOffset, taLength);
    }
  }

  /** The failure's object chain: from the object a root led to, down to the current one. */
  function owners(): object[] {
    const chain: object[] = [];
    for (let id = cur; id >= 0; id = parents[id]!) $push(chain, objs[id]!);
    return $reverse(chain);
  }

  function rootIndex(): number {
    let id = cur;
    while (id >= 0) id = parents[id]!;
    return -2 - id;
  }

  try {
    for (let r = 0; r < roots.length; r++) {
      cur = -2 - r;
      $push(outRoots, [roots[r]![0], value(roots[r]![1])]);
    }
    for (let i = 0; i < objs.length; i++) {
      cur = i;
      $push(records, record(objs[i]!));
      progress('saving: objects encoded', i + 1);
    }
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    throw snapshotError(e, roots[rootIndex()]![0], owners(), hooks);
  }
  return { version: FORMAT_VERSION, roots: outRoots, shapes, objects: records, locked };
}
