// Functions are stable cells: every earlier holder calls the newest version from its next call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batch, values } from './helpers.ts';

test('a redefined function is called by every earlier holder and keeps its identity', async () => {
  const run = await batch([
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
  const run = await batch([
    'function tick() { return "old" }',
    'let seen: string[] = []; setTimeout(() => seen.push(tick()), 80); setTimeout(tick, 10)',
    'function tick() { return "new" }',
    'await new Promise(r => setTimeout(r, 150)); seen',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 'new' ]"]);
});

test('a loop that keeps calling a function picks up its redefinition', async () => {
  const run = await batch([
    'function step(n) { return n + 1 }',
    'const log: number[] = []; let n = 0; const id = setInterval(() => { n = step(n); log.push(n) }, 5)',
    'await new Promise(r => setTimeout(r, 40))',
    'function step(n) { return n + 1000 }',
    'await new Promise(r => setTimeout(r, 40)); clearInterval(id); log.some(x => x > 1000) && log.slice(0, 2).join() === "1,2"',
  ]);
  assert.deepEqual(values(run).slice(-1), ['true']);
});

test('arrow and function expressions bound by const are stable cells too', async () => {
  const run = await batch([
    'const double = (x: number) => x * 2',
    'const held = double',
    'const double = (x: number) => x * 3',
    '[held(5), held === double, double.name]',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 15, true, 'double' ]"]);
});

test('a function stub has the name and length of its current version', async () => {
  const run = await batch([
    'function f(a, b) {}',
    'const g = f',
    'function f(a, b, c) {}',
    '[g.name, g.length, typeof g]',
  ]);
  assert.deepEqual(values(run).slice(-1), ["[ 'f', 3, 'function' ]"]);
});
