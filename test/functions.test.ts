// Functions are stable cells: every earlier holder calls the newest version from its next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown as values, until } from './support/session.ts';

test('a redefined function is called by every earlier holder and keeps its identity', async () => {
  const run = await session([
    'function greet(name: string): string { return "hello " + name }',
    'const alias = greet; const box = { fn: greet }; const handlers = [greet, greet];',
    'let registered: (n: string) => string; function register(fn) { registered = fn } register(greet)',
    'function greet(name: string): string { return "HI " + name.toUpperCase() }',
    '[alias("a"), box.fn("b"), handlers.map(h => h("c")), registered("d"), alias === greet, box.fn === greet]',
  ]);
  assert.deepEqual(values(run).slice(-1), [
    "[ 'HI A', 'HI B', [ 'HI C', 'HI C' ], 'HI D', true, true ]",
  ]);
  assert.deepEqual(run.results[3]!.defined, [{ name: 'greet', kind: 'function', version: 2 }]);
});

test('a timer callback registered before a redefinition runs the new version', async () => {
  const run = await session([
    'function tick() { return "old" }',
    // The callback is registered now and fires only after the redefinition (when `go` is set),
    // with no race against the clock; the stub itself is a timer callback too.
    'let seen: string[] = []; let go = false; const later = () => (go ? seen.push(tick()) : setTimeout(later, 5)); setTimeout(later, 5); setTimeout(tick, 10)',
    'function tick() { return "new" }',
    `go = true; ${until('seen.length > 0')}; seen`,
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 'new' ]"]);
});

test('a loop that keeps calling a function picks up its redefinition', async () => {
  const run = await session([
    'function step(n) { return n + 1 }',
    'const log: number[] = []; let n = 0; const id = setInterval(() => { n = step(n); log.push(n) }, 5)',
    until('log.length >= 2'),
    'function step(n) { return n + 1000 }',
    `${until('log.some(x => x > 1000)')}; clearInterval(id); log.some(x => x > 1000) && log.slice(0, 2).join() === "1,2"`,
  ]);
  assert.deepEqual(values(run).slice(-1), ['true']);
});

test('arrow and function expressions bound by const are stable cells too', async () => {
  const run = await session([
    'const double = (x: number) => x * 2',
    'const held = double',
    'const double = (x: number) => x * 3',
    '[held(5), held === double, double.name]',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 15, true, 'double' ]"]);
});

test('a function stub has the name and length of its current version', async () => {
  const run = await session([
    'function f(a, b) {}',
    'const g = f',
    'function f(a, b, c) {}',
    '[g.name, g.length, typeof g]',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 'f', 3, 'function' ]"]);
});
