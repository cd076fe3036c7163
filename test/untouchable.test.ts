// The kernel works whatever user code defines or patches (issue 10, point 1). Each hostile entry
// (a built-in global's name as a definition, a patched prototype method or static, a user
// `Error.prepareStackTrace`, a `Symbol.species` trick) runs first in a fresh session on a fresh
// image, followed by ordinary work: a function and a class, the class redefined with an `upgrade`,
// values printed, `:save`, reopening, `:history`. The ordinary work must answer exactly what it
// answers without the hostile entry, and the hostile entry's own probe what plain V8 (node:vm)
// answers. Also: no kernel module refers to a builtin global it did not import, no kernel state is
// reachable from user code, and saving runs no user code (proxies, getters).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import vm from 'node:vm';
import { session } from './support/session.ts';
import { freeGlobalReferences } from './support/free-globals.ts';
import { unsafeIteration } from './support/iteration-lint.ts';
import { stdlibEntries } from '../src/session/stdlib.ts';
import { analyze } from '../src/session/compile/analyze.ts';

interface Hostile {
  /** The hostile entry (one entry). */
  code: string;
  /** An expression whose value, printed, must equal what node:vm gives after `code`. */
  probe: string;
}

const thrower = 'function () { throw new Error("patched") }';
const junk = '() => 42';

const definitions = [
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'Number',
  'String',
  'Boolean',
  'Symbol',
  'Reflect',
  'Array',
  'Object',
  'Promise',
  'Error',
  'JSON',
  'Math',
  'Date',
  'Function',
  'TypeError',
  'RegExp',
  'BigInt',
  'Proxy',
  'WeakRef',
  'Uint8Array',
  'ArrayBuffer',
];
const kinds = [
  (n: string) => `class ${n} {}`,
  (n: string) => `function ${n}() { return 'mine' }`,
  (n: string) => `const ${n} = { mine: true }`,
];

const HOSTILE: Hostile[] = [
  // Every built-in name as a class, a function or a const (kinds rotate over the names).
  ...definitions.map((name, i) => ({
    code: kinds[i % kinds.length]!(name),
    probe: `typeof ${name}`,
  })),
  // Patched prototype methods and statics.
  ...[
    'Array.prototype.push',
    'Array.prototype.map',
    'Array.prototype.join',
    'Array.prototype.slice',
    'Array.prototype.splice',
    'Array.prototype.indexOf',
    'Array.prototype.includes',
    'Array.prototype.forEach',
    'Array.prototype.filter',
    'Array.isArray',
    'Array.from',
    'Object.keys',
    'Object.defineProperty',
    'Object.getOwnPropertyDescriptor',
    'Object.getPrototypeOf',
    'Object.entries',
    'Object.assign',
    'Object.freeze',
    'Function.prototype.call',
    'Function.prototype.apply',
    'Function.prototype.bind',
    'Function.prototype.toString',
    'Map.prototype.get',
    'Map.prototype.set',
    'Map.prototype.has',
    'Set.prototype.add',
    'Set.prototype.has',
    'WeakMap.prototype.get',
    'WeakMap.prototype.set',
    'Promise.prototype.then',
    'Promise.resolve',
    'Error.captureStackTrace',
    'JSON.stringify',
    'JSON.parse',
    'Reflect.apply',
    'Reflect.construct',
    'Reflect.ownKeys',
    'Symbol.for',
    'Symbol.prototype.toString',
    'String.prototype.slice',
    'String.prototype.split',
    'String.prototype.replace',
    'String.prototype.startsWith',
    'String.prototype.padStart',
    'String.prototype.repeat',
    'Number.prototype.toString',
    'Number.isInteger',
    'RegExp.prototype.test',
    'RegExp.prototype.exec',
    'Math.max',
  ].map((path) => ({ code: `${path} = ${thrower}`, probe: `typeof ${path}` })),
  { code: `Object.prototype.toJSON = ${junk}`, probe: 'typeof ({}).toJSON' },
  { code: `Array.prototype.toJSON = ${junk}`, probe: 'typeof [].toJSON' },
  { code: `Error.prepareStackTrace = ${thrower}`, probe: 'typeof Error.prepareStackTrace' },
  { code: `Error.prepareStackTrace = ${junk}`, probe: 'new Error("x").stack' },
  {
    code: `Object.defineProperty(Array, Symbol.species, { get: ${thrower} })`,
    probe: 'typeof Object.getOwnPropertyDescriptor(Array, Symbol.species).get',
  },
  {
    code: `Object.defineProperty(Promise, Symbol.species, { get: ${thrower} })`,
    probe: 'typeof Object.getOwnPropertyDescriptor(Promise, Symbol.species).get',
  },
  {
    code: `Object.defineProperty(Object.prototype, 'then', { get: ${thrower}, configurable: true })`,
    probe: "typeof Object.getOwnPropertyDescriptor(Object.prototype, 'then').get",
  },
  // The iteration protocol (test262 deletes or patches it): the kernel's loops, spreads and
  // destructuring iterate through iterators it owns (safe() in primordials-core.ts).
  ...[
    ['Object.getPrototypeOf([][Symbol.iterator]())', 'next'],
    ['Object.getPrototypeOf(new Map().entries())', 'next'],
    ['Object.getPrototypeOf(new Set().values())', 'next'],
    ['Object.getPrototypeOf(""[Symbol.iterator]())', 'next'],
  ].map(([holder, key]) => ({
    code: `${holder}.${key} = ${thrower}`,
    probe: `typeof ${holder}.${key}`,
  })),
  // (Array.prototype's is deleted in a test of its own: arrays then print as Node prints them.)
  ...['String.prototype', 'Map.prototype', 'Set.prototype'].map((proto) => ({
    code: `delete ${proto}[Symbol.iterator]`,
    probe: `typeof ${proto}[Symbol.iterator]`,
  })),
];

/** Ordinary work after the hostile entry: uses no built-in global by name. */
const WORK = [
  'function double(x) { return x * 2 }',
  'double(21)',
  'class Acct { constructor(n) { this.n = n } get label() { return `acct ${this.n}` } }',
  'const acct = new Acct(3)',
  'acct.label',
  'class Acct { constructor(n) { this.amount = n } get label() { return `acct ${this.amount}` } static upgrade(a) { a.amount = a.n * 10; delete a.n } }',
  'acct.label',
  "[1, 'two', { three: 3 }, [4], null, undefined, double]",
  'acct',
  ':save',
];
const REOPEN = ['double(5)', 'acct.label', 'acct instanceof Acct', ':history Acct'];

/** What a result shows a person, without what differs from run to run (times, entry numbers). */
function shown(r: { ok: boolean; value?: string; error?: { name: string; message: string } }) {
  const text = r.ok ? (r.value ?? '') : `${r.error?.name}: ${r.error?.message}`;
  return text
    .replace(/^saved .*/, 'saved')
    .replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/g, 'TIME')
    .replace(/entry \d+/g, 'entry N');
}

/** The probes' values in plain V8 after each hostile entry of a group, as Node prints them. */
function plainProbes(group: Hostile[]): string[] {
  const context = vm.createContext({});
  return group.map((h) => {
    try {
      vm.runInContext(h.code, context);
      return inspect(vm.runInContext(h.probe, context));
    } catch (error) {
      const e = error as Error;
      return `${e.name}: ${e.message}`;
    }
  });
}

/** A group of hostile entries (each followed by its probe), the work, a reopen and more work. */
async function runGroup(image: string, group: Hostile[]) {
  const first = await session([...group.flatMap((h) => [h.code, h.probe]), ...WORK], { image });
  const second = await session(REOPEN, { image });
  const skip = group.length * 2;
  return {
    hostile: first.results.slice(0, skip),
    work: [...first.results.slice(skip), ...second.results].map(shown),
  };
}

// Hostile entries run in groups (plain V8 runs each group in one context too): a session on a
// fresh image costs ~100 ms, and the kernel must survive any combination anyway. Each entry of a
// group must still succeed after the ones before it, and its probe equal plain V8's after the same.
const GROUP = 20;

test('untouchable: ordinary work after each of 80+ hostile entries is what it is without them', async () => {
  assert.ok(HOSTILE.length >= 40);
  const dir = mkdtempSync(join(tmpdir(), 'viv-untouchable-'));
  try {
    const baseline = await runGroup(join(dir, 'baseline.json'), []);
    assert.equal(baseline.work.length, WORK.length + REOPEN.length);
    assert.ok(
      baseline.work.every((w) => !/Error/.test(w)),
      baseline.work.join('\n'),
    );
    const failures: string[] = [];
    for (let g = 0; g < HOSTILE.length; g += GROUP) {
      const group = HOSTILE.slice(g, g + GROUP);
      const got = await runGroup(join(dir, `group${g}.json`), group);
      const plain = plainProbes(group);
      group.forEach((h, i) => {
        const [entry, probe] = [got.hostile[2 * i]!, got.hostile[2 * i + 1]!];
        if (!entry.ok) failures.push(`${h.code}: the entry failed: ${shown(entry)}`);
        if (shown(probe) !== plain[i]) {
          failures.push(`${h.code}: probe ${h.probe} gave ${shown(probe)}, not ${plain[i]}`);
        }
      });
      const codes = group.map((h) => h.code).join('; ');
      baseline.work.forEach((expected, w) => {
        if (got.work[w] !== expected) {
          const what = [...WORK, ...REOPEN][w];
          failures.push(`after ${codes}: ${what} gave ${got.work[w]}, not ${expected}`);
        }
      });
    }
    assert.deepEqual(failures, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('untouchable: with Array.prototype[Symbol.iterator] deleted (test262 does), the work is the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viv-untouchable-'));
  try {
    const baseline = await runGroup(join(dir, 'baseline.json'), []);
    const hostile = {
      code: 'delete Array.prototype[Symbol.iterator]',
      probe: 'typeof Array.prototype[Symbol.iterator]',
    };
    const got = await runGroup(join(dir, 'deleted.json'), [hostile]);
    assert.deepEqual(got.hostile.map(shown), ['true', "'undefined'"]);
    // An array without an iterator prints as Node prints it (util.inspect asks for the iterator).
    const literal = WORK.indexOf("[1, 'two', { three: 3 }, [4], null, undefined, double]");
    const context = vm.createContext({});
    vm.runInContext(`${hostile.code}; function double(x) { return x * 2 }`, context);
    const expected = [...baseline.work];
    expected[literal] = inspect(vm.runInContext(WORK[literal]!, context));
    assert.match(expected[literal]!, /^Array \{/);
    assert.deepEqual(got.work, expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('untouchable: a Map and a Set print their entries whatever user code does to their iterators', async () => {
  // (Node's own util.inspect throws here: it calls the patched `next`.)
  const code = [
    'const m = new Map(); m.set(1, "a"); const s = new Set(); s.add(2); [m.size, s.size]',
    `Object.getPrototypeOf(new Map().entries()).next = ${thrower}`,
    `Object.getPrototypeOf(new Set().values()).next = ${thrower}`,
    `Map.prototype.entries = Map.prototype.forEach = ${thrower}`,
    `Set.prototype.values = Set.prototype.forEach = ${thrower}`,
    'm',
    's',
    '[m, s]',
  ];
  const { results } = await session(code);
  assert.deepEqual(results.map(shown), [
    '[ 1, 1 ]',
    ...code.slice(1, 5).map(() => '[Function (anonymous)]'),
    "Map(1) { 1 => 'a' }",
    'Set(1) { 2 }',
    "[ Map(1) { 1 => 'a' }, Set(1) { 2 } ]",
  ]);
});

function kernelFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const path = join(dir, f);
    if (statSync(path).isDirectory()) return kernelFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test('untouchable: no kernel module refers to a builtin global it did not import', () => {
  const found: string[] = [];
  for (const file of kernelFiles('src/kernel')) {
    // The capture itself reads the globals, once, before any user code runs.
    if (file.endsWith('primordials-core.ts')) continue;
    for (const r of freeGlobalReferences(readFileSync(file, 'utf8'))) {
      found.push(`${file}:${r.line}:${r.column + 1} ${r.name}`);
    }
  }
  assert.deepEqual(found, []);
});

test('untouchable: every kernel loop, spread and destructuring iterates through safe()', () => {
  const found: string[] = [];
  for (const file of kernelFiles('src/kernel')) {
    for (const f of unsafeIteration(readFileSync(file, 'utf8'))) {
      found.push(`${file}:${f.line}:${f.column + 1} ${f.what}`);
    }
  }
  assert.deepEqual(found, []);
  // The lint finds what it should.
  const sample = [
    'for (const x of list) {}',
    'const [a, b] = pair',
    'f(...args)',
    'const copy = [...list]',
    'new Map(pairs)',
    'Object.fromEntries(pairs)',
    'for (const x of safe(list)) {}',
    'f(...safe(args)); const o = { ...p }; new Map(); new Map(safe(pairs))',
    'function g(...rest) { return rest }',
  ].join('\n');
  assert.deepEqual(
    unsafeIteration(sample).map((f) => `${f.line} ${f.what}`),
    [
      '1 for-of not over safe(...)',
      '2 array destructuring',
      '3 spread not over safe(...)',
      '4 spread not over safe(...)',
      '5 new Map(...) not over safe(...)',
      '6 Object.fromEntries not over safe(...)',
    ],
  );
});

test('untouchable: user code reaches no kernel state: no __viv, no gc, no undocumented global', async () => {
  const { results } = await session([
    'function defined() {}; class Defined {}; Object.getOwnPropertyNames(globalThis).join(" ")',
    '[Object.getOwnPropertySymbols(globalThis).length, Reflect.ownKeys(globalThis).filter((k) => typeof k === "symbol").length, Object.getOwnPropertySymbols(Object.getOwnPropertyDescriptors(globalThis)).length]',
    'typeof __viv',
    "typeof globalThis['__viv'] + ' ' + typeof gc",
  ]);
  const names = results[0]!.value!.slice(1, -1).split(' ');
  const plain = new Set(Object.getOwnPropertyNames(vm.runInNewContext('globalThis')));
  // The stdlib's definitions and the capabilities the README documents may be extra, nothing else
  // (a definition's implementation lives in its stub's closure, not in a global slot).
  const documented = new Set([
    ...stdlibEntries().flatMap((e) => analyze(e.source).declarations.map((d) => d.name)),
    ...['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'queueMicrotask'],
    ...['performance', 'spawn', 'stop', 'restart', 'processes', 'forget', 'vivarium'],
    ...['once', 'transient', '_', 'defined', 'Defined'],
  ]);
  const extra = names.filter((n) => !plain.has(n) && !documented.has(n));
  assert.deepEqual(extra, []);
  assert.ok(!names.includes('__viv') && !names.includes('gc'));
  // A definition's implementation lives in a global slot keyed by a symbol reflection never shows.
  const symbols = vm.runInNewContext('Object.getOwnPropertySymbols(globalThis).length');
  assert.equal(results[1]!.value, `[ ${symbols}, ${symbols}, ${symbols} ]`);
  assert.equal(results[2]!.ok, false);
  assert.match(results[2]!.error!.message, /'__viv' is reserved by Vivarium/);
  assert.equal(results[3]!.value, "'undefined undefined'");
});

test('untouchable: saving refuses a Proxy by its path and runs none of its traps', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viv-proxy-'));
  try {
    const image = join(dir, 'p.json');
    const { results } = await session(
      [
        'let trapped = 0',
        'const o = { p: new Proxy({}, { get: () => { trapped++; return 42 } }) }',
        ':save',
        'delete o.p; o.r = [1, Proxy.revocable({}, {}).proxy]',
        ':save',
        'delete o.r; const x = { q: new Proxy({}, { ownKeys() { for (;;) {} } }) }',
        ':save',
        'trapped',
        '[new Proxy({ a: 1 }, {}).a, Proxy.length, Proxy.name, typeof Proxy.prototype, typeof Proxy.revocable({}, {}).revoke]',
      ],
      { image, noSave: true, timeoutMs: 5000 },
    );
    assert.match(shown(results[2]!), /^SnapshotError: cannot save o\.p: it is a Proxy/);
    assert.match(shown(results[4]!), /^SnapshotError: cannot save o\.r\[1\]: it is a Proxy/);
    assert.match(shown(results[6]!), /^SnapshotError: cannot save x\.q: it is a Proxy/);
    assert.equal(results[7]!.value, '0');
    const plain = inspect(
      vm.runInNewContext(
        '[new Proxy({ a: 1 }, {}).a, Proxy.length, Proxy.name, typeof Proxy.prototype, typeof Proxy.revocable({}, {}).revoke]',
      ),
    );
    assert.equal(results[8]!.value, plain);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('untouchable: saving never calls a getter: an accessor is refused with its path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viv-getter-'));
  try {
    const image = join(dir, 'g.json');
    const { results } = await session(
      ['let calls = 0', 'const g = { a: 1, get b() { calls++; return 2 } }', ':save', 'calls'],
      { image, noSave: true },
    );
    assert.match(shown(results[2]!), /^SnapshotError: cannot save g\.b: it is an accessor/);
    assert.equal(results[3]!.value, '0');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
