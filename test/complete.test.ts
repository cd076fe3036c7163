// Tab completion (issue 12): after a literal receiver (`"abc".`, `(5).`, `[1,2].`) the literal's
// type gives the properties; nothing is evaluated, so completing runs none of the image's code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { complete } from '../src/session/commands/queries.ts';

test('complete(engine, text) after a literal receiver lists its type properties', async () => {
  const engine = await openSession({ guest: InProcessGuest.start });
  try {
    const table: [string, { has: string[]; from?: number } | 'none'][] = [
      ['"abc".', { has: ['toUpperCase', 'length', 'padStart'], from: 6 }],
      ["'abc'.toU", { has: ['toUpperCase'], from: 6 }],
      ['`t`.trim', { has: ['trim', 'trimEnd', 'trimStart'] }],
      ['"a.b" + "c".sp', { has: ['split'] }],
      ['(5).', { has: ['toFixed', 'toPrecision'], from: 4 }],
      ['( 1.5 ).toF', { has: ['toFixed'] }],
      ['1.5.toF', { has: ['toFixed'] }],
      ['(10n).toS', { has: ['toString'] }],
      ['[1,2].', { has: ['map', 'length', 'includes'] }],
      ['const q = [1, [2, "]"]].fl', { has: ['flat', 'flatMap'] }],
      ['("x").at', { has: ['at'] }],
      ['true.toS', { has: ['toString'] }],
    ];
    for (const [text, expected] of table) {
      const got = await complete(engine, text);
      if (expected === 'none') continue;
      for (const name of expected.has)
        assert.ok(got.candidates.includes(name), `${text} -> ${name}: ${got.candidates.join(' ')}`);
      if (expected.from !== undefined) assert.equal(got.from, expected.from, text);
    }
    // Not literals: an index, a call, a tagged template. A call is never made to complete it.
    await engine.submit('let calls = 0; function f() { calls++; return "s" }; const xs = [[1]]');
    assert.deepEqual((await complete(engine, 'f().')).candidates, []);
    assert.deepEqual((await complete(engine, 'f`x`.')).candidates, []);
    assert.deepEqual((await complete(engine, '[f()].')).candidates.includes('map'), true);
    assert.equal((await engine.submit('calls')).value, '0', 'completion ran no code of the image');
    // A plain path still resolves through the live objects.
    assert.ok((await complete(engine, 'xs[0].')).candidates.includes('push'));
  } finally {
    await engine.close();
  }
});
