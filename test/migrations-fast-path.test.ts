// Migrations capture plain instances (extensible, only writable, enumerable, configurable string-
// keyed data properties) in a flat array and every other instance exactly, each with all its
// descriptors (src/kernel/definitions/instance-state.ts). Both kinds in one migration must come
// back exactly when it throws, and the classification itself must put every odd instance on the
// exact path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown } from './support/session.ts';
import {
  capture,
  isPlain,
  newCaptured,
  restore,
} from '../src/kernel/definitions/instance-state.ts';

// Everything observable about an instance's own state, symbols included (guest code).
const SHAPE = `function shape(o: any) {
  const d = Object.getOwnPropertyDescriptors(o)
  return JSON.stringify({
    proto: Object.getPrototypeOf(o) === W.prototype ? 'W' : Object.getPrototypeOf(o) === U.prototype ? 'U' : 'other',
    extensible: Object.isExtensible(o),
    frozen: Object.isFrozen(o),
    sealed: Object.isSealed(o),
    own: Reflect.ownKeys(d).map((k) => [String(k), d[k as string]]),
  })
}`;

const V1 = `class U {
  constructor(public n: number, public m = 0) {}
}`;

// Plain instances around odd ones, each odd in one way; the last U (n = 10) is plain. The W is
// migrated last (subclass instances follow the class's own).
const INSTANCES = `const getterRuns: string[] = []
class W extends U { #w = 50; constructor(n: number) { super(n) } get w() { return this.#w } }
const odd = (n: number) => new U(n)
const us: any[] = [new U(1, 1), Object.freeze(new U(2)), odd(3), Object.preventExtensions(new U(4)), new W(5), odd(6), odd(7), odd(8), Object.seal(new U(9)), new U(10, 10)]
Object.defineProperty(us[2], 'acc', { get() { getterRuns.push('get'); return 3 }, set(v) { getterRuns.push('set') }, enumerable: true, configurable: true })
us[5][Symbol.for('tag')] = 6
Object.defineProperty(us[6], 'hidden', { value: 7, writable: true, enumerable: false, configurable: true })
Object.defineProperty(us[7], 'n', { writable: false })
0`;

// Changes every instance in every way it allows, then throws on the last one.
const V2 = `class U {
  constructor(public n: number, public m = 0) {}
  static upgrade(u: any) {
    const last = u.n === 10
    const attempt = (f: () => void) => { try { f() } catch {} }
    attempt(() => { if (Object.isExtensible(u)) { delete u.n; u.n = 'again' } })
    attempt(() => { u.m = 'changed' })
    attempt(() => { u.added = 1 })
    attempt(() => Object.defineProperty(u, 'acc', { value: 'data' }))
    attempt(() => { delete u.hidden })
    attempt(() => { u[Symbol.for('tag')] = 'changed' })
    attempt(() => Object.setPrototypeOf(u, null))
    attempt(() => Object.freeze(u))
    if (last) throw new Error('last')
  }
}`;

test('a throwing upgrade puts plain and odd instances of one migration back exactly', async () => {
  const run = await session([
    V1,
    INSTANCES,
    SHAPE,
    'const before = us.map(shape)',
    V2,
    'us.map(shape).map((s, i) => s === before[i] || s + " was " + before[i])',
    '[getterRuns.length, us[4].w, us[0] instanceof U, Object.keys(us[0])]',
  ]);
  const values = shown(run);
  assert.match(values[4]!, /U v2: static upgrade\(instance, 1\) threw on instance 9 of 10/);
  assert.match(values[4]!, /Nothing was changed\./);
  assert.equal(
    values[5],
    '[\n  true, true, true,\n  true, true, true,\n  true, true, true,\n  true\n]',
  );
  // No getter or setter ran while capturing or restoring; the private field kept its value.
  assert.equal(values[6], "[ 0, 50, true, [ 'n', 'm' ] ]");
});

test('the same upgrade without the throw migrates plain and odd instances alike', async () => {
  const run = await session([
    V1,
    INSTANCES,
    V2.replace("if (last) throw new Error('last')", ''),
    'us.map((u) => [Object.isFrozen(u), u.added, u.m])',
  ]);
  const values = shown(run);
  assert.equal(values[2], 'undefined');
  // Frozen when the entry commits; the frozen, sealed and non-extensible ones gained nothing.
  assert.equal(
    values[3],
    "[\n  [ true, 1, 'changed' ],\n  [ true, undefined, 0 ],\n  [ true, 1, 'changed' ],\n  [ true, undefined, 'changed' ],\n  [ true, 1, 'changed' ],\n  [ true, 1, 'changed' ],\n  [ true, 1, 'changed' ],\n  [ true, 1, 'changed' ],\n  [ true, undefined, 'changed' ],\n  [ true, 1, 'changed' ]\n]",
  );
});

test('a restored plain instance gets its fields back in their order after delete and re-add', async () => {
  const run = await session([
    V1,
    'const a = new U(1, 2), b = new U(3, 4)',
    `class U {
  constructor(public n: number, public m = 0) {}
  static upgrade(u: any) { delete u.n; u.n = 'back'; u.z = 1; if (u === b) throw new Error('b') }
}`,
    '[Object.keys(a), Object.keys(b), a.n, b.n]',
  ]);
  assert.match(shown(run)[2]!, /threw on instance 2 of 2 .*Nothing was changed\./);
  assert.equal(shown(run)[3], "[ [ 'n', 'm' ], [ 'n', 'm' ], 1, 3 ]");
});

test('a key deleted from an instance that was already non-extensible is reported, the rest kept', async () => {
  const run = await session([
    V1,
    'const a = Object.preventExtensions(new U(1, 2)), b = new U(3, 4)',
    `class U {
  constructor(public n: number, public m = 0) {}
  static upgrade(u: any) { delete u.n; u.m = 'changed'; if (u === b) throw new Error('b') }
}`,
    '[Object.keys(a), a.m, Object.keys(b), b.n, b.m]',
  ]);
  assert.match(shown(run)[2]!, /Every instance was put back except 1: instance 1 /);
  assert.equal(shown(run)[3], "[ [ 'm' ], 2, [ 'n', 'm' ], 3, 4 ]");
});

test('a patched WeakRef.prototype.deref hides no instance from a migration', async () => {
  const run = await session([
    V1,
    'const us = [new U(1), new U(2)]',
    'WeakRef.prototype.deref = function () { return undefined }',
    'class U { constructor(public n: number, public m = 0) {} static upgrade(u: any) { u.z = u.n * 10 } }',
    'us.map((u) => u.z)',
  ]);
  assert.equal(shown(run)[4], '[ 10, 20 ]');
});

test('capture(): only ordinary extensible objects with plain data properties are plain', () => {
  class Point {
    x = 1;
    y: number;
    constructor(y: number) {
      this.y = y;
    }
  }
  const plain: object[] = [{ a: 1, b: 'two' }, Object.create(null), new Point(2)];
  const odd: object[] = [
    Object.freeze({ a: 1 }),
    Object.seal({ a: 1 }),
    Object.preventExtensions({ a: 1 }),
    Object.defineProperty({}, 'a', { get: () => 1, enumerable: true, configurable: true }),
    Object.defineProperty({}, 'a', {
      value: 1,
      writable: false,
      enumerable: true,
      configurable: true,
    }),
    Object.defineProperty({}, 'a', {
      value: 1,
      writable: true,
      enumerable: false,
      configurable: true,
    }),
    Object.defineProperty({}, 'a', {
      value: 1,
      writable: true,
      enumerable: true,
      configurable: false,
    }),
    { [Symbol('s')]: 1 },
    // Plain string keys beside a symbol one.
    { a: 1, b: 2, [Symbol('s')]: 3 },
    [1, 2, 3],
  ];
  const all = [...plain, ...odd];
  const captured = newCaptured();
  all.forEach((o, i) => capture(captured, i, o));
  assert.deepEqual(
    all.map((_, i) => isPlain(captured, i)),
    all.map((o) => plain.includes(o)),
  );
  // And each comes back exactly after changes to values, keys, order and prototype.
  const before = all.map((o) => [
    Object.getPrototypeOf(o),
    Reflect.ownKeys(o),
    Object.getOwnPropertyDescriptors(o),
  ]);
  for (const o of all) {
    try {
      (o as Record<string, unknown>).a = 'changed';
    } catch {
      // Read-only or frozen: nothing to change.
    }
    if (!Object.isExtensible(o)) continue;
    (o as Record<string, unknown>).extra = 1;
    Object.setPrototypeOf(o, null);
  }
  all.forEach((o, i) => assert.equal(restore(captured, i, o), true));
  assert.deepEqual(
    all.map((o) => [
      Object.getPrototypeOf(o),
      Reflect.ownKeys(o),
      Object.getOwnPropertyDescriptors(o),
    ]),
    before,
  );
});
