// The host's analysis of entries: declarations, completeness, errors in the user's own text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, isComplete } from '../src/session/compile/analyze.ts';
import { EntrySyntaxError } from '../src/session/compile/source-error.ts';
import { rewrite } from '../src/session/compile/rewrite.ts';

const declared = (source: string) =>
  analyze(source).declarations.map((d) => `${d.name}:${d.kind}${d.once ? ':once' : ''}`);

test('analyze(source) names every top-level declaration and its kind', () => {
  const table: [string, string[]][] = [
    ['function f() {}', ['f:function']],
    ['async function* g() {}', ['g:function']],
    ['class A {}', ['A:class']],
    ['const f = (x: number) => x', ['f:function']],
    ['let h = function () {}', ['h:function']],
    ['const K = class {}', ['K:class']],
    ['const x = 1, y = "a"', ['x:const', 'y:const']],
    ['let { a, b: [c, ...d], ...e } = obj', ['a:let', 'c:let', 'd:let', 'e:let']],
    ['var [p = 1, , q] = arr', ['p:var', 'q:var']],
    ['const world = once({ n: 0 })', ['world:const:once']],
    ['interface P { x: number }\ntype Id = string\nlet z: Id = "1"', ['z:let']],
    ['enum Color { Red, Green }', ['Color:enum']],
    ['const enum D { A = "}" }; var v', ['D:enum', 'v:var']],
    ['let a = 1\nenum E {\n  A\n}', ['a:let', 'E:enum']],
    ['if (x) { let inner = 1 }\nfunction top() { const local = 2 }', ['top:function']],
  ];
  for (const [source, expected] of table) assert.deepEqual(declared(source), expected, source);
});

test('analyze(source) keeps each declaration as typed, types included', () => {
  const entry = analyze('let a: number = 1; function f(x: string): string { return x }');
  assert.deepEqual(
    entry.declarations.map((d) => d.source),
    ['let a: number = 1;', 'function f(x: string): string { return x }'],
  );
});

test('isComplete(source) follows the REPL continuation rule', () => {
  const table: [string, boolean][] = [
    ['1 + 1', true],
    ['function f() {', false],
    ['class A {\n  m() {\n    return 1\n  }', false],
    ['let x = (1 +', false],
    ['foo(1,', false],
    ['`template', false],
    ['/* comment', false],
    ['if (x) {} else', false],
    ["let s = 'unterminated", true],
    ['let = = 2', true],
    ['let x: number =', false],
    ['items.forEach((item, i) =>', false],
    ['class A {\n  m() {\n    this.xs.map((x) =>', false],
    ['const total = a +', false],
    ['shape.forEach((row, dy) =>\n  [...row].forEach((c, dx) => {', false],
    ['const re = /[(]/; f(re', false],
    ['const s = `a ${b({ c: 1 })} (`; g()', true],
    ["let q = ')'; let r = 1 + + ;", true],
  ];
  for (const [source, complete] of table) assert.equal(isComplete(source), complete, source);
});

test('analyze(source) reports syntax errors at the line and column the user typed', () => {
  const table: [string, number, number][] = [
    ['let x = 1\nlet y = = 2', 2, 9],
    ['const a: number = 1;\nconst b: string = "x" "y"', 2, 23],
    ['let ok = 1\nlet q = 1; let q = 2', 2, 16],
  ];
  for (const [source, line, column] of table) {
    assert.throws(
      () => analyze(source),
      (e: unknown) => e instanceof EntrySyntaxError && e.line === line && e.column === column,
      source,
    );
  }
});

test('analyze(source) refuses export, and imports of Node APIs, files and subpaths, with a clear message', () => {
  assert.throws(() => analyze('export const x = 1'), /export is not available in entries/);
  assert.throws(() => analyze("import fs from 'node:fs'"), /'node:fs' is a Node API/);
  assert.throws(() => analyze("import { readFile } from 'fs'"), /'fs' is a Node API/);
  assert.throws(() => analyze("import x from './x.ts'"), /import from a file/);
  assert.throws(() => analyze("import c from 'lodash-es/chunk'"), /import from 'lodash-es'/);
});

test('analyze(source) reads import declarations as definitions bound to a package', () => {
  const entry = analyze(
    "import d, { chunk, map as m } from 'lodash-es'\nimport * as ns from '@scope/pkg'\nchunk",
  );
  assert.deepEqual(
    entry.declarations.map((d) => [d.name, d.kind]),
    [
      ['d', 'const'],
      ['chunk', 'const'],
      ['m', 'const'],
      ['ns', 'const'],
    ],
  );
  assert.deepEqual(
    entry.imports.map((i) => [i.package, i.module, i.names]),
    [
      [
        'lodash-es',
        'lodash_es',
        [
          { local: 'd', imported: 'default' },
          { local: 'chunk', imported: 'chunk' },
          { local: 'm', imported: 'map' },
        ],
      ],
      ['@scope/pkg', 'scope_pkg', [{ local: 'ns', imported: '*' }]],
    ],
  );
  const script = rewrite(entry).code;
  assert.match(script, /__viv\.imported\("m", "lodash_es", "lodash-es", "map"\)/);
  assert.equal(script.split('\n').length, 4, 'every line stays on its line');
});

test('analyze(source) sees top-level await only outside functions', () => {
  assert.equal(analyze('await 1').topLevelAwait, true);
  assert.equal(analyze('for await (const x of xs) {}').topLevelAwait, true);
  assert.equal(analyze('async function f() { await 1 }').topLevelAwait, false);
});

test('rewrite(entry) keeps every line on its line', () => {
  const source =
    'function f(a: number) {\n  return a\n}\nclass C {\n  #x = 1\n  get x() { return this.#x }\n}\nconst v = 1, w = 2\nf(v)';
  const script = rewrite(analyze(source)).code;
  assert.equal(script.split('\n').length, source.split('\n').length + 1);
});

test("rewrite(entry) binds a named function expression's own name through `with` only where it may be assigned", () => {
  // The `with` form makes every other name the body reads a run-time lookup (30-200x slower in a
  // loop), so a function that only reads its name, or evals text that cannot name it, keeps the
  // fast form. None of these lose a line.
  const table: [string, 'kept' | 'const' | 'with'][] = [
    ['let a = function F() { return 1 }', 'kept'],
    ['let a = function F() { return eval("1 + 1") }', 'kept'],
    ['let a = function F(n) {\n  return n ? F(n - 1) : 0\n}', 'const'],
    ['let a = function F() { const g = () => F; return g }', 'const'],
    ['let a = function F() {\n  F = 1\n}', 'with'],
    ['let a = function F() { [F] = [1] }', 'with'],
    ['let a = function F() { for (F of []) ; }', 'with'],
    ['let a = function F() { F++ }', 'with'],
    ['let a = function F() { return eval("F") }', 'with'],
    ['let a = function F(text) { return eval(text) }', 'with'],
    ['let a = function let() { return let }', 'with'],
  ];
  const forms = table.map(([source]) => {
    const script = rewrite(analyze(source)).code;
    assert.equal(script.split('\n').length, source.split('\n').length + 1, source);
    return script.includes('with (') ? 'with' : script.includes('const F =') ? 'const' : 'kept';
  });
  assert.deepEqual(
    forms,
    table.map(([, form]) => form),
  );
});
