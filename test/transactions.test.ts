// One entry is one transaction: it applies completely or not at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown as values } from './support/session.ts';

test('a syntax error anywhere in an entry changes nothing', async () => {
  const run = await session([
    'function f() { return 1 }',
    'function f() { return 2 }\nlet broken = = 3',
    'f()',
    'typeof broken',
  ]);
  assert.deepEqual(values(run).slice(2), ['1', "'undefined'"]);
  assert.deepEqual(
    {
      name: run.results[1]!.error!.name,
      line: run.results[1]!.error!.line,
      column: run.results[1]!.error!.column,
    },
    { name: 'SyntaxError', line: 2, column: 14 },
  );
});

test('a throwing initializer undoes the whole entry and does not poison the name', async () => {
  const run = await session([
    'function f() { return 1 }',
    'class Kept { m() { return "v1" } }',
    'const k = new Kept()',
    'function f() { return 2 }\nclass Kept { m() { return "v2" } }\nclass Fresh {}\nlet z = (() => { throw new Error("init failed") })()',
    '[f(), k.m(), typeof Fresh, typeof z]',
    'let z = 5',
    'z',
    ':defs',
  ]);
  const shown = values(run);
  assert.equal(shown[3], '!Error: init failed');
  assert.equal(run.results[3]!.error!.line, 4);
  assert.equal(shown[4], "[ 1, 'v1', 'undefined', 'undefined' ]");
  assert.equal(shown[6], '5');
  assert.match(shown[7]!, /f\s+function\s+v1/);
  assert.match(shown[7]!, /Kept\s+class\s+v1/);
  assert.doesNotMatch(shown[7]!, /Fresh/);
});

test('an entry that fails after an await is rolled back too', async () => {
  const run = await session([
    'function g() { return "before" }',
    'function g() { return "during" }\nawait new Promise(r => setTimeout(r, 10))\nthrow new Error("late")',
    'g()',
  ]);
  assert.deepEqual(values(run).slice(1), ['!Error: late', "'before'"]);
});

test('a migration that throws on the 14,000th of 20,000 instances leaves all as before', async () => {
  const run = await session(
    [
      'class Big { constructor(public i: number) {} m() { return "v1" } }',
      'const all = Array.from({ length: 20_000 }, (_, i) => new Big(i)); all.length',
      `class Big {
  extra!: number;
  constructor(public i: number) {}
  m() { return "v2" }
  static upgrade(b: Big) {
    if (b.i === 13_999) throw new RangeError("cannot migrate " + b.i);
    b.extra = b.i * 2;
  }
}`,
      '[all[0].m(), all[0].extra, Object.keys(all[5]), all[19_999].extra, all[13_998].extra]',
      ':defs',
    ],
    { timeoutMs: 60_000 },
  );
  const failure = run.results[2]!;
  assert.equal(failure.ok, false);
  assert.equal(failure.error!.name, 'MigrationError');
  assert.equal(failure.error!.definition, 'Big');
  assert.equal(failure.error!.version, 2);
  assert.match(
    failure.error!.message,
    /Big v2: static upgrade\(instance, 1\) threw on instance 14000 of 20000/,
  );
  assert.match(failure.error!.message, /Big \{ i: 13999 \} at all\[13999\]/);
  assert.match(failure.error!.message, /RangeError: cannot migrate 13999/);
  assert.equal(values(run)[3], "[ 'v1', undefined, [ 'i' ], undefined, undefined ]");
  assert.match(values(run)[4]!, /Big\s+class\s+v1\s+20000 live/);
});
