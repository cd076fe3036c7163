// Classes are stable cells: instances anywhere in the heap get the new methods, accessors and
// statics; migrations run over every live instance, found without reachability from a name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown as values } from './support/session.ts';

const POINT_V1 = `class Point {
  constructor(public x: number, public y: number) {}
  get norm(): number { return Math.abs(this.x) + Math.abs(this.y) }
  describe() { return "v1" }
  static origin() { return new Point(0, 0) }
}`;
const POINT_V2 = `class Point {
  constructor(public x: number, public y: number) {}
  get norm(): number { return Math.hypot(this.x, this.y) }
  describe() { return "v2 " + this.x + "," + this.y }
  static origin() { return new Point(0, 0).describe() }
}`;

test('existing instances anywhere in the heap get the new methods, accessors and statics', async () => {
  const run = await session([
    POINT_V1,
    'const p = new Point(3, 4); const nest = { deep: { list: [new Point(1, 1)] } }',
    'const hidden = (() => { const q = new Point(6, 8); return () => q })()',
    POINT_V2,
    '[p.describe(), p.norm, nest.deep.list[0].describe(), hidden().norm, Point.origin()]',
    '[p instanceof Point, new Point(1, 2) instanceof Point, p.constructor === Point, Object.getPrototypeOf(p) === Point.prototype]',
  ]);
  assert.deepEqual(values(run).slice(-2), [
    "[ 'v2 3,4', 5, 'v2 1,1', 10, 'v2 0,0' ]",
    '[ true, true, true, true ]',
  ]);
});

test('upgrade runs over every live instance, including ones only a closure holds', async () => {
  const run = await session([
    'class Acct { constructor(public balance: number) {} }',
    'const accounts = [new Acct(10), new Acct(20)]; const secret = (() => { const a = new Acct(30); return () => a })()',
    `class Acct {
  currency!: string;
  constructor(public balance: number) { this.currency = "EUR" }
  static upgrade(a: Acct, from: number) { a.currency = "USD(from v" + from + ")" }
}`,
    '[accounts.map(a => a.currency), secret().currency, new Acct(1).currency]',
    ':defs',
  ]);
  assert.deepEqual(values(run).slice(3, 4), [
    "[ [ 'USD(from v1)', 'USD(from v1)' ], 'USD(from v1)', 'EUR' ]",
  ]);
  // The probe's `new Acct(1)` is garbage by then, but no collection is forced to count live
  // instances (the registry's weak references): it may still be counted until V8 collects it.
  assert.match(run.results[4]!.value!, /Acct\s+class\s+v2\s+[34] live/);
});

test('subclasses follow a redefined base class, and its migrations reach their instances', async () => {
  const run = await session([
    'class Animal { speak() { return "..." } }',
    'class Dog extends Animal { speak() { return super.speak() + " woof" } }',
    'const d = new Dog()',
    'class Animal { speak() { return "I am" } static upgrade(o) { o.migrated = true } }',
    '[d.speak(), d instanceof Animal, d.migrated, Object.getPrototypeOf(Dog) === Animal]',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 'I am woof', true, true, true ]"]);
});

test('redefining only methods leaves instance state untouched and runs no migration', async () => {
  const run = await session([
    'class Counter { n = 0; inc() { this.n += 1; return this.n } }',
    'const c = new Counter(); c.inc(); c.inc()',
    'class Counter { n = 100; inc() { this.n += 10; return this.n } }',
    '[c.n, c.inc(), new Counter().n]',
  ]);
  assert.deepEqual(values(run).slice(-1), ['[ 2, 12, 100 ]']);
});

test('static fields keep their values across a redefinition; new ones are initialised', async () => {
  const run = await session([
    'class Registry { static count = 0; static add() { return ++Registry.count } }',
    'Registry.add(); Registry.add()',
    'class Registry { static count = 0; static label = "new"; static add() { return Registry.count += 10 } }',
    '[Registry.count, Registry.label, Registry.add()]',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 2, 'new', 12 ]"]);
});

test(':rollback runs downgrade and refuses a state change without one', async () => {
  const run = await session([
    'class Temp { constructor(public c: number) {} }',
    'const t = new Temp(20)',
    `class Temp {
  f!: number;
  constructor(public c: number) { this.f = c * 9 / 5 + 32 }
  static upgrade(t: Temp) { t.f = t.c * 9 / 5 + 32 }
}`,
    't.f',
    ':rollback Temp 1',
    `class Temp {
  f!: number;
  constructor(public c: number) { this.f = c * 9 / 5 + 32 }
  static upgrade(t: Temp) { t.f = t.c * 9 / 5 + 32 }
  static downgrade(t: any, to: number) { delete t.f; t.downgradedTo = to }
}`,
    ':rollback Temp 1',
    '[t.f, t.downgradedTo, Object.keys(t)]',
    ':history Temp',
  ]);
  const shown = values(run);
  assert.equal(shown[3], '68');
  assert.match(
    shown[4]!,
    /^!RollbackError: cannot roll back Temp from v2 to v1: v2 migrated its instances with static upgrade \(it added f\)/,
  );
  assert.equal(shown[6], 'Temp is now at v1');
  assert.equal(shown[7], "[ undefined, 1, [ 'c', 'downgradedTo' ] ]");
  assert.match(shown[8]!, /Temp: class, 3 version\(s\), current v1/);
  assert.match(shown[8]!, /rolled back from v3 to v1/);
});

test(':rollback of a function restores the old version for every holder', async () => {
  const run = await session([
    'function rate() { return 1 }',
    'const r = rate',
    'function rate() { return 2 }',
    'function rate() { return 3 }',
    ':rollback rate',
    'r()',
    ':rollback rate 1',
    'r()',
    ':rollback rate 9',
  ]);
  const shown = values(run);
  assert.deepEqual(shown.slice(4, 8), ['rate is now at v2', '2', 'rate is now at v1', '1']);
  assert.match(shown[8]!, /rate has no version 9 \(it has 1\.\.3\)/);
});

test(':history and :diff show versions as typed', async () => {
  const run = await session([
    'function area(r: number): number {\n  return 3.14 * r * r\n}',
    'function area(r: number): number {\n  return Math.PI * r ** 2\n}',
    ':history area',
    ':diff area',
    ':diff area 1 1',
  ]);
  const shown = values(run);
  assert.match(shown[2]!, /area: function, 2 version\(s\), current v2/);
  assert.match(
    shown[2]!,
    /v1 .* entry \d+\n    function area\(r: number\): number \{\n      return 3\.14 \* r \* r/,
  );
  assert.equal(
    shown[3],
    [
      '--- area v1',
      '+++ area v2',
      '@@ -1,3 +1,3 @@',
      ' function area(r: number): number {',
      '-  return 3.14 * r * r',
      '+  return Math.PI * r ** 2',
      ' }',
    ].join('\n'),
  );
  assert.match(shown[4]!, /\(no difference\)/);
});

test(':check dry-runs the migrations on copies and changes nothing', async () => {
  const run = await session([
    'class Item { constructor(public price: number) {} }',
    'const items = [new Item(1), new Item(-1), new Item(3)]',
    `:check class Item {
  cents!: number;
  constructor(public price: number) {}
  static upgrade(i: Item) { if (i.price < 0) throw new Error("negative price " + i.price); i.cents = i.price * 100 }
}`,
    '[items.map(i => (i as any).cents), Object.keys(items[0])]',
    ':defs',
  ]);
  const check = run.results[2]!;
  assert.ok(check.ok);
  assert.deepEqual(
    check.migrations?.[0] && {
      name: check.migrations[0].name,
      instances: check.migrations[0].instances,
      migrated: check.migrations[0].migrated,
      failed: check.migrations[0].failed,
    },
    { name: 'Item', instances: 3, migrated: 2, failed: 1 },
  );
  assert.match(check.migrations![0]!.failures[0]!.error, /negative price -1/);
  assert.equal(values(run)[3], "[ [ undefined, undefined, undefined ], [ 'price' ] ]");
  assert.match(values(run)[4]!, /Item\s+class\s+v1/);
});

test('a class may have any name, even one the kernel uses inside its stubs', async () => {
  const names = ['K', 'G', 'state', 'registry', 'construct', 'isStub', 'stub', 'TypeError'];
  const run = await session([
    ...names.map((n) => `class ${n} { v = '${n}' }`),
    `[${names.map((n) => `new ${n}().v`).join(', ')}].join(' ')`,
    'class Sub extends K {}; [new Sub().v, new Sub() instanceof K, K.name]',
  ]);
  assert.equal(run.results[names.length]!.value, `'${names.join(' ')}'`);
  assert.equal(run.results[names.length + 1]!.value, "[ 'K', true, 'K' ]");
});
