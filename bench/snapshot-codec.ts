// `node bench/snapshot-codec.ts`: the heap snapshot codec against plain baselines, in this
// process (the codec is pure JavaScript). The graph: 1,000,000 objects
// `{ id, next, prev, tags: [..] }` in a doubly linked ring (2,000,000 objects with the arrays).
//
// Baseline "walk": a breadth-first walk with a Map of ids into a table where each object is a JSON
// object with its own keys and each array a JSON array, a reference being `[id]`; then
// JSON.stringify. Its decode: JSON.parse, make every object, fill them.
// Size reference "compact": the smallest id table for this graph that still decodes: keys hoisted
// into shapes, values by position, references as bare ids (typed by a per-shape column mask, which
// only works because every column holds one type), arrays as `[-1, ...]`.
// Every timed step starts after a full garbage collection, and the two encoders take turns going
// first: with millions of live objects, whoever runs second otherwise pays for the first's garbage.
import v8 from 'node:v8';
import vm from 'node:vm';
import { encodeHeap, type EncodeHooks } from '../src/kernel/image/encode.ts';
import { decodeHeap, type DecodeHooks } from '../src/kernel/image/decode.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const RUNS = 7;

interface Node {
  id: number;
  next: Node | null;
  prev: Node | null;
  tags: string[];
}

function ring(n: number): Node {
  const nodes: Node[] = [];
  for (let i = 0; i < n; i++)
    nodes.push({ id: i, next: null, prev: null, tags: ['t' + (i % 10), 'x'] });
  for (let i = 0; i < n; i++) {
    nodes[i]!.next = nodes[(i + 1) % n]!;
    nodes[i]!.prev = nodes[(i + n - 1) % n]!;
  }
  return nodes[0]!;
}

function walk(root: unknown): string {
  const ids = new Map<object, number>();
  const todo: object[] = [];
  const table: unknown[] = [];
  const val = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    let id = ids.get(v);
    if (id === undefined) {
      ids.set(v, (id = todo.length));
      todo.push(v);
    }
    return [id];
  };
  const top = val(root);
  for (let i = 0; i < todo.length; i++) {
    const o = todo[i]!;
    if (Array.isArray(o)) {
      table.push(o.map(val));
    } else {
      const rec: Record<string, unknown> = {};
      for (const k in o) rec[k] = val((o as Record<string, unknown>)[k]);
      table.push(rec);
    }
  }
  return JSON.stringify({ root: top, table });
}

function unwalk(text: string): unknown {
  const { root, table } = JSON.parse(text) as { root: unknown; table: unknown[] };
  const objs = table.map((r) => (Array.isArray(r) ? [] : {}));
  const val = (v: unknown) => (Array.isArray(v) ? objs[v[0] as number] : v);
  for (let i = 0; i < table.length; i++) {
    const r = table[i] as Record<string, unknown>;
    const o = objs[i] as Record<string, unknown>;
    if (Array.isArray(r)) r.forEach((v, j) => ((o as unknown as unknown[])[j] = val(v)));
    else for (const k in r) o[k] = val(r[k]);
  }
  return val(root);
}

function compact(root: unknown): string {
  const ids = new Map<object, number>();
  const todo: object[] = [];
  const shapes = new Map<string, number>();
  const shapeList: { keys: string[]; refs: boolean[] }[] = [];
  const table: unknown[] = [];
  const id = (v: object) => {
    let i = ids.get(v);
    if (i === undefined) ids.set(v, (i = todo.push(v) - 1));
    return i;
  };
  const top = typeof root === 'object' && root !== null ? id(root) : root;
  for (let i = 0; i < todo.length; i++) {
    const o = todo[i] as Record<string, unknown>;
    if (Array.isArray(o)) {
      table.push([-1, ...o.map((v) => (typeof v === 'object' && v !== null ? [id(v)] : v))]);
      continue;
    }
    const keys = Object.keys(o);
    const sig = keys.join('\0');
    let s = shapes.get(sig);
    if (s === undefined) {
      shapes.set(sig, (s = shapeList.length));
      shapeList.push({ keys, refs: keys.map((k) => typeof o[k] === 'object') });
    }
    table.push([s, ...keys.map((k) => (typeof o[k] === 'object' && o[k] ? id(o[k]) : o[k]))]);
  }
  return JSON.stringify({ root: top, shapes: shapeList, table });
}

const encodeHooks: EncodeHooks = {
  definitionName: () => undefined,
  classOf: () => undefined,
  privateFields: () => undefined,
  transientKeys: () => undefined,
  isTransient: () => false,
};
const decodeHooks: DecodeHooks = {
  definition: (name) => {
    throw new Error(`no definition ${name}`);
  },
  createInstance: (name) => {
    throw new Error(`no class ${name}`);
  },
  restorePrivates: () => {},
};

// A full collection before each timed step, so no step pays for the garbage of the one before.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function time<T>(f: () => T): [number, T] {
  gc();
  const start = performance.now();
  const out = f();
  return [performance.now() - start, out];
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
}

const root = ring(N);
const results = {
  walk: [] as number[],
  unwalk: [] as number[],
  codec: [] as number[],
  decode: [] as number[],
};
let walkText = '';
let codecText = '';
for (let r = 0; r < RUNS; r++) {
  let t: number;
  // Alternate which goes first, in case the order matters after all.
  for (const which of r % 2 ? ['walk', 'codec'] : ['codec', 'walk']) {
    if (which === 'walk') {
      [t, walkText] = time(() => walk(root));
      results.walk.push(t);
    } else {
      [t, codecText] = time(() => JSON.stringify(encodeHeap([['ring', root]], encodeHooks)));
      results.codec.push(t);
    }
  }
  const [tu, back] = time(() => unwalk(walkText) as Node);
  results.unwalk.push(tu);
  const [td, roots] = time(() => decodeHeap(JSON.parse(codecText), decodeHooks));
  results.decode.push(td);
  const copy = roots.get('ring') as Node;
  if (copy.next!.prev !== copy || copy.prev!.id !== N - 1 || (back as Node).next!.id !== 1) {
    throw new Error('round trip lost the ring');
  }
}
const compactSize = compact(root).length;
const ms = (x: number) => `${x.toFixed(0)} ms`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
const mb = (x: number) => `${(x / 1e6).toFixed(1)} MB`;
const line = (label: string, ours: number[], base: number[]) => {
  const [m, bm] = [median(ours), median(base)];
  const [lo, blo] = [Math.min(...ours), Math.min(...base)];
  console.log(
    `${label} ${ms(m)} vs walk baseline ${ms(bm)}: ${ratio(m, bm)} (best runs: ${ms(lo)} vs ${ms(blo)}, ${ratio(lo, blo)})`,
  );
};
console.log(
  `graph: ${N.toLocaleString('en')} ring nodes + as many tag arrays; median of ${RUNS} runs`,
);
line('encode + JSON.stringify:', results.codec, results.walk);
line('JSON.parse + decode:    ', results.decode, results.unwalk);
console.log(
  `JSON size: ${mb(codecText.length)} vs compact ${mb(compactSize)}: ${ratio(codecText.length, compactSize)}` +
    ` (walk baseline ${mb(walkText.length)}: ${ratio(codecText.length, walkText.length)})`,
);
