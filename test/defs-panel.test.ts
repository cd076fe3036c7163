// The definitions panel's lines (src/ui/defs-panel.ts): clipped to its rows, scrolled, the
// standard library folded into one line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelLines } from '../src/ui/defs-panel.ts';
import type { DefSummary } from '../src/shared/types.ts';

const defs: DefSummary[] = [
  { name: 'sleep', kind: 'function', version: 1 },
  { name: 'range', kind: 'function', version: 2 },
  ...Array.from({ length: 8 }, (_, i): DefSummary => ({ name: `d${i}`, kind: 'var', version: 1 })),
];
const lines = (rows: number, offset: number) =>
  panelLines(defs, { changed: new Set(['d0']), stdlib: new Set(['sleep', 'range']), rows, offset });
const text = (rows: number, offset: number) =>
  lines(rows, offset).lines.map((l) => l.text.replace(/\s+/g, ' ').trim());

test('panelLines(defs, options) folds unchanged stdlib definitions and fits what has room', () => {
  assert.deepEqual(text(20, 0), [
    'range function v2',
    ...Array.from({ length: 8 }, (_, i) => `${i === 0 ? '* ' : ''}d${i} var v1`),
    'stdlib: 1 definition (:defs lists them)',
  ]);
});

test('panelLines(defs, options) clips to its rows with a line for what is above and below', () => {
  assert.deepEqual(text(4, 0), [
    'range function v2',
    '* d0 var v1',
    'd1 var v1',
    '… 7 more (PgDn, :defs)',
  ]);
  assert.deepEqual(text(4, 3), [
    '… 3 above (PgUp)',
    'd2 var v1',
    'd3 var v1',
    '… 5 more (PgDn, :defs)',
  ]);
  // Past the end, the last rows stay: the offset is clamped and returned.
  const end = lines(4, 99);
  assert.equal(end.offset, 7);
  assert.deepEqual(text(4, 99), [
    '… 7 above (PgUp)',
    'd6 var v1',
    'd7 var v1',
    'stdlib: 1 definition (:defs lists them)',
  ]);
  for (const rows of [1, 2, 3, 5, 9]) {
    for (const offset of [0, 1, 4, 50])
      assert.ok(lines(rows, offset).lines.length <= rows, `${rows} ${offset}`);
  }
});
