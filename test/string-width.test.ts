// The REPL's string-width (src/ui/string-width.ts: a fast path for plain text, string-width itself
// for the rest) measures every text exactly as string-width does: ink lays the screen out with it,
// so one column of difference would misplace the cursor or wrap a line too early. Its packages split
// text with src/ui/lazy-segmenter.ts, which must split it as Intl.Segmenter does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import realStringWidth from 'string-width';
import stringWidth from '../src/ui/string-width.ts';
import { seeded } from './support/seeded.ts';
import { LazySegmenter } from '../src/ui/lazy-segmenter.ts';
import { readFileSync } from 'node:fs';

const OPTIONS = [
  {},
  { ambiguousIsNarrow: false },
  { countAnsiEscapeCodes: true },
  { ambiguousIsNarrow: false, countAnsiEscapeCodes: true },
];

function same(text: string, options_ = OPTIONS): void {
  for (const options of options_) {
    assert.equal(
      stringWidth(text, options),
      realStringWidth(text, options),
      `${JSON.stringify(text)} with ${JSON.stringify(options)}`,
    );
  }
}

test('every code point of the fast path (and the BMP around it) measures as string-width says', () => {
  for (let code = 0; code <= 0x2fff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue;
    const char = String.fromCodePoint(code);
    // (Without an escape in the text, countAnsiEscapeCodes changes nothing.)
    same(`${char}`, OPTIONS.slice(0, 2));
    same(`ab${char}${char}`, OPTIONS.slice(0, 2));
  }
});

test('text the status line and the panels show measures as string-width says', () => {
  for (const text of [
    'life.json · opening… · Ctrl-D gives up',
    '\u001b[2mlife.json\u001b[22m · 3 definitions · saved 12:04',
    '─── definitions ───┬──',
    '│ ▶ tick  ◀ │ ▪ ▫ ◻ ◼ ◽ ◾',
    '© 2026 ® ‼ ⁉ ↔ ↩',
    'café naïve Œuvre ǅ ș',
    '\u00ad soft hyphen',
    '',
  ]) {
    same(text);
  }
});

test('random text of emoji, CJK, marks, joiners, jamo, controls and colours measures as string-width says', () => {
  const seed = Number(process.env.VIV_SEED ?? Date.now() % 100_000);
  console.log(`# string seed ${seed} (VIV_SEED=${seed} repeats it)`);
  const random = seeded(seed);
  const pieces = [
    'a',
    ' ',
    '1',
    '#',
    '*',
    '·',
    '…',
    '─',
    '▶',
    '◽',
    '©',
    '¿',
    '\u0301',
    '\u200d',
    '\ufe0f',
    '\u20e3',
    '\u200b',
    '\u00ad',
    '\t',
    '\n',
    '\u0007',
    '字',
    '한',
    '\u1100',
    '\u1161',
    '\u11a8',
    'ｱ',
    'Ａ',
    '😀',
    '👍🏽',
    '🇫🇷',
    '👩‍💻',
    '🏴‍☠️',
    '1️⃣',
    '\ud83d',
    '\u001b[31m',
    '\u001b[0m',
    '\u009b1m',
    'ก',
    'ำ',
    'क्ष',
  ];
  for (let i = 0; i < 3000; i++) {
    let text = '';
    const length = 1 + Math.floor(random() * 8);
    for (let j = 0; j < length; j++) text += pieces[Math.floor(random() * pieces.length)];
    assert.doesNotThrow(() => same(text), `seed ${seed}`);
  }
});

/** What a segmenter gives for `text`: its graphemes, and the one containing each index. */
function segmentsOf(segmenter: { segment(text: string): Intl.Segments }, text: string) {
  const segments = segmenter.segment(text);
  return {
    all: [...segments].map(({ segment, index, input }) => ({ segment, index, input })),
    containing: Array.from({ length: text.length + 3 }, (_, i) => segments.containing(i - 1)),
    iterated: [...segments[Symbol.iterator]()].length,
  };
}

test('LazySegmenter splits text as Intl.Segmenter does, and takes plain text without ICU', () => {
  const seed = Number(process.env.VIV_SEED ?? Date.now() % 100_000);
  console.log(`# segmenter seed ${seed} (VIV_SEED=${seed} repeats it)`);
  const random = seeded(seed);
  const real = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const lazy = new LazySegmenter(undefined, { granularity: 'grapheme' });
  // Characters that are each one grapheme, and ones that join or extend (with them: ICU's).
  const plain = ['a', ' ', '~', '\u001b', '\n', '·', '…', '─', '▶', '☀', 'é', '\u00ad', '\u2028'];
  const joining = ['\r', '\u0301', '\u200d', '\u200c', '\ufe0f', '\u20e3', '\u1100', '\u1161'];
  const more = ['😀', '🇫', '🇷', '字', 'क', '्', '\ud83d', 'ก', 'ำ', '👍🏽'];
  const pieces = [...plain, ...joining, ...more];
  const plainSegments = Object.getPrototypeOf(lazy.segment('viv> ab · …'));
  assert.notEqual(
    plainSegments,
    Object.getPrototypeOf(real.segment('viv> ab · …')),
    'plain text is split without Intl.Segmenter',
  );
  for (let i = 0; i < 3000; i++) {
    let text = '';
    const length = Math.floor(random() * 8);
    const from = random() < 0.5 ? plain : pieces;
    for (let j = 0; j < length; j++) text += from[Math.floor(random() * from.length)];
    assert.deepEqual(
      segmentsOf(lazy, text),
      segmentsOf(real, text),
      `seed ${seed}: ${JSON.stringify(text)}`,
    );
  }
  // Any other granularity is ICU's.
  const words = new LazySegmenter('en', { granularity: 'word' });
  assert.deepEqual(
    [...words.segment('two words')].map((s) => s.segment),
    ['two', ' ', 'words'],
  );
  assert.equal(words.resolvedOptions().granularity, 'word');
});

test('in the bundle, the packages make their segmenters lazily', () => {
  const bundle = readFileSync(new URL('../dist/session.js', import.meta.url), 'utf8');
  // Only LazySegmenter itself makes a real one.
  assert.equal(bundle.split('new Intl.Segmenter(').length - 1, 1);
  assert.ok(bundle.split('new LazySegmenter(').length - 1 >= 5, 'ink and its packages use it');
});
