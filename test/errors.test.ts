// Errors look like the user's (issue 10, point 12): no frame of Vivarium or path of the install in
// any stack a person or guest code sees, and every position points at the entry as typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, waitFor } from './support/session.ts';
import { run } from './helpers.ts';
import { caret } from '../src/session/render.ts';

/** Text that would give Vivarium's insides away. */
function assertNoInsides(text: string): void {
  for (const word of ['kernel', 'src/', '/work', 'isolated-vm', 'file://', 'createFunctionCell']) {
    assert.ok(!text.includes(word), `${JSON.stringify(word)} shown in:\n${text}`);
  }
}

const THROWER = "function f() { throw new Error('boom') }";

test('_error.stack and a printed error show the user frames only, at the columns typed', async () => {
  const { results } = await session([
    THROWER,
    'f()',
    '_error.stack',
    '_error',
    "new Error('here')",
  ]);
  const [, failed, stack, printed, made] = results;
  assert.equal(failed!.ok, false);
  assertNoInsides(failed!.error!.stack ?? '');
  // `throw` is at column 16 of the definition as typed; V8 names the `new Error` at column 22.
  assert.match(stack!.value!, /at f \(REPL\d+:1:22\)\\n {4}at REPL\d+:1:1'$/);
  for (const r of [stack, printed, made]) assertNoInsides(r!.value!);
  assert.match(made!.value!, /^Error: here\n {4}at REPL\d+:1:1$/);
});

test('e.stack read by guest code (a catch block, a class method) shows the user frames only', async () => {
  const { results } = await session([
    THROWER,
    'let caught = (() => { try { f() } catch (e) { return e.stack } })(); caught',
    'class K { m() { return new Error("k").stack } }',
    'new K().m()',
    'let made = {}; Error.captureStackTrace(made); made.stack',
  ]);
  for (const r of results.slice(1)) {
    assert.equal(r.ok, true, r.error?.message);
    assertNoInsides(r.value ?? '');
  }
  assert.match(results[1]!.value!, /at f \(REPL\d+:1:22\)\\n {4}at REPL\d+:1:\d+/);
  assert.match(results[3]!.value!, /at K\.m \(REPL\d+:1:\d+\)\\n {4}at REPL\d+:1:9'$/);
});

test('an error thrown by a timer callback is reported with its user frame only', async () => {
  const { stderr } = await session([
    "setTimeout(() => { throw new Error('in timer') }, 1)",
    waitFor((err) => err.includes('in timer')),
  ]);
  assert.match(stderr, /Uncaught Error: in timer\n {4}at .*REPL\d+:1:26\)/);
  assertNoInsides(stderr);
});

test('console.trace shows the user frames only', async () => {
  const { results } = await session(['function where() { console.trace("here") }', 'where()']);
  const printed = results[1]!.printed.join('\n');
  assert.match(printed, /^Trace: here\n {4}at where \(REPL\d+:1:28\)/);
  assertNoInsides(printed);
});

test('an undefined name first in the last expression: the caret is under it', async () => {
  const { results } = await session(['zz.map(String)']);
  const error = results[0]!.error!;
  assert.equal(error.name, 'ReferenceError');
  assert.deepEqual([error.line, error.column, error.sourceLine], [1, 1, 'zz.map(String)']);
});

test('caret(line, source, column, width) cuts a line wider than the terminal around the caret', () => {
  const source = 'const x = [' + '1, '.repeat(60) + 'oops.y];';
  const column = source.indexOf('oops') + 1;
  const [shown, mark] = caret(1, source, column, 40);
  assert.ok(shown!.length <= 40, shown);
  assert.equal(shown![mark!.length - 1], 'o', `${shown}\n${mark}`);
  assert.ok(shown!.startsWith('1 | …'));
  assert.deepEqual(caret(3, 'a.b', 2, 40), ['3 | a.b', '     ^']);
});

test('viv --batch: an entry error and _error.stack show no insides', async () => {
  const { stdout, stderr } = await run(['--batch'], `${THROWER}\nf()\n_error.stack\n`);
  assert.match(stdout, /Uncaught Error: boom\n {4}at f \(REPL\d+:1:22\)\n {4}at REPL\d+:1:1\n/);
  assertNoInsides(stdout + stderr);
});

test('a promise rejection nobody handles is reported as its own error, and the entry keeps its value', async () => {
  const { results, stderr } = await session([
    "async function af() { throw new TypeError('x') }",
    'af(); 41 + 1',
    "setTimeout(() => { Promise.reject(new RangeError('late')) }, 1)",
    waitFor((err) => err.includes('late')),
  ]);
  assert.equal(results[1]!.ok, true);
  assert.equal(results[1]!.value, '42');
  assert.match(stderr, /Uncaught TypeError: x\n {4}at af \(REPL\d+:1:29\)/);
  assert.match(stderr, /Uncaught RangeError: late/);
  assert.ok(!stderr.includes('InternalError'), stderr);
  assertNoInsides(stderr);
});
