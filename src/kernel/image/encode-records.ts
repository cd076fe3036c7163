// One object's record in the heap walk (encode.ts), by what the object is: an ordinary object, an
// image instance or Error (a bag of own and private properties), an array (dense or sparse), a Map,
// Set, Date, RegExp, ArrayBuffer, typed array or DataView with its own extra properties. Split from
// encode.ts; values inside a record go through the value encoder (encode-values.ts).
import { KINDS, encodeBase64, type Shape } from './format.ts';
import { DETACHED, TRANSIENT_BUFFER, nonEnumerable, refused, slottedSubclass } from './errors.ts';
import { Array, ArrayBuffer, Map } from '../primordials.ts';
import { $concat, $filter, $includes, $push, $slice, $startsWith } from '../primordials-methods.ts';
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
  failWith,
  PRIVATES,
  HIDDEN,
  trie,
  type Trie,
  type Getter,
} from './encode-readers.ts';
import type { EncodeHooks, ValueEncoder, Walk } from './encode-values.ts';

/** Encodes objects into records; `locked` collects [id, level] of each non-extensible one. */
export function recordEncoder(
  walk: Walk,
  encoder: ValueEncoder,
  hooks: EncodeHooks,
  locked: number[],
): (o: object) => unknown[] {
  const { value, read, readOwn, shapeOf, encodeKeys } = encoder;
  const tries = new Map<string, Trie>();
  const plainTrie = trie();
  const nullTrie = trie();

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
      if (walk.hidden) $push(hiddenKeys, ks[n]!);
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
      walk.wantWritable = walk.wantConfigurable = true;
    } else {
      const level = isFrozen(o) ? 3 : isSealed(o) ? 2 : 1;
      $push(locked, walk.cur, level);
      walk.wantWritable = level < 3;
      walk.wantConfigurable = level < 2;
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

  return record;
}
