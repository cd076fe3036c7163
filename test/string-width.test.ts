// The REPL's string-width (src/ui/string-width.ts: a fast path for plain text, string-width itself
// for the rest) measures every text exactly as string-width does: ink lays the screen out with it,
// so one column of difference would misplace the cursor or wrap a line too early.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import realStringWidth from 'string-width';
import stringWidth from '../src/ui/string-width.ts';
import { seeded } from './support/seeded.ts';

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
