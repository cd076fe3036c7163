// The heap snapshot codec (src/kernel/image/) in plain Node: every round trip goes through
// JSON text, as an image file does, and checks identity, not just equal-looking values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeHeap, SnapshotError, type EncodeHooks } from '../src/kernel/image/encode.ts';
import { decodeHeap, type DecodeHooks } from '../src/kernel/image/decode.ts';
import { decodeBase64, encodeBase64, type EncodedHeap } from '../src/kernel/image/format.ts';

// A stand-in for the kernel: definitions by name, image classes by prototype, private fields
// kept in a side table (the real kernel stamps real #fields), transient values in a set.
function tick(): number {
  return 1;
}
class Agent {
  static transient = ['scratch'];
  name: string;
  friend: Agent | undefined;
  scratch: unknown = 'skipped';
  constructor(name: string) {
    this.name = name;
  }
}
class Account {
  owner = 'ann';
}
class Fault extends Error {
  code = 7;
}
class Cache extends Map {}
class Local {}

const definitions = new Map<string, Function>([
  ['tick', tick],
  ['Agent', Agent],
  ['Account', Account],
  ['Fault', Fault],
  ['Cache', Cache],
]);
const definitionNames = new Map([...definitions].map(([name, fn]) => [fn, name]));
const classNames = new Map([...definitions].map(([name, fn]) => [fn.prototype as object, name]));
const privates = new WeakMap<object, Record<string, unknown>>();
const transients = new WeakSet<object>();
const restored: { obj: object; cls: string; values: Record<string, unknown> }[] = [];

const kernel: EncodeHooks = {
  definitionName: (fn) => definitionNames.get(fn),
  classOf: (obj) => classNames.get(Object.getPrototypeOf(obj)),
  privateFields: (obj) => privates.get(obj),
  transientKeys: (obj) =>
    (Object.getPrototypeOf(obj).constructor as { transient?: string[] }).transient,
  isTransient: (v) => (typeof v === 'object' || typeof v === 'function') && transients.has(v!),
};
const kernelDecode: DecodeHooks = {
  definition(name) {
    const fn = definitions.get(name);
    if (fn === undefined) throw new Error(`no definition named ${name}`);
    return fn;
  },
  createInstance: (cls) => Object.create(definitions.get(cls)!.prototype as object),
  restorePrivates(obj, cls, values) {
    restored.push({ obj, cls, values });
    privates.set(obj, values);
  },
};

function roundTrip(roots: [string, unknown][]): Map<string, unknown> {
  const text = JSON.stringify(encodeHeap(roots, kernel));
  return decodeHeap(JSON.parse(text) as EncodedHeap, kernelDecode);
}
const again = <T>(value: T): T => roundTrip([['v', value]]).get('v') as T;

function refusal(roots: [string, unknown][]): SnapshotError {
  try {
    encodeHeap(roots, kernel);
  } catch (e) {
    assert.ok(e instanceof SnapshotError, `expected a SnapshotError, got ${e}`);
    assert.equal(e.name, 'SnapshotError');
    return e;
  }
  assert.fail('expected a SnapshotError');
}

test('primitives keep their exact value, as roots, properties and elements', () => {
  const values: unknown[] = [
    0,
    -0,
    1.5,
    -1.5,
    -7,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    -Number.MIN_VALUE,
    2 ** 53 + 2,
    undefined,
    null,
    true,
    false,
    '',
    'plain',
    'ünï©ødé 😀 中文',
    'lone \ud800 high',
    'lone \udc00 low',
    '\u0000\u2028\u2029"\\',
    10n,
    -(2n ** 100n),
    0n,
    Symbol.for('k'),
    Symbol.for(''),
    Symbol.iterator,
    Symbol.asyncIterator,
  ];
  const roots = values.map((v, i): [string, unknown] => [`r${i}`, v]);
  const back = roundTrip([...roots, ['obj', { ...values }], ['arr', values]]);
  values.forEach((v, i) => assert.ok(Object.is(back.get(`r${i}`), v), `root ${String(v)}`));
  const obj = back.get('obj') as Record<string, unknown>;
  const arr = back.get('arr') as unknown[];
  values.forEach((v, i) => {
    assert.ok(Object.hasOwn(obj, i) && Object.is(obj[i], v), `property ${String(v)}`);
    assert.ok(i in arr && Object.is(arr[i], v), `element ${String(v)}`);
  });
  assert.equal(arr.length, values.length);
});

test('plain objects keep keys, key order, __proto__ as an own key, symbol keys, null prototype', () => {
  const own = JSON.parse('{"b": 1, "__proto__": {"x": 1}, "2": "two", "a-b": 3}');
  own[Symbol.for('k')] = 'sym';
  const bare = Object.create(null);
  bare.__proto__ = 'just a key';
  bare.toString = 'not a method';
  const back = again({ own, bare });
  assert.equal(Object.getPrototypeOf(back.own), Object.prototype);
  assert.deepEqual(Reflect.ownKeys(back.own), ['2', 'b', '__proto__', 'a-b', Symbol.for('k')]);
  assert.ok(Object.hasOwn(back.own, '__proto__'));
  assert.deepEqual(back.own.__proto__, { x: 1 });
  assert.equal(back.own[Symbol.for('k')], 'sym');
  assert.equal(Object.getPrototypeOf(back.bare), null);
  assert.equal(back.bare.__proto__, 'just a key');
  assert.equal(back.bare.toString, 'not a method');
});

test('identity: self references, shared references, cycles, one object under two roots', () => {
  const shared = { n: 1 };
  const a: Record<string, unknown> = { left: shared, right: shared };
  a.self = a;
  const b = { a, list: [a, shared] };
  a.b = b;
  const back = roundTrip([
    ['a', a],
    ['alsoA', a],
    ['shared', shared],
  ]);
  const a2 = back.get('a') as typeof a;
  assert.equal(a2.self, a2);
  assert.equal(a2.left, a2.right);
  assert.equal(a2.left, back.get('shared'));
  assert.equal(back.get('alsoA'), a2);
  const b2 = a2.b as typeof b;
  assert.equal(b2.a, a2);
  assert.equal(b2.list[0], a2);
  assert.equal(b2.list[1], a2.left);
});

test('arrays: dense, with holes (also trailing), with extra properties, empty, nested', () => {
  const holes = [1, , 3, , ,];
  const extra = Object.assign(['x', 'y'], { label: 'tagged', [Symbol.for('s')]: 1 });
  const sparse: unknown[] = [];
  sparse[1000] = 'far';
  const back = again({ dense: [1, 'a', null], holes, extra, empty: [], sparse, nested: [[[]]] });
  assert.deepEqual(back.dense, [1, 'a', null]);
  assert.equal(back.holes.length, 5);
  assert.equal(1 in back.holes, false);
  assert.equal(4 in back.holes, false);
  assert.deepEqual(Object.keys(back.holes), ['0', '2']);
  assert.deepEqual([...back.extra], ['x', 'y']);
  assert.equal(back.extra.label, 'tagged');
  assert.equal(back.extra[Symbol.for('s')], 1);
  assert.ok(Array.isArray(back.extra));
  assert.deepEqual(back.empty, []);
  assert.equal(back.sparse.length, 1001);
  assert.deepEqual(Object.keys(back.sparse), ['1000']);
  assert.deepEqual(back.nested, [[[]]]);
});

test('Map and Set: any keys including objects, insertion order, identity of members', () => {
  const k1 = { key: 1 };
  const map = new Map<unknown, unknown>([
    [k1, 'object key'],
    ['s', k1],
    [NaN, -0],
    [undefined, null],
    [Symbol.for('m'), 1n],
  ]);
  map.set(map, map);
  const set = new Set<unknown>([k1, 'a', map]);
  const back = again({ map, set, k1 });
  assert.deepEqual([...back.map.keys()].slice(1, 5), ['s', NaN, undefined, Symbol.for('m')]);
  const k2 = [...back.map.keys()][0];
  assert.equal(k2, back.k1);
  assert.equal(back.map.get(k2), 'object key');
  assert.equal(back.map.get('s'), k2);
  assert.ok(Object.is(back.map.get(NaN), -0));
  assert.equal(back.map.get(back.map), back.map);
  assert.deepEqual([...back.set], [back.k1, 'a', back.map]);
});

test('Date (also invalid) and RegExp (source, flags, lastIndex)', () => {
  const re = /a(b)?[/]\d/dgimsuy;
  re.lastIndex = 3;
  const back = again({ when: new Date(1700000000123), invalid: new Date(NaN), re, plain: /x/ });
  assert.equal(back.when.getTime(), 1700000000123);
  assert.ok(back.when instanceof Date);
  assert.ok(Number.isNaN(back.invalid.getTime()));
  assert.equal(back.re.source, re.source);
  assert.equal(back.re.flags, re.flags);
  assert.equal(back.re.lastIndex, 3);
  assert.equal(back.plain.lastIndex, 0);
});

test('ArrayBuffer, every typed array kind, views sharing one buffer at offsets, DataView', () => {
  const buffer = new ArrayBuffer(64);
  new Uint8Array(buffer).forEach((_, i, a) => (a[i] = i * 7));
  const kinds = [
    Int8Array,
    Uint8Array,
    Uint8ClampedArray,
    Int16Array,
    Uint16Array,
    Int32Array,
    Uint32Array,
    Float32Array,
    Float64Array,
    BigInt64Array,
    BigUint64Array,
  ];
  const views = kinds.map((Kind) => new Kind(buffer, 8, 4));
  const own = [new Float64Array([1.5, -0, NaN]), new BigInt64Array([-5n]), new Uint8Array(0)];
  const dv = new DataView(buffer, 3, 10);
  // The ES2023 lib the project targets does not declare resizable buffers; Node 24 has them.
  type Resizable = ArrayBuffer & { resizable: boolean; maxByteLength: number };
  const Resizable = ArrayBuffer as unknown as new (n: number, o: object) => Resizable;
  const resizable = new Resizable(4, { maxByteLength: 16 });
  const back = again({ buffer, views, own, dv, resizable });
  assert.deepEqual(new Uint8Array(back.buffer), new Uint8Array(buffer));
  back.views.forEach((v, i) => {
    assert.equal(v.constructor, kinds[i]);
    assert.equal(v.buffer, back.buffer);
    assert.equal(v.byteOffset, 8);
    assert.equal(v.length, 4);
    assert.deepEqual([...v], [...views[i]!]);
  });
  assert.ok(Object.is(back.own[0][1], -0) && Number.isNaN(back.own[0][2]));
  assert.equal(back.own[1][0], -5n);
  assert.equal(back.own[2].length, 0);
  assert.equal(back.dv.buffer, back.buffer);
  assert.deepEqual([back.dv.byteOffset, back.dv.byteLength], [3, 10]);
  back.views[1]![0] = 99;
  assert.equal(new Uint8Array(back.buffer)[8], 99, 'views still share the buffer');
  assert.equal(back.resizable.resizable, true);
  assert.equal(back.resizable.maxByteLength, 16);
});

test('base64 of every tail length and of all byte values', () => {
  assert.equal(encodeBase64(new TextEncoder().encode('Man')), 'TWFu');
  assert.equal(encodeBase64(new TextEncoder().encode('Ma')), 'TWE=');
  assert.equal(encodeBase64(new TextEncoder().encode('M')), 'TQ==');
  for (let n = 0; n < 300; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n) & 255);
    const text = encodeBase64(bytes);
    assert.equal(text, Buffer.from(bytes).toString('base64'));
    assert.deepEqual(decodeBase64(text), bytes);
  }
  assert.throws(() => decodeBase64('TW=u'), /corrupt base64/);
});

test('Errors: the built-in subclass, message, stack, cause, extra properties', () => {
  const cause = { why: 'disk' };
  const e = new RangeError('too far', { cause });
  e.stack = 'RangeError: too far\n    at somewhere (file.ts:1:1)';
  const tagged = Object.assign(new TypeError('bad'), { code: 'E_BAD' });
  const agg = new AggregateError([e, 1], 'many');
  const noStack = new Error('bare');
  delete (noStack as { stack?: string }).stack;
  const back = again({ e, tagged, agg, noStack, cause });
  assert.ok(back.e instanceof RangeError);
  assert.equal(Object.prototype.toString.call(back.e), '[object Error]');
  assert.equal(back.e.message, 'too far');
  assert.equal(back.e.stack, e.stack);
  assert.equal(back.e.cause, back.cause);
  assert.deepEqual(Object.keys(back.e), [], 'message, stack and cause stay non-enumerable');
  assert.ok(back.tagged instanceof TypeError);
  assert.equal(back.tagged.code, 'E_BAD');
  assert.deepEqual(Object.keys(back.tagged), ['code']);
  assert.ok(back.agg instanceof AggregateError);
  assert.equal(back.agg.errors[0], back.e);
  assert.equal(back.agg.errors[1], 1);
  assert.equal(Object.hasOwn(back.noStack, 'stack'), false);
});

test('frozen, sealed and non-extensible objects and arrays keep their state', () => {
  const back = again({
    frozen: Object.freeze({ a: 1 }),
    sealed: Object.seal({ b: 2 }),
    closed: Object.preventExtensions({ c: 3 }),
    frozenArray: Object.freeze([1, 2]),
    open: { d: 4 },
  });
  assert.ok(Object.isFrozen(back.frozen) && back.frozen.a === 1);
  assert.ok(Object.isSealed(back.sealed) && !Object.isFrozen(back.sealed));
  assert.ok(!Object.isExtensible(back.closed) && !Object.isSealed(back.closed));
  assert.ok(Object.isFrozen(back.frozenArray));
  assert.deepEqual(back.frozenArray, [1, 2]);
  assert.ok(Object.isExtensible(back.open));
});

test('image-class instances: made by the kernel, fields filled, transient keys skipped, privates last', () => {
  restored.length = 0;
  const ann = new Agent('ann');
  const bob = new Agent('bob');
  ann.friend = bob;
  bob.friend = ann;
  Object.defineProperty(ann, 'quiet', { value: 1, writable: true, configurable: true });
  const account = new Account();
  privates.set(account, { '#balance': 10, '#holder': bob });
  const back = roundTrip([
    ['agents', [ann, bob]],
    ['account', account],
  ]);
  const [ann2, bob2] = back.get('agents') as Agent[];
  assert.ok(ann2 instanceof Agent && bob2 instanceof Agent);
  assert.equal(ann2!.friend, bob2);
  assert.equal(bob2!.friend, ann2);
  assert.equal(Object.hasOwn(ann2!, 'scratch'), false, 'static transient keys are skipped');
  assert.equal((ann2 as unknown as { quiet: number }).quiet, 1);
  assert.equal(Object.getOwnPropertyDescriptor(ann2, 'quiet')!.enumerable, false);
  const account2 = back.get('account') as Account;
  assert.ok(account2 instanceof Account);
  assert.equal(account2.owner, 'ann');
  assert.equal(restored.length, 1);
  const [{ obj, cls, values }] = restored as [(typeof restored)[0]];
  assert.equal(obj, account2);
  assert.equal(cls, 'Account');
  assert.equal(values['#balance'], 10);
  assert.equal(values['#holder'], bob2);
  assert.equal((values['#holder'] as Agent).name, 'bob', 'restorePrivates runs after every fill');
});

test('an image class that extends Error keeps message and stack', () => {
  const fault = new Fault('broken');
  const back = again(fault);
  assert.ok(back instanceof Fault && back instanceof Error);
  assert.equal(back.message, 'broken');
  assert.equal(back.stack, fault.stack);
  assert.equal(back.code, 7);
  assert.deepEqual(Object.keys(back), ['code']);
});

test('definitions are saved by name and come back as the same function or class', () => {
  const back = again({ fn: tick, cls: Agent, list: [tick, tick] });
  assert.equal(back.fn, tick);
  assert.equal(back.cls, Agent);
  assert.equal(back.list[1], tick);
  const heap = JSON.parse(JSON.stringify(encodeHeap([['f', tick]], kernel))) as EncodedHeap;
  assert.throws(() => decodeHeap(heap, { ...kernelDecode, definition: () => assert.fail('no') }));
  assert.deepEqual(heap.roots, [['f', ['f', 'tick']]]);
});

test('transient values are saved as a marker and decode as undefined', () => {
  const connection = { socket: 'live' };
  const onData = () => connection;
  transients.add(connection);
  transients.add(onData);
  const back = again({ connection, again: connection, list: [connection], kept: 1, onData });
  assert.ok(Object.hasOwn(back, 'onData') && back.onData === undefined);
  assert.ok(Object.hasOwn(back, 'connection'));
  assert.equal(back.connection, undefined);
  assert.equal(back.again, undefined);
  assert.deepEqual(back.list, [undefined]);
  assert.equal(back.kept, 1);
  assert.equal(roundTrip([['c', connection]]).get('c'), undefined);
});

test('the encoded heap is compact, plain JSON data', () => {
  const shared = { x: -1 };
  const heap = encodeHeap(
    [['root', { a: 1, b: 'two', c: [true, null, shared], d: shared }]],
    kernel,
  );
  assert.deepEqual(JSON.parse(JSON.stringify(heap)), heap);
  assert.deepEqual(heap, {
    version: 1,
    roots: [['root', -1]],
    shapes: [{ k: ['a', 'b', 'c', 'd'] }, { k: ['x'] }],
    objects: [
      [0, 1, 'two', -2, -3],
      ['A', true, null, -3],
      [1, [-1]],
    ],
    locked: [],
  });
});

test('decoding defines properties even where prototypes have setters or read-only keys', () => {
  const gauge = Object.assign(new Account(), { level: 3 });
  const heap = JSON.stringify(encodeHeap([['v', { trap: 1, fixed: 2, gauge }]], kernel));
  let calls = 0;
  const count = { set: () => calls++, configurable: true };
  try {
    Object.defineProperty(Object.prototype, 'trap', count);
    Object.defineProperty(Object.prototype, 'fixed', { value: 0, configurable: true });
    // A later version of the class made `level` an accessor; old instances own a `level` field.
    Object.defineProperty(Account.prototype, 'level', { get: () => -1, ...count });
    const back = decodeHeap(JSON.parse(heap) as EncodedHeap, kernelDecode).get('v') as {
      trap: number;
      fixed: number;
      gauge: { level: number };
    };
    assert.ok(Object.hasOwn(back, 'trap') && back.trap === 1);
    assert.ok(Object.hasOwn(back, 'fixed') && back.fixed === 2);
    assert.ok(Object.hasOwn(back.gauge, 'level') && back.gauge.level === 3);
    assert.equal(calls, 0);
  } finally {
    delete (Object.prototype as { trap?: unknown }).trap;
    delete (Object.prototype as { fixed?: unknown }).fixed;
    delete (Account.prototype as { level?: unknown }).level;
  }
});

test('a closure is refused with its path and what to do', () => {
  const world = { agents: [{}, {}, {}, { onTick: () => 1 }] };
  const e = refusal([['world', world]]);
  assert.equal(e.path, 'world.agents[3].onTick');
  assert.equal(
    e.message,
    'cannot save world.agents[3].onTick: it is a closure (a function that is not a top-level definition). Make it a top-level function, or mark it transient: define it as const x = transient(() => ...) and store x here.',
  );
  const agent = Object.assign(new Agent('ann'), { onTick: () => 2 });
  assert.match(
    refusal([['world', { agents: [agent] }]]).message,
    /^cannot save world\.agents\[0\]\.onTick: it is a closure .* or mark it transient: static transient = \['onTick'\] on class Agent\.$/,
  );
  assert.match(
    refusal([['handler', () => 1]]).message,
    /^cannot save handler: .* mark it transient: const handler = transient\(\(\) => \.\.\.\)\.$/,
  );
});

test('what cannot be saved is refused with a reason for its kind', () => {
  const cases: [unknown, RegExp][] = [
    [tick.bind(null), /it is a bound function \(bound tick, made by \.bind\)/],
    [Math.max, /it is the built-in function max\. Call it from a top-level function/],
    [Local, /it is a class that is not a top-level definition/],
    [new WeakMap(), /it is a WeakMap, and a WeakMap cannot be enumerated\. Use a Map/],
    [new WeakSet(), /it is a WeakSet/],
    [new WeakRef({}), /it is a WeakRef/],
    [new FinalizationRegistry(() => {}), /it is a FinalizationRegistry/],
    [Promise.resolve(1), /it is a Promise/],
    [(function* () {})(), /it is a paused generator/],
    [[1][Symbol.iterator](), /it is an iterator/],
    [new Map().keys(), /it is an iterator/],
    [Object.create({ base: 1 }), /its prototype is an ordinary object, not a class's prototype/],
    [new Local(), /it is an instance of Local, which is not a top-level class definition/],
    [Symbol('private'), /it is a symbol made by Symbol\(\).* Use Symbol\.for\("private"\)/],
    [Object(1), /it is a boxed primitive/],
    [new Cache(), /instance of Cache, an image class that extends Map/],
    [new SharedArrayBuffer(8), /it is a SharedArrayBuffer/],
  ];
  for (const [value, reason] of cases) {
    const e = refusal([['x', { value }]]);
    assert.equal(e.path, 'x.value');
    assert.match(e.message, /^cannot save x\.value: /);
    assert.match(e.message, reason);
  }
});

test('property attributes that a reload would change are refused, saying why', () => {
  const getter = refusal([
    [
      'o',
      {
        get total() {
          return 1;
        },
      },
    ],
  ]);
  assert.equal(getter.path, 'o.total');
  assert.match(
    getter.message,
    /it is an accessor property \(get\/set\).*Make it a plain data property/,
  );
  const hidden = refusal([
    ['o', Object.defineProperty({}, 'secret', { value: 1, writable: true, configurable: true })],
  ]);
  assert.equal(hidden.path, 'o.secret');
  assert.match(hidden.message, /non-enumerable property/);
  const hiddenInArray = refusal([['a', Object.defineProperty([1], 'meta', { value: 1 })]]);
  assert.equal(hiddenInArray.path, 'a.meta');
  const readOnly = refusal([
    ['o', Object.defineProperty({}, 'k', { value: 1, enumerable: true, configurable: true })],
  ]);
  assert.match(readOnly.message, /cannot save o\.k: it is a read-only property/);
  const symKey = refusal([['o', { [Symbol('s')]: 1 }]]);
  assert.equal(symKey.path, 'o[Symbol(s)]');
});

test('paths name Map values and keys, Set members, quoted and symbol keys, privates', () => {
  const fn = () => 0;
  const paths: [unknown, string][] = [
    [new Map([['k', fn]]), 'x.get("k")'],
    [new Map([[2, fn]]), 'x.get(2)'],
    [new Map([[fn, 1]]), '[...x.keys()][0]'],
    [
      new Map<unknown, unknown>([
        ['a', 1],
        [{}, fn],
      ]),
      '[...x.values()][1]',
    ],
    [new Set([1, 2, fn]), '[...x][2]'],
    [{ 'a-b': fn }, 'x["a-b"]'],
    [{ 7: fn }, 'x[7]'],
    [{ [Symbol.for('k')]: fn }, 'x[Symbol.for("k")]'],
    [{ [Symbol.iterator]: fn }, 'x[Symbol.iterator]'],
    [{ list: [[fn]] }, 'x.list[0][0]'],
    [new Uint8Array(new SharedArrayBuffer(4)), 'x.buffer'],
  ];
  for (const [value, path] of paths) assert.equal(refusal([['x', value]]).path, path);
  const account = new Account();
  privates.set(account, { '#audit': fn });
  assert.equal(refusal([['acct', account]]).path, 'acct.#audit');
  const deep = { config: { 'a-b': { handlers: new Map([['save', [0, fn]]]) } } };
  assert.equal(
    refusal([
      ['ok', 1],
      ['app', deep],
    ]).path,
    'app.config["a-b"].handlers.get("save")[1]',
  );
});

// 50,000 links are over 5 times the depth at which a recursive walk overflows Node's stack (a
// minimal one, one frame of two arguments per link, overflows at about 9,000 here), which is what
// this is about; the bench saves 1M objects.
test('a 50,000-link ring round-trips without recursion', () => {
  const n = 50_000;
  type Link = { id: number; next: Link | null; prev: Link | null; tags: string[] };
  const nodes: Link[] = [];
  for (let i = 0; i < n; i++) nodes.push({ id: i, next: null, prev: null, tags: ['t' + (i % 3)] });
  for (let i = 0; i < n; i++) {
    nodes[i]!.next = nodes[(i + 1) % n]!;
    nodes[i]!.prev = nodes[(i + n - 1) % n]!;
  }
  const first = again(nodes[0]!);
  assert.equal(first.id, 0);
  assert.equal(first.next!.prev, first);
  assert.equal(first.prev!.id, n - 1);
  assert.equal(first.prev!.next, first);
  let node = first;
  for (let i = 0; i < 1234; i++) node = node.next!;
  assert.equal(node.id, 1234);
  assert.deepEqual(node.tags, ['t1']);
});

test('a heap of an unknown format version is refused clearly', () => {
  const heap = { ...encodeHeap([['x', 1]], kernel), version: 99 };
  assert.throws(() => decodeHeap(heap, kernelDecode), /unsupported heap format \(version 99\)/);
});
