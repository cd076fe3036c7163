// stdlib/music.ts through the engine and a real isolate (in process): the clock, rhythms, pitches
// and the seeded generator that every new image starts with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempDir } from './helpers.ts';
import { session, shown as values } from './support/session.ts';
import type { SessionOptions } from './support/session.ts';

/** Runs the setup entries, then each probe as `JSON.stringify(probe)`; returns the probes' values. */
async function probe(
  setup: string[],
  probes: string[],
  options: SessionOptions = {},
): Promise<unknown[]> {
  const r = await session([...setup, ...probes.map((p) => `JSON.stringify(${p})`)], options);
  assert.equal(r.status, 0, JSON.stringify(r.results.filter((x) => !x.ok)));
  // Each value is util.inspect of a string of JSON: a JavaScript string literal.
  return values(r)
    .slice(setup.length)
    .map((v) => JSON.parse(eval(v!)));
}

/** The error of each entry, as `Name: message`. */
async function errors(entries: string[]): Promise<string[]> {
  const r = await session(entries);
  return r.results.map((x) =>
    x.ok ? `no error: ${x.value}` : `${x.error!.name}: ${x.error!.message}`,
  );
}

/** mulberry32 as published (Tommy Ettinger), the reference Random must match. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const show = 'const show = (p: boolean[]) => p.map((hit) => (hit ? "x" : ".")).join("")';

test("euclid(pulses, steps) gives the rhythms of Toussaint's table (as TidalCycles does)", async () => {
  // [pulses, steps, rotation, rhythm]; rotation 0 is Bjorklund's own order. Toussaint draws the
  // patterns with a single rest, and E(2,3), rotated: those rows say which rotation he shows.
  const table: [number, number, number, string][] = [
    [2, 5, 0, 'x.x..'],
    [3, 5, 0, 'x.x.x'],
    [3, 7, 0, 'x.x.x..'],
    [3, 8, 0, 'x..x..x.'],
    [4, 7, 0, 'x.x.x.x'],
    [4, 9, 0, 'x.x.x.x..'],
    [4, 11, 0, 'x..x..x..x.'],
    [5, 7, 0, 'x.xx.xx'],
    [5, 8, 0, 'x.xx.xx.'],
    [5, 9, 0, 'x.x.x.x.x'],
    [5, 11, 0, 'x.x.x.x.x..'],
    [5, 12, 0, 'x..x.x..x.x.'],
    [5, 16, 0, 'x..x..x..x..x...'],
    [7, 12, 0, 'x.xx.x.xx.x.'],
    [7, 16, 0, 'x..x.x.x..x.x.x.'],
    [9, 16, 0, 'x.xx.x.x.xx.x.x.'],
    [11, 24, 0, 'x..x.x.x.x.x..x.x.x.x.x.'],
    [13, 24, 0, 'x.xx.x.x.x.x.xx.x.x.x.x.'],
    [3, 4, 0, 'xxx.'],
    [3, 4, 2, 'x.xx'],
    [2, 3, 1, 'x.x'],
    [5, 6, 4, 'x.xxxx'],
    [7, 8, 6, 'x.xxxxxx'],
  ];
  const got = await probe(
    [show],
    table.map(([k, n, r]) => `show(euclid(${k}, ${n}, ${r}))`),
  );
  assert.deepEqual(
    got,
    table.map((row) => row[3]),
  );
});

test('euclid(pulses, steps, rotation) rotates left; no hits, all hits and no steps work', async () => {
  const got = await probe(
    [show],
    [
      'show(euclid(3, 8, 1))',
      'show(euclid(3, 8, -1))',
      'show(euclid(3, 8, 8))',
      'show(euclid(3, 8, 9))',
      'show(euclid(0, 4))',
      'show(euclid(4, 4))',
      'euclid(0, 0)',
    ],
  );
  assert.deepEqual(got, ['..x..x.x', '.x..x..x', 'x..x..x.', '..x..x.x', '....', 'xxxx', []]);
});

test('euclid rejects counts that are not whole or do not fit, saying which', async () => {
  assert.deepEqual(
    await errors(['euclid(9, 8)', 'euclid(2.5, 8)', 'euclid(3, -8)', 'euclid(3, 8, 0.5)']),
    [
      'RangeError: euclid: pulses (9) must not be more than steps (8)',
      'RangeError: euclid: pulses must be an integer >= 0, got 2.5',
      'RangeError: euclid: steps must be an integer >= 0, got -8',
      'RangeError: euclid: rotation must be an integer, got 0.5',
    ],
  );
});

test('steps(text) reads hits and rests, with or without spaces, and names a bad character', async () => {
  const got = await probe(
    [],
    ['steps("x . x x")', 'steps("X~1 0-.")', 'steps("x..x")', 'steps("")'],
  );
  assert.deepEqual(got, [
    [true, false, true, true],
    [true, false, true, false, false, false],
    [true, false, false, true],
    [],
  ]);
  assert.deepEqual(await errors(['steps("x . y x")', 'steps(3)']), [
    "RangeError: steps: 'y' at column 5 is not a step (hits: x X 1; rests: . ~ 0 -)",
    "TypeError: steps: expected text like 'x . x x', got 3",
  ]);
});

test('seq(text) reads names, ~ rests and name*n repeats, and names a bad token', async () => {
  const got = await probe([], ['seq("bd ~ sn hh*3")', 'seq("  bd:3\\tc#4  ~*2 ")', 'seq("")']);
  assert.deepEqual(got, [['bd', null, 'sn', 'hh', 'hh', 'hh'], ['bd:3', 'c#4', null, null], []]);
  const bad = await errors(['seq("bd [hh hh]")', 'seq("bd*0")', 'seq("*2")']);
  assert.deepEqual(bad, [
    "RangeError: seq: '[hh' at column 4 is not a name, a rest ~, or token*count with count >= 1",
    "RangeError: seq: 'bd*0' at column 1 is not a name, a rest ~, or token*count with count >= 1",
    "RangeError: seq: '*2' at column 1 is not a name, a rest ~, or token*count with count >= 1",
  ]);
});

test('at(pattern, step) cycles, for negative and fractional steps too', async () => {
  const p = '["a", "b", "c"]';
  const got = await probe(
    [],
    [0, 4, 300, -1, -4, 2.9, -0.5].map((s) => `at(${p}, ${s})`),
  );
  assert.deepEqual(got, ['a', 'b', 'a', 'c', 'c', 'c', 'c']);
  assert.deepEqual(await errors(['at([], 0)', 'at(["a"], NaN)']), [
    'RangeError: at: pattern must be a non-empty array, got []',
    'RangeError: at: step must be a finite number, got NaN',
  ]);
});

test('note(name) and mtof(midi): c4 is 60, a4 is 69 and 440 Hz', async () => {
  const names = ['c4', 'a4', 'f#3', 'bb2', 'c-1', 'C#4', 'B3', 'g9', 'cb4', 'e#4'];
  const got = await probe(
    [],
    [...names.map((n) => `note("${n}")`), 'mtof(69)', 'mtof(57)', 'mtof(60)'],
  );
  assert.deepEqual(got.slice(0, names.length), [60, 69, 54, 46, 0, 61, 59, 127, 59, 65]);
  assert.deepEqual(got.slice(names.length, -1), [440, 220]);
  assert.ok(Math.abs((got.at(-1) as number) - 261.6256) < 1e-4);
  assert.deepEqual(await errors(['note("h4")', 'note("c")', 'note("c##4")', 'note(60)']), [
    `RangeError: note: "h4" is not a note name like 'c4', 'f#3' or 'bb2' (letter, optional # or b, octave)`,
    `RangeError: note: "c" is not a note name like 'c4', 'f#3' or 'bb2' (letter, optional # or b, octave)`,
    `RangeError: note: "c##4" is not a note name like 'c4', 'f#3' or 'bb2' (letter, optional # or b, octave)`,
    `RangeError: note: 60 is not a note name like 'c4', 'f#3' or 'bb2' (letter, optional # or b, octave)`,
  ]);
});

test('scale(name, root, octaves): every scale, from a MIDI number or a note name', async () => {
  const expected: [string, number[]][] = [
    ['scale("major", 60)', [60, 62, 64, 65, 67, 69, 71]],
    // The seven modes from their white keys are all white keys.
    ['scale("minor", 69)', [69, 71, 72, 74, 76, 77, 79]],
    ['scale("dorian", 62)', [62, 64, 65, 67, 69, 71, 72]],
    ['scale("phrygian", 64)', [64, 65, 67, 69, 71, 72, 74]],
    ['scale("lydian", 65)', [65, 67, 69, 71, 72, 74, 76]],
    ['scale("mixolydian", 67)', [67, 69, 71, 72, 74, 76, 77]],
    ['scale("locrian", 71)', [71, 72, 74, 76, 77, 79, 81]],
    ['scale("harmonicMinor", "a3")', [57, 59, 60, 62, 64, 65, 68]],
    ['scale("melodicMinor", "a3")', [57, 59, 60, 62, 64, 66, 68]],
    ['scale("majorPentatonic")', [60, 62, 64, 67, 69]],
    ['scale("minorPentatonic", 60, 2)', [60, 63, 65, 67, 70, 72, 75, 77, 79, 82]],
    ['scale("blues")', [60, 63, 65, 66, 67, 70]],
    ['scale("chromatic", 0)', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]],
    ['scale("wholeTone")', [60, 62, 64, 66, 68, 70]],
  ];
  const got = await probe(
    [],
    expected.map(([expr]) => expr),
  );
  assert.deepEqual(
    got,
    expected.map(([, notes]) => notes),
  );
  const [unknown, octaves] = await errors(['scale("ionian")', 'scale("major", 60, 1.5)']);
  assert.equal(
    unknown,
    'RangeError: scale: unknown scale "ionian"; the scales are major, minor, dorian, phrygian, lydian, mixolydian, locrian, harmonicMinor, melodicMinor, majorPentatonic, minorPentatonic, blues, chromatic, wholeTone',
  );
  assert.equal(octaves, 'RangeError: scale: octaves must be an integer >= 0, got 1.5');
});

test('chord(name, root): every chord', async () => {
  const expected: [string, number[]][] = [
    ['major', [60, 64, 67]],
    ['minor', [60, 63, 67]],
    ['dim', [60, 63, 66]],
    ['aug', [60, 64, 68]],
    ['sus2', [60, 62, 67]],
    ['sus4', [60, 65, 67]],
    ['maj7', [60, 64, 67, 71]],
    ['min7', [60, 63, 67, 70]],
    ['dom7', [60, 64, 67, 70]],
    ['min7b5', [60, 63, 66, 70]],
    ['dim7', [60, 63, 66, 69]],
    ['add9', [60, 64, 67, 74]],
    ['min9', [60, 63, 67, 70, 74]],
    ['maj9', [60, 64, 67, 71, 74]],
  ];
  const got = await probe(
    [],
    [...expected.map(([name]) => `chord("${name}")`), 'chord("dom7", "g3")'],
  );
  assert.deepEqual(got, [...expected.map(([, notes]) => notes), [55, 59, 62, 65]]);
  assert.match(
    (await errors(['chord("min6")']))[0]!,
    /^RangeError: chord: unknown chord "min6"; the chords are major, minor, dim, .*, maj9$/,
  );
});

const CLOCK = 'const clock = new TempoClock(120, { at: 1000 })';

test('TempoClock: timeAt and beatAt are inverses on logical ms, bars count whole bars', async () => {
  const got = await probe(
    [CLOCK],
    [
      'clock.timeAt(0)',
      'clock.timeAt(4)',
      'clock.beatAt(2000)',
      'clock.beat(1250)',
      'clock.beat(0)',
      'clock.bar(4999)',
      'clock.bar(5000)',
      'clock.beatDuration()',
      'clock.beatsPerBar',
      'new TempoClock(90, { beatsPerBar: 3, at: 0 }).bar(4000)',
    ],
  );
  assert.deepEqual(got, [1000, 3000, 2, 0.5, -2, 1, 2, 500, 4, 2]);
});

test('TempoClock.setTempo(bpm, now) keeps the beat at now and moves later beats', async () => {
  const got = await probe(
    [
      CLOCK,
      'const before = [clock.beatAt(2250), clock.timeAt(3), clock.timeAt(6.5)]',
      'clock.setTempo(60, 2250)',
    ],
    [
      'before',
      '[clock.beatAt(2250), clock.timeAt(3), clock.timeAt(6.5)]',
      'clock.bpm',
      'clock.beatDuration()',
    ],
  );
  // Beat 2.5 is at 2250 both times; beat 3 is half a beat later: 250 ms at 120 bpm, 500 ms at 60.
  assert.deepEqual(got, [[2.5, 2500, 4250], [2.5, 2750, 6250], 60, 1000]);
});

test('TempoClock.nextBeat(multiple, now) is strictly after now, on the grid from beat 0', async () => {
  const got = await probe(
    [CLOCK],
    [
      'clock.nextBeat(1, 2250)', // beat 2.5
      'clock.nextBeat(4, 2250)',
      'clock.nextBeat(1, 3000)', // exactly beat 4
      'clock.nextBeat(4, 3000)',
      'clock.nextBeat(0.5, 2250)',
      'clock.nextBeat(clock.beatsPerBar, 0)', // beat -2: the next bar is bar 0
      'new TempoClock(60, { beatsPerBar: 3, at: 0 }).nextBeat(3, 4000)',
      '(clock.setTempo(60, 2250), clock.nextBeat(4, 4000))', // beat 4.25 after the change
    ],
  );
  assert.deepEqual(got, [3, 4, 5, 8, 3, 0, 6, 8]);
});

test('TempoClock defaults now to vivarium.now(), the logical time', async () => {
  const got = await probe(
    ['const t0 = vivarium.now()', 'const c = new TempoClock(120)', 'const t1 = vivarium.now()'],
    ['t0 <= c.anchorTime && c.anchorTime <= t1', 'c.beat() >= 0'],
  );
  assert.deepEqual(got, [true, true]);
});

test('TempoClock says what was wrong with a bad argument and changes nothing', async () => {
  const got = await errors([
    CLOCK,
    'new TempoClock(0)',
    'new TempoClock(NaN, { at: 0 })',
    'new TempoClock("120", { at: 0 })',
    'new TempoClock(120, { beatsPerbar: 3, at: 0 })',
    'clock.setTempo(-5, 2000)',
    'clock.setTempo(60, "soon")',
    'clock.nextBeat(0, 2000)',
    'clock.timeAt(undefined)',
    'JSON.stringify(clock)',
  ]);
  assert.deepEqual(got.slice(1), [
    'RangeError: TempoClock: bpm must be a finite number > 0, got 0',
    'RangeError: TempoClock: bpm must be a finite number > 0, got NaN',
    'RangeError: TempoClock: bpm must be a finite number > 0, got "120"',
    "TypeError: TempoClock: unknown option 'beatsPerbar' (the options are beatsPerBar, at)",
    'RangeError: TempoClock.setTempo: bpm must be a finite number > 0, got -5',
    'RangeError: TempoClock: time must be a finite number, got "soon"',
    'RangeError: TempoClock.nextBeat: multiple must be a finite number > 0, got 0',
    'RangeError: TempoClock: beat must be a finite number, got undefined',
    `no error: '{"bpm":120,"beatsPerBar":4,"anchorBeat":0,"anchorTime":1000}'`,
  ]);
});

test('Random(seed) is mulberry32: reproducible from its seed, in every session', async () => {
  const reference = mulberry32(42);
  const expected = Array.from({ length: 5 }, () => reference());
  const draws = '[r.next(), r.next(), r.next(), r.next(), r.next()]';
  const [first, second] = await Promise.all([
    probe(['const r = new Random(42)'], [draws]),
    probe(['const r = new Random(42)'], [draws]),
  ]);
  assert.deepEqual(first, [expected]);
  assert.deepEqual(second, [expected]);
  const [seed1] = await probe([], ['new Random().next()']);
  assert.equal(seed1, mulberry32(1)());
});

test('Random is not reset by later unrelated entries, nor by re-running its once definition', async () => {
  const reference = mulberry32(7);
  const expected = Array.from({ length: 4 }, () => reference());
  const got = await probe(
    [
      'const rng = once(new Random(7))',
      'const a = rng.next()',
      'function unrelated() { return 1 }',
      'class Other { x = 1 }',
      'const b = rng.next()',
      'const rng = once(new Random(7))',
      'const c = rng.next()',
      'function unrelated() { return 2 }',
    ],
    ['[a, b, c, rng.next()]'],
  );
  assert.deepEqual(got, [expected]);
});

test('Random: int, range, pick, chance and shuffle stay in bounds and are reproducible', async () => {
  const [ints, ranges, picks, chances, shuffled, again, original] = await probe(
    [
      'const r = new Random(3)',
      'const list = ["a", "b", "c", "d", "e"]',
      'const s = new Random(3)',
    ],
    [
      'Array.from({ length: 600 }, () => r.int(6))',
      'Array.from({ length: 200 }, () => r.range(10, 20))',
      'Array.from({ length: 100 }, () => r.pick(list))',
      '[r.chance(0), r.chance(1), Array.from({ length: 1000 }, () => r.chance(0.25)).filter(Boolean).length]',
      'new Random(9).shuffle(list)',
      'new Random(9).shuffle(list)',
      'list',
    ],
  );
  assert.deepEqual([...new Set(ints as number[])].sort(), [0, 1, 2, 3, 4, 5]);
  assert.ok((ranges as number[]).every((x) => x >= 10 && x < 20));
  assert.deepEqual([...new Set(picks as string[])].sort(), ['a', 'b', 'c', 'd', 'e']);
  const [never, always, quarter] = chances as [boolean, boolean, number];
  assert.deepEqual([never, always], [false, true]);
  assert.ok(quarter > 180 && quarter < 320, `chance(0.25) came true ${quarter} times in 1000`);
  assert.deepEqual([...(shuffled as string[])].sort(), ['a', 'b', 'c', 'd', 'e']);
  assert.notDeepEqual(shuffled, original);
  assert.deepEqual(again, shuffled);
  assert.deepEqual(original, ['a', 'b', 'c', 'd', 'e']);
});

test('Random says what was wrong with a bad argument', async () => {
  const got = await errors([
    'const r = new Random(5)',
    'new Random(1.5)',
    'r.int(0)',
    'r.pick([])',
    'r.chance(2)',
    'r.range(0, Infinity)',
    'r.shuffle("abc")',
  ]);
  assert.deepEqual(got.slice(1), [
    'RangeError: Random: seed must be an integer, got 1.5',
    'RangeError: Random.int: n must be an integer >= 1, got 0',
    'RangeError: Random.pick: expected a non-empty array, got []',
    'RangeError: Random.chance: p must be a number from 0 to 1, got 2',
    'RangeError: Random.range: hi must be a finite number, got Infinity',
    'TypeError: Random.shuffle: expected an array, got abc',
  ]);
});

test('a TempoClock and a Random saved in an image carry on after reopening in a new isolate', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'music.json');
    const first = await session(
      [
        'const clock = new TempoClock(90, { beatsPerBar: 3, at: 1000 })',
        'clock.setTempo(140, 5000)',
        'const rng = new Random(99)',
        '[rng.next(), rng.next()]',
        ':save',
      ],
      { image },
    );
    assert.equal(first.status, 0, JSON.stringify(first.results.filter((r) => !r.ok)));
    const got = await probe(
      [],
      [
        '[clock instanceof TempoClock, clock.bpm, clock.beatsPerBar, clock.anchorBeat, clock.anchorTime]',
        'clock.timeAt(clock.nextBeat(3, 5000))',
        '[rng instanceof Random, rng.next(), rng.next()]',
      ],
      { image },
    );
    const reference = mulberry32(99);
    const draws = Array.from({ length: 4 }, () => reference());
    // 4000 ms at 90 bpm is 6 beats; the next multiple of 3 after beat 6 is 9, 3 beats at 140 bpm later.
    assert.deepEqual(got, [
      [true, 140, 3, 6, 5000],
      5000 + (3 * 60000) / 140,
      [true, draws[2], draws[3]],
    ]);
  } finally {
    dir.remove();
  }
});
