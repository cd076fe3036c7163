// The machinery must not change what JavaScript means. Each case runs its code in plain V8
// (node:vm, a fresh context) and in Vivarium, then redefines everything by entering the same code
// again and probes once more: both probes must equal plain V8's answer. Cases with an `old` probe
// also keep an instance made before the redefinition and use it after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import vm from 'node:vm';
import { inspect } from 'node:util';
import { session } from './support/session.ts';
import { run } from './helpers.ts';

interface Case {
  name: string;
  /** Definitions (one entry). */
  code: string;
  /** An expression; its JSON is compared. */
  probe: string;
  /** Probes class state, which a redefinition keeps (tested in classes.test.ts): round 1 only. */
  stateful?: boolean;
}

const cases: Case[] = [
  {
    name: 'constructor with super(...) and fields in order',
    code: `class A1 { a = this.log('A.field'); constructor(x) { this.log('A.ctor ' + x); } log(s) { (this.trace ??= []).push(s); return s } }
class B1 extends A1 { b = this.log('B.field'); constructor(x) { super(x + 1); this.log('B.ctor'); } }`,
    probe: `new B1(1).trace`,
  },
  {
    name: 'new.target in base and derived constructors',
    code: `class A2 { constructor() { this.t = new.target.name; this.same = new.target === A2 } }
class B2 extends A2 {}
function F2() { return { called: new.target === undefined } }`,
    probe: `[new A2().t, new A2().same, new B2().t, new B2().same, F2().called, new F2().called]`,
  },
  {
    name: 'private fields, methods, accessors and brand checks',
    code: `class P3 { #x; #y = 2; constructor(x) { this.#x = x } #sum() { return this.#x + this.#y } get #twice() { return this.#sum() * 2 } get total() { return this.#twice } static has(o) { return #x in o } inc() { this.#x++; return this.#x } }`,
    probe: `(() => { const p = new P3(1); return [p.total, P3.has(p), P3.has({}), p.inc(), p.total, Object.keys(p)] })()`,
  },
  {
    name: 'reading a private field of the wrong object throws TypeError',
    code: `class P4 { #v = 1; static read(o) { try { return o.#v } catch (e) { return e.constructor.name } } }`,
    probe: `[P4.read(new P4()), P4.read({})]`,
  },
  {
    name: 'static blocks, static fields and static private members',
    code: `class S5 { static count = 0; static #secret = 41; static log = []; static { S5.log.push('block ' + S5.count); this.count = 10; } static next() { return ++S5.#secret } static get secret() { return this.#secret } }`,
    probe: `[S5.count, S5.log, S5.next(), S5.secret]`,
    stateful: true,
  },
  {
    name: 'getters, setters and super.x in methods and accessors',
    code: `class A6 { get v() { return 'A' } set v(x) { this._v = x } m() { return 'A.m' } static s() { return 'A.s' } }
class B6 extends A6 { get v() { return super.v + 'B' } m() { return super.m() + '>B.m' } static s() { return super.s() + '>B.s' } setBoth(x) { super.v = x; return this._v } }`,
    probe: `(() => { const b = new B6(); return [b.v, b.m(), B6.s(), b.setBoth(7)] })()`,
  },
  {
    name: 'generator and async methods',
    code: `class G7 { *range(n) { for (let i = 0; i < n; i++) yield i } async twice(x) { await null; return x * 2 } static *keys() { yield* ['a', 'b'] } }`,
    probe: `[[...new G7().range(3)], [...G7.keys()], typeof new G7().twice(2).then]`,
  },
  {
    name: 'computed keys',
    code: `const k8 = 'dyn'; const sym8 = Symbol.for('s8');
class C8 { [k8 + 'Method']() { return 1 } get [k8]() { return 2 } static [k8 + 'Static'] = 3; [sym8]() { return 4 } ['lit' + 1] = 5 }`,
    probe: `(() => { const c = new C8(); return [c.dynMethod(), c.dyn, C8.dynStatic, c[Symbol.for('s8')](), c.lit1] })()`,
  },
  {
    name: 'function hoisting within an entry',
    code: `const early9 = later9(2);
function later9(x) { return x * 10 }`,
    probe: `[early9, later9(3)]`,
  },
  {
    name: 'arguments in sloppy and strict functions',
    code: `function sloppy10(a) { arguments[0] = 99; return [a, arguments.length] }
function strict10(a) { 'use strict'; arguments[0] = 99; return [a, arguments.length] }
function rest10(...xs) { return [arguments.length, xs.length] }`,
    probe: `[sloppy10(1, 2), strict10(1, 2, 3), rest10(), sloppy10.length, strict10.length]`,
  },
  {
    name: 'this in sloppy and strict functions',
    code: `function sloppyThis11() { return this === globalThis }
function strictThis11() { 'use strict'; return this === undefined }
const arrowThis11 = () => typeof this;
const obj11 = { m() { return this === obj11 } };`,
    probe: `[sloppyThis11(), strictThis11(), sloppyThis11.call(5) === false, obj11.m(), strictThis11.call(undefined)]`,
  },
  {
    name: 'function constructors and their prototypes',
    code: `function Old12(x) { this.x = x }
Old12.prototype.get = function () { return this.x };`,
    probe: `(() => { const o = new Old12(4); return [o.get(), o instanceof Old12, Object.getPrototypeOf(o) === Old12.prototype, o.constructor === Old12] })()`,
  },
  {
    name: 'class identity, name, length and toString of instances',
    code: `class N13 { constructor(a, b, c = 1) {} }
class M13 extends N13 {}`,
    probe: `[N13.name, N13.length, M13.name, typeof N13, Object.getPrototypeOf(M13) === N13, String(new M13()), Object.prototype.toString.call(new N13())]`,
  },
  {
    name: 'calling a class without new throws TypeError',
    code: `class T14 {}`,
    probe: `(() => { try { T14(); return 'no' } catch (e) { return [e.constructor.name, e.message] } })()`,
  },
  {
    name: 'extending built-ins',
    code: `class Stack15 extends Array { peek() { return this[this.length - 1] } }
class Oops15 extends Error { constructor(m) { super(m); this.name = 'Oops15' } }`,
    probe: `(() => { const s = new Stack15(); s.push(1, 2); const e = new Oops15('bad'); return [s.peek(), s.length, Array.isArray(s), s instanceof Stack15, e instanceof Error, e instanceof Oops15, e.message, String(e)] })()`,
  },
  {
    name: 'instanceof and Symbol.hasInstance through subclasses',
    code: `class A16 {} class B16 extends A16 {} class C16 extends B16 {}`,
    probe: `(() => { const c = new C16(); return [c instanceof A16, c instanceof B16, new A16() instanceof B16, Object.getPrototypeOf(C16.prototype) === B16.prototype] })()`,
  },
  {
    name: 'class fields see earlier fields and constructor parameters do not',
    code: `class F17 { a = 1; b = this.a + 1; c; constructor() { this.d = this.b + 1 } }`,
    probe: `(() => { const f = new F17(); return [f, Object.keys(f), 'c' in f] })()`,
  },
  {
    name: "a named function expression's own name inside it is the definition (test262)",
    code: `var selfNamed18 = function Self18(n) { Self18 = 1; return n ? Self18(n - 1) : Self18 }`,
    probe: `[selfNamed18(2) === selfNamed18, selfNamed18.name, String(selfNamed18)]`,
  },
];

function plainV8(code: string, probe: string): unknown {
  const context = vm.createContext({});
  vm.runInContext(code, context);
  return JSON.parse(vm.runInContext(`JSON.stringify(${probe})`, context) as string);
}

test('class and function semantics equal plain V8, before and after a redefinition', async () => {
  const entries: string[] = [];
  for (const c of cases) {
    entries.push(c.code, `console.log(JSON.stringify(${c.probe}))`);
  }
  for (const c of cases) {
    entries.push(c.code, `console.log(JSON.stringify(${c.probe}))`);
  }
  const run = await session(entries);
  assert.equal(run.results.length, entries.length, run.stderr);
  cases.forEach((c, i) => {
    const expected = plainV8(c.code, c.probe);
    for (const round of c.stateful ? [0] : [0, 1]) {
      const define = run.results[round * cases.length * 2 + i * 2]!;
      const probe = run.results[round * cases.length * 2 + i * 2 + 1]!;
      assert.ok(define.ok, `${c.name} (round ${round}): ${JSON.stringify(define.error)}`);
      assert.ok(probe.ok, `${c.name} (round ${round}): ${JSON.stringify(probe.error)}`);
      const actual = JSON.parse(probe.printed[0]!);
      assert.deepEqual(actual, expected, `${c.name} (round ${round})`);
    }
  });
});

test('an instance made before a redefinition keeps working with private members after it', async () => {
  const code = `class Priv { #n; #step = 1; constructor(n) { this.#n = n } #bump() { this.#n += this.#step } next() { this.#bump(); return this.#n } static peek(o) { return #n in o ? o.#n : 'none' } }`;
  const run = await session([
    code,
    'const old = new Priv(10)',
    'old.next()',
    code.replace('#step = 1', '#step = 5').replace('return this.#n }', 'return this.#n * 100 }'),
    'old.next()',
    'Priv.peek(old)',
    'new Priv(1).next()',
    'Priv.peek({})',
  ]);
  const shown = run.results.map((r) => (r.ok ? r.value : `!${r.error?.message}`));
  assert.deepEqual([shown[2], ...shown.slice(4)], ['11', '1200', '12', '600', "'none'"]);
});

// Issue 10: what a definition is, seen from JavaScript. Each case's entries run in a fresh image;
// plain V8 runs `plain` (the code as one script; by default the entries joined) and the probe's
// JSON must be the same.
interface MeaningCase {
  name: string;
  entries: string[];
  plain?: string;
  probe: string;
}

const meaning: MeaningCase[] = [
  {
    name: 'two declarations of one function in an entry: the last wins, no recursion',
    entries: [`function twice() { return 1 }\nfunction twice() { return 2 }`],
    probe: `twice()`,
  },
  {
    name: 'a static field that becomes a static method is the method',
    entries: [`class SF { static x = 1 }`, `class SF { static x() { return 2 } }`],
    plain: `class SF { static x() { return 2 } }`,
    probe: `[typeof SF.x, SF.x()]`,
  },
  {
    name: 'toString of a function and a class gives the source as typed',
    entries: [
      `function ts1(a, b) { return a + b }\nclass TS2 { m() { return 1 } }\nconst ts3 = (x) => x * 2`,
    ],
    probe: `[ts1.toString(), TS2.toString(), String(ts3), Function.prototype.toString.call(ts1)]`,
  },
  {
    name: 'a generator definition makes objects that are instances of it, across versions',
    entries: [`function* gen1() { yield 1 }`, `function* gen1() { yield 2 }`],
    plain: `function* gen1() { yield 2 }`,
    probe: `[gen1() instanceof gen1, [...gen1()], Object.getPrototypeOf(gen1) === Object.getPrototypeOf(function* () {})]`,
  },
  {
    name: 'caller and arguments of a sloppy function read null',
    entries: [`function who() { return 1 }`],
    probe: `[who.caller, who.arguments]`,
  },
  {
    name: 'names reserved only in strict code are definitions in sloppy code',
    entries: [
      `function package() { return 'p' }\nvar implements = () => 2\nfunction yield() { return 'y' }`,
    ],
    probe: `[package(), implements(), yield()]`,
  },
  {
    name: 'yield [...yield] inside a generator',
    entries: [`function* spread() { return yield [...yield] }`],
    probe: `(() => { const it = spread(); it.next(); const v = it.next([1, 2]).value; return [v, it.next(3)] })()`,
  },
  {
    name: 'arguments at the top of an entry is the global binding, as in a script (test262)',
    entries: [`var arguments = 1\nclass Args { x = (0, eval)('arguments') }`],
    probe: `[new Args().x, arguments]`,
  },
  {
    name: 'function names are inferred as in plain V8, also through parentheses (test262)',
    entries: [
      `const cover = (function () {})\nlet inner = function named() {}\nconst nameless = (0, function () {})\nconst one = (1)\nclass Names { static #arrow = () => 1; static get arrow() { return this.#arrow } }`,
    ],
    probe: `[cover.name, inner.name, nameless.name, one, Names.arrow.name]`,
  },
  {
    name: 'static name and length members, and a static field replacing a static method (test262)',
    entries: [
      `class Nm { static name() { return 'n' } static get length() { return 7 } static g() { return 45 } static g = this.g() }`,
    ],
    probe: `[typeof Nm.name, Nm.name(), Nm.length, Nm.g]`,
  },
  {
    name: 'this in static initialisers and static private accessors is the class itself (test262)',
    entries: [
      `let seen\nclass St { static self = this; static arrow = () => this; static { seen = this } static set #v(x) { this.v = x } static put(x) { this.#v = x; return this.v } }`,
    ],
    probe: `[St.self === St, St.arrow() === St, seen === St, St.put(3), St.v]`,
  },
  {
    name: 'a direct eval in a static method sees the static privates, and only on its own class (test262)',
    entries: [
      `class Ev { static #count = 44; static get #label() { return 'ev' } static #twice() { return this.#count * 2 }
  static peek(expr) { try { return eval(expr) } catch (e) { return e.constructor.name } } }
class Other { static #count = 1 }`,
    ],
    probe: `[Ev.peek('this.#count'), Ev.peek('this.#label'), Ev.peek('this.#twice()'), Ev.peek('#count in this'), Ev.peek('this.#count = 45; eval("this.#count")'), Ev.peek.call(Other, 'this.#count'), Ev.peek('this.#nope')]`,
  },
  {
    name: 'a var is undefined, not missing, before its declaration in the entry (test262)',
    entries: [`var seenFirst = [typeof hoisted, hoisted]\nvar hoisted = 2`],
    probe: `[seenFirst, hoisted]`,
  },
  {
    name: 'a var in a top-level loop, block or try is a global, as in a script (test262)',
    entries: [
      `for (var loopVar = 0; loopVar < 3; loopVar++) {}\ntry { var inTry = 7 } finally {}\nif (true) { var { inIf } = { inIf: 'i' } }`,
    ],
    probe: `[loopVar, inTry, inIf]`,
  },
  {
    name: 'a generator whose prototype is replaced by a non-object makes %GeneratorPrototype% objects (test262)',
    entries: [`function* gp() { yield 1 }\ngp.prototype = null`],
    probe: `[Object.getPrototypeOf(gp()) === Object.getPrototypeOf(function* () {}).prototype, [...gp()]]`,
  },
  {
    name: 'a class name inside its body is the class, whatever the outer binding becomes (test262)',
    entries: [
      `class Inner { me() { return Inner } rename() { Inner = null } }\nconst heldInner = Inner\nInner = null`,
    ],
    probe: `[Inner, new heldInner().me() === heldInner, (() => { try { new heldInner().rename() } catch (e) { return e.constructor.name } })()]`,
  },
  {
    name: 'a var after a function declaration of the same name in one entry is the var (test262)',
    entries: [`function dv() { return 1 }\nvar dv = 2\nvar afterDv = dv`],
    probe: `[dv, afterDv]`,
  },
  {
    name: 'super.x = v in a static arrow function sets x on the class (test262)',
    entries: [`class SupSet { static put = () => { super.put = 'set' } }\nSupSet.put()`],
    probe: `[SupSet.put]`,
  },
  {
    name: 'an arrow or generator definition is no constructor: new and extends refuse it (test262)',
    entries: [`const arrowDef = () => 1\nfunction* genDef() {}`],
    probe: `[(() => { try { new arrowDef(); return 'constructed' } catch (e) { return e.constructor.name } })(), 'prototype' in arrowDef, (() => { try { class X extends genDef {}; return 'extended' } catch (e) { return e.constructor.name } })()]`,
  },
  {
    name: 'each generator definition has its own prototype object, with no own properties (test262)',
    entries: [`function* gOwn1() {}\nfunction* gOwn2() {}`],
    probe: `[Object.hasOwn(gOwn1, 'prototype'), gOwn1.prototype !== gOwn2.prototype, Object.getOwnPropertyNames(gOwn1.prototype)]`,
  },
  {
    name: "a named function expression's own name is the definition; assigning it is ignored, or a TypeError in strict code (test262)",
    entries: [
      `let ownName = function Own() { Own = 1; return Own }
const ownStrict = function OwnS() { 'use strict'; try { OwnS = 1 } catch (e) { return e.constructor.name } }
const ownEval = function OwnE() { eval('OwnE = 2'); return eval('OwnE') }
const ownArrow = function* OwnG() { (() => { OwnG = 3 })(); yield OwnG }`,
    ],
    probe: `[ownName() === ownName, ownStrict(), ownEval() === ownEval, ownArrow().next().value === ownArrow, String(ownName), String(ownStrict), ownEval.name]`,
  },
  {
    name: "a parameter, a var or an outer var of the same name are not a function expression's own name (test262)",
    entries: [
      `const byParam = function Bp(Bp) { return Bp }
const byVar = function Bv() { var Bv = 'var'; return Bv }
var probeOuter
var outerHolder = function Of() { probeOuter = () => Of }
var Of = 'outside'
outerHolder()`,
    ],
    probe: `[byParam(5), byVar(), Of, probeOuter() === outerHolder]`,
  },
  {
    name: "a call through a function expression's own name made by an older version reaches the newest",
    entries: [
      `const step = function step(n) { return n ? 'v1' : () => step(1) }\nconst later = step(0)`,
      `const step = function step(n) { return n ? 'v2' : () => step(1) }`,
    ],
    plain: `const step = function step(n) { return n ? 'v2' : () => step(1) }\nconst later = step(0)`,
    probe: `[later(), step(1)]`,
  },
  {
    name: 'a new let, const or class is uninitialised until its declaration: reading or assigning it throws (test262)',
    entries: [
      `function setEarly() { tdzLet = 1 }
var tdzSet = (() => { try { setEarly(); return 'set' } catch (e) { return e.constructor.name } })()
var tdzTypeof = (() => { try { return typeof TdzClass } catch (e) { return e.constructor.name } })()
let tdzLet = 2
class TdzClass {}`,
    ],
    probe: `[tdzSet, tdzTypeof, tdzLet, typeof TdzClass]`,
  },
];

test('JavaScript means what it means: definitions equal plain V8 (issue 10)', async () => {
  const entries = meaning.flatMap((c) => [...c.entries, `console.log(JSON.stringify(${c.probe}))`]);
  const run = await session(entries);
  let i = 0;
  for (const c of meaning) {
    for (const entry of c.entries) {
      const r = run.results[i++]!;
      assert.ok(r.ok, `${c.name}: ${entry}: ${JSON.stringify(r.error)}`);
    }
    const probe = run.results[i++]!;
    assert.ok(probe.ok, `${c.name}: ${JSON.stringify(probe.error)}`);
    const expected = plainV8(c.plain ?? c.entries.join('\n'), c.probe);
    assert.deepEqual(JSON.parse(probe.printed[0]!), expected, c.name);
  }
});

test('definitions print as Node prints them: [class K], [AsyncFunction: af], [GeneratorFunction: g]', async () => {
  const code = `class K {}\nasync function af() {}\nfunction* g() {}\nasync function* ag() {}\nfunction f() {}`;
  const run = await session([code, 'K', 'af', 'g', 'ag', 'f']);
  const context = vm.createContext({});
  vm.runInContext(code, context);
  const expected = ['K', 'af', 'g', 'ag', 'f'].map((n) => inspect(vm.runInContext(n, context)));
  assert.deepEqual(
    run.results.slice(1).map((r) => r.value),
    expected,
  );
});

test('const x = once(await p) works and a destructured once() is kept on re-evaluation', async () => {
  const run = await session([
    'const st = once(await Promise.resolve({ n: 1 }))',
    'st.n = 2',
    'const st = once(await Promise.resolve({ n: 1 }))',
    'const { a, b: [bb] } = once({ a: [1], b: [2] })',
    'a.push(9)',
    'const { a, b: [bb] } = once({ a: [1], b: [2] })',
    'JSON.stringify([st, a, bb])',
  ]);
  assert.deepEqual(
    run.results.map((r) => r.ok),
    run.results.map(() => true),
    run.results.map((r) => r.error?.message).join(' | '),
  );
  assert.equal(run.results[6]!.value, `'[{"n":2},[1,9],2]'`);
});

test('the history of a function declared twice in one entry shows one version, the last', async () => {
  const run = await session([
    `function dup() { return 1 }\nfunction dup() { return 2 }`,
    ':history dup',
  ]);
  const history = run.results[1]!.value ?? '';
  assert.match(history, /1 version/);
  assert.doesNotMatch(history, /return 1/);
});

test('a definition reassigned by plain assignment is never saved as the old one: saving says what to do', async () => {
  const { tempDir } = await import('./helpers.ts');
  const { join } = await import('node:path');
  const dir = tempDir();
  try {
    const image = join(dir.path, 'let.json');
    const first = await session(
      [
        "let handler = () => 'one'",
        "handler = () => 'two'",
        ':save',
        "let handler = () => 'two'",
        ':save',
      ],
      { image },
    );
    assert.equal(first.results[2]!.ok, false);
    assert.match(
      first.results[2]!.error!.message,
      /cannot save handler: it was assigned a new value .* Declare the new value instead \(let handler = \.\.\./,
    );
    assert.equal(first.results[4]!.ok, true);
    const reopened = await session(['handler()'], { image });
    assert.equal(reopened.results[0]!.value, "'two'");
  } finally {
    dir.remove();
  }
});

test('delete of a definition is false and it stays, as for a declared global in plain V8', async () => {
  const entries = [
    'function f() { return 1 }',
    'delete f',
    'typeof f',
    'globalThis.other = 2',
    'delete other',
    'typeof other',
    'var v = 1',
    'delete v',
    'typeof v',
  ];
  const context = vm.createContext({});
  const expected = entries.map((e) => inspect(vm.runInContext(e, context)));
  const { results } = await session(entries);
  assert.deepEqual(
    [1, 2, 4, 5, 7, 8].map((i) => results[i]!.value),
    [1, 2, 4, 5, 7, 8].map((i) => expected[i]),
  );
});

test('a failed entry that awaited takes back only its own timers, not one other code re-armed meanwhile', async () => {
  const { results } = await session([
    'let beats = 0',
    'function beat() { beats++; setTimeout(beat, 20) }',
    'setTimeout(beat, 20); 0',
    "await sleep(200); throw new Error('failed after awaiting')",
    'const before = beats',
    'await sleep(200)',
    'beats > before',
  ]);
  assert.equal(results[3]!.ok, false);
  assert.equal(results[6]!.value, 'true');
});

test('let undefined is a SyntaxError before anything of its entry runs, as in a script (test262)', async () => {
  const entries = ['ran = true\nlet undefined', 'typeof ran', 'const NaN = 1', 'typeof NaN'];
  const context = vm.createContext({});
  const plain = entries.map((e) => {
    try {
      return inspect(vm.runInContext(e, context));
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  });
  const { results } = await session(entries);
  const shown = results.map((r) => (r.ok ? r.value : `${r.error?.name}: ${r.error?.message}`));
  assert.deepEqual(shown, plain);
});

test('redefinition still reaches every holder of an arrow definition and of a class whose statics use this', async () => {
  const { results } = await session([
    'const arrowHeld = () => 1',
    'const holder = { f: arrowHeld }',
    'const arrowHeld = () => 2',
    '[holder.f(), holder.f === arrowHeld]',
    'class Selfish { static self = this; static make = () => new this(); who() { return Selfish } }',
    'const oldSelf = Selfish.self, oldMake = Selfish.make',
    "class Selfish { static self = this; static make = () => new this(); who() { return 'v2' } }",
    '[oldSelf === Selfish, Selfish.self === Selfish, oldMake().who(), oldMake() instanceof Selfish]',
  ]);
  assert.deepEqual(
    results.map((r) => r.ok),
    results.map(() => true),
    JSON.stringify(results.filter((r) => !r.ok).map((r) => r.error)),
  );
  assert.equal(results[3]!.value, '[ 2, true ]');
  assert.equal(results[7]!.value, "[ true, true, 'v2', true ]");
});

test("a named function expression keeps its text and its own name's meaning when the image is reopened", async () => {
  const { tempDir } = await import('./helpers.ts');
  const { join } = await import('node:path');
  const dir = tempDir();
  try {
    const image = join(dir.path, 'named.json');
    const code = 'const named = function Own(n) { Own = 0; return n ? Own(n - 1) : Own }';
    const first = await session([code, ':save'], { image });
    assert.ok(first.results[1]!.ok, JSON.stringify(first.results[1]!.error));
    const { results } = await session(['named(2) === named', 'String(named)', 'named.name'], {
      image,
    });
    const context = vm.createContext({});
    vm.runInContext(code, context);
    assert.deepEqual(
      results.map((r) => r.value),
      ['named(2) === named', 'String(named)', 'named.name'].map((e) =>
        inspect(vm.runInContext(e, context)),
      ),
    );
  } finally {
    dir.remove();
  }
});

test('a failed entry leaves no trace of a let it had not reached, nor makes a global of an early assignment', async () => {
  const { results } = await session([
    'function early() { notYet = 1 }\nearly()\nlet notYet = 2',
    'typeof notYet',
    "Object.getOwnPropertyNames(globalThis).includes('notYet')",
    'let notYet = 3',
    'notYet',
  ]);
  assert.equal(results[0]!.ok, false);
  assert.equal(results[0]!.error?.name, 'ReferenceError');
  assert.deepEqual(
    [1, 2, 4].map((i) => results[i]!.value),
    ["'undefined'", 'false', '3'],
  );
});

test('while an entry awaits, other code sees a name it will declare as not yet there, not as uninitialised', async () => {
  const { results } = await session([
    'function probePending() { return typeof pending }',
    'let seenPending\nawait new Promise((done) => setTimeout(() => { try { seenPending = probePending() } catch (e) { seenPending = e.name } done() }, 0))\nlet pending = 1',
    '[seenPending, pending]',
  ]);
  assert.ok(results[1]!.ok, JSON.stringify(results[1]!.error));
  assert.equal(results[2]!.value, "[ 'undefined', 1 ]");
});

test('Date.now and Math.random, replaced for the journal, look like the built-ins (name, length, no prototype, not constructors), from the bundled kernel too', async () => {
  const probe =
    "[Date.now.name, Date.now.length, 'prototype' in Date.now, Math.random.name, Math.random.length, 'prototype' in Math.random, (() => { try { new Date.now(); return 'constructed' } catch (e) { return e.name } })()].join()";
  const native = String(vm.runInNewContext(probe));
  assert.equal(native, 'now,0,false,random,0,false,TypeError');
  // The real CLI: from its bundle when it is fresh (npm test builds it), its kernel one module.
  const cli = await run(['--batch', '--json'], probe + '\n');
  assert.equal(JSON.parse(cli.stdout.trim().split('\n')[0]!).value, `'${native}'`, cli.stderr);
  // In process: the kernel from its sources.
  const inProcess = await session([probe]);
  assert.equal(inProcess.results[0]!.value, `'${native}'`);
});
