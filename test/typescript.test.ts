// TypeScript in entries (issue 10, point 10): each construct works as tsc compiles it or is refused
// with a message naming the construct and its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, shown } from './support/session.ts';
import { withImage } from './helpers.ts';

test('enum: a redefinition is a new object without the old members', async () => {
  const run = await session([
    'enum Color { Red, Green = 5, Blue }',
    'Color.Blue',
    'enum Color { Cyan }',
    'JSON.stringify(Color)',
  ]);
  assert.deepEqual([shown(run)[1], shown(run)[3]], ['6', `'{"0":"Cyan","Cyan":0}'`]);
});

test('enum: listed as an enum in :defs and its history, as typed, and still after reopening', async () => {
  await withImage(async (image) => {
    const first = await session(['enum Color { Red, Green = "g}" }', ':defs'], { image });
    assert.equal(first.results[0]!.defined?.[0]?.kind, 'enum');
    assert.match(shown(first)[1]!, /^Color\s+enum\s+v1$/m);
    const again = await session([':defs', ':history Color', 'Color.Green'], { image });
    assert.match(shown(again)[0]!, /^Color\s+enum\s+v1$/m);
    assert.match(
      shown(again)[1]!,
      /^Color: enum, 1 version.*\n.*\n\s+enum Color \{ Red, Green = "g\}" \}$/,
    );
    assert.equal(shown(again)[2], "'g}'");
  });
});

test('parameter properties, generics, satisfies, overloads and declare work as tsc compiles them', async () => {
  const run = await session([
    `abstract class Shape { abstract area(): number; describe(this: Shape): string { return 'area ' + this.area() } }
class Sq extends Shape { declare tag: string; constructor(public side: number, private unit = 'cm') { super() } area() { return this.side ** 2 } }
function pick(x: string): string; function pick(x: number): number; function pick(x: any) { return x }
const id = <T,>(x: T): T => x
const cfg = { a: 1 } satisfies Record<string, number>
let later!: number`,
    `[new Sq(3).describe(), id<number>(4), pick(5), cfg.a, (new Sq(2) as any).unit]`,
  ]);
  assert.deepEqual(shown(run)[1], `[ 'area 9', 4, 5, 1, 'cm' ]`);
});

test('namespace, export = and decorators are refused with the construct and the line', async () => {
  const run = await session([
    'let before = 1\nnamespace N { export const v = 1 }',
    'export = 5',
    'function d(c: any) { return c }\n@d class K {}',
  ]);
  const errors = run.results.map((r) => r.error?.message ?? '');
  assert.match(errors[0]!, /namespaces are not supported.*\(2:1\)/);
  assert.match(errors[1]!, /`export =`.*\(1:1\)/);
  assert.match(errors[2]!, /decorators.*\(2:1\)/);
});

test('a type error position points at the user text (offsets kept by stripping)', async () => {
  const run = await session(['let typed: number = 1; let broken = )']);
  assert.match(run.results[0]!.error!.message, /\(1:37\)/);
});
