// What the REPL prints for entries Node's REPL reads or prints in its own way (issue 12, Output).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown } from './support/session.ts';

test('an entry starting with { and not ending with ; is an object literal (Node REPL rule)', async () => {
  const run = await session(['{a: 1}', '{}', '{ a: 1, b: [2] }.b', '{ let x = 2; x * 3 }']);
  // The last one is a block (it does not parse in parentheses): no syntax error.
  assert.deepEqual(shown(run).slice(0, 3), ['{ a: 1 }', '{}', '[ 2 ]']);
  assert.equal(run.status, 0);
});

test('a promise prints its state as Node does', async () => {
  const run = await session([
    'Promise.resolve(5)',
    'new Promise(() => {})',
    "Promise.reject(new Error('no'))",
    'Promise.resolve({ a: [1, 2] })',
  ]);
  const values = shown(run);
  assert.equal(values[0], 'Promise { 5 }');
  assert.equal(values[1], 'Promise { <pending> }');
  assert.match(values[2]!, /^Promise \{\n {2}<rejected> Error: no\n {6}at /);
  assert.equal(values[3], 'Promise { { a: [ 1, 2 ] } }');
});

test(':inspect K on a class shows its version, methods, statics, live instances and source', async () => {
  const run = await session([
    'class K { x = 1; static make() { return new K() } norm() { return this.x } }',
    'class K { x = 1; static make() { return new K() } norm() { return this.x * 2 } }',
    'const k1 = new K(), k2 = K.make()',
    ':inspect K',
  ]);
  assert.equal(
    run.results[3]!.value,
    [
      'K: class v2',
      '  methods: norm',
      '  statics: make',
      '  live instances: 2',
      '    class K { x = 1; static make() { return new K() } norm() { return this.x * 2 } }',
    ].join('\n'),
  );
});

test(':inspect f on a function shows its version and source', async () => {
  const run = await session(['function f(a: number) { return a }', ':inspect f']);
  assert.equal(run.results[1]!.value, 'f: function v1\n    function f(a: number) { return a }');
});

test(':diff is coloured like git diff when colours are on, plain otherwise', async () => {
  const entries = ['function g() { return 1 }', 'function g() { return 2 }', ':diff g'];
  const coloured = (await session(entries, { colors: true })).results[2]!.value!;
  assert.deepEqual(coloured.split('\n'), [
    '\x1b[1m--- g v1\x1b[0m',
    '\x1b[1m+++ g v2\x1b[0m',
    '\x1b[36m@@ -1,1 +1,1 @@\x1b[0m',
    '\x1b[31m-function g() { return 1 }\x1b[0m',
    '\x1b[32m+function g() { return 2 }\x1b[0m',
  ]);
  const plain = (await session(entries)).results[2]!.value!;
  assert.equal(plain, coloured.replace(/\x1b\[\d+m/g, ''));
});
