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
//
// This file holds the walk; encode-values.ts encodes one value, encode-records.ts one object.
import { progress } from '../progress.ts';
import {
  FORMAT_VERSION,
  type EncodedHeap,
  type EncodedRecord,
  type EncodedValue,
} from './format.ts';
import { Fail, snapshotError } from './errors.ts';
import { $push, $reverse } from '../primordials-methods.ts';
import { newWalk, valueEncoder } from './encode-values.ts';
import type { EncodeHooks } from './encode-values.ts';
import { recordEncoder } from './encode-records.ts';

export type { EncodedHeap } from './format.ts';
export { SnapshotError } from './errors.ts';
export type { EncodeHooks } from './encode-values.ts';

/**
 * Encodes every value reachable from `roots`. Objects get ids in breadth-first order, so the
 * first referrer of each object (kept for error paths) lies on a shortest path from a root.
 */
export function encodeHeap(
  roots: ReadonlyArray<readonly [string, unknown]>,
  hooks: EncodeHooks,
): EncodedHeap {
  const walk = newWalk();
  const { objs, parents, shapes } = walk;
  const records: EncodedRecord[] = [];
  const locked: number[] = [];
  const outRoots: [string, EncodedValue][] = [];
  const encoder = valueEncoder(walk, hooks);
  const { value } = encoder;
  const record = recordEncoder(walk, encoder, hooks, locked);

  /** The failure's object chain: from the object a root led to, down to the current one. */
  function owners(): object[] {
    const chain: object[] = [];
    for (let id = walk.cur; id >= 0; id = parents[id]!) $push(chain, objs[id]!);
    return $reverse(chain);
  }

  function rootIndex(): number {
    let id = walk.cur;
    while (id >= 0) id = parents[id]!;
    return -2 - id;
  }

  try {
    for (let r = 0; r < roots.length; r++) {
      walk.cur = -2 - r;
      $push(outRoots, [roots[r]![0], value(roots[r]![1])]);
    }
    for (let i = 0; i < objs.length; i++) {
      walk.cur = i;
      $push(records, record(objs[i]!));
      progress('saving: objects encoded', i + 1);
    }
  } catch (e) {
    if (!(e instanceof Fail)) throw e;
    throw snapshotError(e, roots[rootIndex()]![0], owners(), hooks);
  }
  return { version: FORMAT_VERSION, roots: outRoots, shapes, objects: records, locked };
}
