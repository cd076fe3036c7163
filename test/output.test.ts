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
