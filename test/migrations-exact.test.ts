// A failed migration leaves every instance exactly as it was: own property descriptors,
// prototype, extensibility and frozen/sealed state, with no user setter run while restoring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown } from './support/session.ts';

// Everything observable about an instance's own state, as one string (guest code).
const SHAPE = `function shape(o: any) {
  const d = Object.getOwnPropertyDescriptors(o)
  return JSON.stringify({
    proto: Object.getPrototypeOf(o) === U.prototype,
    extensible: Object.isExtensible(o),
    frozen: Object.isFrozen(o),
    sealed: Object.isSealed(o),
    own: Reflect.ownKeys(d).map((k) => [String(k), d[k as string]]),
  })
}`;

const V1 = `class U {
  constructor(public n: number) {}
  set tag(v: string) { setterRuns.push(v) }
}`;

/** A class with five instances, an upgrade doing `body` and throwing on the instance with n = 3. */
async function failedUpgrade(body: string) {
  return session([
    'const setterRuns: string[] = []',
    V1,
    'const us = [1, 2, 3, 4, 5].map((n) => new U(n))',
    SHAPE,
    'const before = us.map(shape)',
    `class U {
  constructor(public n: number) {}
  set tag(v: string) { setterRuns.push(v) }
  static upgrade(u: any) {
    const third = u.n === 3
    ${body}
    if (third) throw new Error('third')
  }
}`,
    'us.map(shape).map((s, i) => s === before[i] || s + " was " + before[i])',
    'setterRuns.length',
    'us[0] instanceof U && Object.getPrototypeOf(us[0]) === U.prototype',
  ]);
}

const CASES: [string, string][] = [
  ['freezes an instance', `u.extra = 1; Object.freeze(u)`],
  ['seals an instance', `u.extra = 1; Object.seal(u)`],
  ['prevents extensions', `Object.preventExtensions(u)`],
  ['sets the prototype to null', `Object.setPrototypeOf(u, null)`],
  [
    'defines a non-enumerable, non-configurable property',
    `Object.defineProperty(u, 'hidden', { value: 1, enumerable: false })`,
  ],
  ['makes a field read-only', `Object.defineProperty(u, 'n', { writable: false })`],
  ['deletes and re-adds fields', `delete u.n; u.n = 'changed'; u.m = 2`],
  ['assigns through the class setter', `u.tag = 'set'`],
];

for (const [what, body] of CASES) {
  test(`an upgrade that ${what} and throws on the 3rd of 5 instances changes nothing`, async () => {
    const run = await failedUpgrade(body);
    const values = shown(run);
    assert.match(values[5]!, /U v2: static upgrade\(instance, 1\) threw on instance 3 of 5/);
    assert.match(values[5]!, /Nothing was changed\./);
    assert.equal(values[6], '[ true, true, true, true, true ]');
    // Restoring ran no setter: only the upgrade's own assignments (on instances 1 to 3) did.
    assert.equal(values[7], what.includes('setter') ? '3' : '0');
    assert.equal(values[8], 'true');
  });
}

test('an upgrade that freezes every instance applies once the entry commits', async () => {
  const run = await session([
    V1,
    'const setterRuns: string[] = []',
    'const u = new U(1)',
    'const seen = new Set([u])',
    `class U {
  constructor(public n: number) {}
  static upgrade(u: any) { if (!seen.has(u)) throw new Error('identity'); u.v = 2; Object.defineProperty(u, 'id', { value: 7 }); Object.freeze(u) }
}`,
    '[Object.isFrozen(u), u.v, u.id, Object.getOwnPropertyDescriptor(u, "id")!.configurable, seen.has(u)]',
  ]);
  assert.deepEqual(shown(run).slice(5), ['[ true, 2, 7, false, true ]']);
});

test('a later failure in the same entry undoes a migration that froze instances', async () => {
  const run = await session([
    'const setterRuns: string[] = []',
    V1,
    'const u = new U(1)',
    SHAPE,
    'const before = shape(u)',
    `class U {
  constructor(public n: number) {}
  static upgrade(u: any) { u.v = 2; Object.freeze(u) }
}
throw new Error('after the class')`,
    'shape(u) === before || shape(u)',
  ]);
  assert.equal(shown(run)[5], '!Error: after the class');
  assert.equal(shown(run)[6], 'true');
});

test('private fields changed by an upgrade are carried to the instance', async () => {
  const run = await session([
    'class P { #x = 1; get x() { return this.#x } }',
    'const p = new P()',
    `class P { #x = 1; #y = 0; get x() { return this.#x } get y() { return this.#y }
  static upgrade(p: P) { p.#x = 10; p.#y = p.#x + 1 } }`,
    '[p.x, p.y]',
  ]);
  assert.equal(shown(run)[3], '[ 10, 11 ]');
});

test('an instance frozen through a captured Object.freeze is named, not said unchanged', async () => {
  const run = await session([
    'const freeze = Object.freeze',
    'class U { constructor(public n: number) {} }',
    'const us = [new U(1), new U(2)]',
    'class U { constructor(public n: number) {} static upgrade(u: any) { if (u.n === 2) throw new Error("no"); u.v = 1; freeze(u) } }',
    '[us[0].v, us[1].v, Object.isFrozen(us[1])]',
  ]);
  const message = shown(run)[3]!;
  assert.doesNotMatch(message, /Nothing was changed/);
  assert.match(message, /Every instance was put back except 1: instance 1 \(U \{ n: 1, v: 1 \}\)/);
  assert.equal(shown(run)[4], '[ 1, undefined, false ]');
});

test('restoring a field that shadows a class setter runs no setter', async () => {
  const run = await session([
    'const setterRuns: unknown[] = []',
    'class S { label = "a"; set label(v: unknown) { setterRuns.push(v) } get label() { return "getter" } }',
    'const ss = [new S(), new S(), new S()]',
    `class S { label = "a"; set label(v: unknown) { setterRuns.push(v) } get label() { return "getter" }
  static upgrade(s: any) { delete s.label; if (ss.indexOf(s) === 2) throw new Error("third") } }`,
    '[setterRuns.length, ss.map((s) => Object.getOwnPropertyDescriptor(s, "label")!.value)]',
  ]);
  assert.match(shown(run)[3]!, /threw on instance 3 of 3 .*Nothing was changed\./);
  assert.equal(shown(run)[4], "[ 0, [ 'a', 'a', 'a' ] ]");
});

test('an upgrade that changes or freezes another instance is undone there too', async () => {
  const run = await session([
    'class U { constructor(public n: number) {} }',
    'const us = [new U(1), new U(2), new U(3)]',
    'class U { constructor(public n: number) {} static upgrade(u: any) { if (u.n === 1) { us[1].n = 20; Object.freeze(us[2]) } if (u.n === 3) throw new Error("no") } }',
    '[us.map((u) => u.n), us.map(Object.isFrozen)]',
  ]);
  assert.match(shown(run)[2]!, /threw on instance 3 of 3 .*Nothing was changed\./);
  assert.equal(shown(run)[3], '[ [ 1, 2, 3 ], [ false, false, false ] ]');
});
