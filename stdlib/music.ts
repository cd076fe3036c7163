// The live-music vocabulary, loaded into every new image: a tempo clock on Vivarium's logical
// time, rhythms and pitches as plain arrays, and a seeded random generator. Clocks and generators
// keep all their state in plain number fields, so they are saved with the image and carry on
// where they were after reopening.

type NumberRule =
  | 'a finite number'
  | 'a finite number > 0'
  | 'an integer'
  | 'an integer >= 0'
  | 'an integer >= 1'
  | 'a number from 0 to 1';

/** Returns `value` if it is a number that follows `rule`; otherwise throws an error naming `what`. */
function checkNumber(value: unknown, rule: NumberRule, what: string): number {
  const n = value as number;
  const ok = {
    'a finite number': Number.isFinite(n),
    'a finite number > 0': Number.isFinite(n) && n > 0,
    'an integer': Number.isInteger(n),
    'an integer >= 0': Number.isInteger(n) && n >= 0,
    'an integer >= 1': Number.isInteger(n) && n >= 1,
    'a number from 0 to 1': n >= 0 && n <= 1,
  }[rule];
  if (typeof value === 'number' && ok) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  throw new RangeError(`${what} must be ${rule}, got ${shown}`);
}

/**
 * A tempo clock on Vivarium's logical time, in milliseconds: beat `b` falls at
 * `anchorTime + (b - anchorBeat) * 60000 / bpm`. Every method that needs the current time takes it
 * as an optional last argument (logical ms), defaulting to `vivarium.now()`.
 * `const clock = new TempoClock(120); clock.timeAt(clock.nextBeat(clock.beatsPerBar))` is when the
 * next bar starts.
 */
class TempoClock {
  bpm: number;
  beatsPerBar: number;
  anchorBeat: number;
  anchorTime: number;

  /** `new TempoClock(bpm, { beatsPerBar = 4, at })`: beat 0 falls at logical time `at` (default: now). */
  constructor(
    bpm = 120,
    { beatsPerBar = 4, at = TempoClock.now(), ...rest }: { beatsPerBar?: number; at?: number } = {},
  ) {
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      throw new TypeError(
        `TempoClock: unknown option '${unknown[0]}' (the options are beatsPerBar, at)`,
      );
    }
    this.bpm = checkNumber(bpm, 'a finite number > 0', 'TempoClock: bpm');
    this.beatsPerBar = checkNumber(beatsPerBar, 'a finite number > 0', 'TempoClock: beatsPerBar');
    this.anchorBeat = 0;
    this.anchorTime = checkNumber(at, 'a finite number', 'TempoClock: at');
  }

  /** Vivarium's logical time in ms: what every method uses when no time is given. */
  static now(): number {
    return (globalThis as any).vivarium.now();
  }

  /** The logical time (ms) at which `beat` falls at the current tempo. */
  timeAt(beat: number): number {
    checkNumber(beat, 'a finite number', 'TempoClock: beat');
    return this.anchorTime + ((beat - this.anchorBeat) * 60000) / this.bpm;
  }

  /** The beat (fractional) that falls at logical time `time` (ms): the inverse of `timeAt`. */
  beatAt(time: number): number {
    checkNumber(time, 'a finite number', 'TempoClock: time');
    return this.anchorBeat + ((time - this.anchorTime) * this.bpm) / 60000;
  }

  /** The current beat, fractional: 2.5 is halfway between beats 2 and 3. */
  beat(now = TempoClock.now()): number {
    return this.beatAt(now);
  }

  /** The current bar, a whole number counted from bar 0 at beat 0. */
  bar(now = TempoClock.now()): number {
    return Math.floor(this.beatAt(now) / this.beatsPerBar);
  }

  /** The length of one beat in ms at the current tempo. */
  beatDuration(): number {
    return 60000 / this.bpm;
  }

  /**
   * Changes the tempo from `now` on without a jump in phase: the beat at `now` stays the same,
   * the beats after it move. Returns the clock.
   */
  setTempo(bpm: number, now = TempoClock.now()): this {
    checkNumber(bpm, 'a finite number > 0', 'TempoClock.setTempo: bpm');
    const beat = this.beatAt(now);
    this.anchorBeat = beat;
    this.anchorTime = now;
    this.bpm = bpm;
    return this;
  }

  /**
   * The first beat strictly after `now` on the grid of `multiple` beats (counted from beat 0):
   * `nextBeat()` is the next whole beat, `nextBeat(clock.beatsPerBar)` the start of the next bar.
   */
  nextBeat(multiple = 1, now = TempoClock.now()): number {
    checkNumber(multiple, 'a finite number > 0', 'TempoClock.nextBeat: multiple');
    return (Math.floor(this.beatAt(now) / multiple) + 1) * multiple;
  }
}

/**
 * Bjorklund's euclidean rhythm: `pulses` hits spread as evenly as possible over `steps`, rotated
 * left by `rotation` steps. The same patterns as TidalCycles' `(pulses,steps,rotation)`:
 * euclid(3, 8) is x..x..x. and euclid(5, 8) is x.xx.xx.; Toussaint's table shows a few of them
 * rotated (his E(3,4) x.xx is euclid(3, 4, 2)).
 */
function euclid(pulses: number, steps: number, rotation = 0): boolean[] {
  checkNumber(pulses, 'an integer >= 0', 'euclid: pulses');
  checkNumber(steps, 'an integer >= 0', 'euclid: steps');
  checkNumber(rotation, 'an integer', 'euclid: rotation');
  if (pulses > steps) {
    throw new RangeError(`euclid: pulses (${pulses}) must not be more than steps (${steps})`);
  }
  // Start with one group per hit and one per rest; each round appends a remainder group to each
  // leading group, until at most one remainder group is left.
  let groups: boolean[][] = Array.from({ length: pulses }, () => [true]);
  let remainder: boolean[][] = Array.from({ length: steps - pulses }, () => [false]);
  while (Math.min(groups.length, remainder.length) > 1) {
    const n = Math.min(groups.length, remainder.length);
    const joined = groups.slice(0, n).map((group, i) => [...group, ...remainder[i]]);
    remainder = groups.length > n ? groups.slice(n) : remainder.slice(n);
    groups = joined;
  }
  const pattern = [...groups.flat(), ...remainder.flat()];
  return pattern.map((_, i) => pattern[(((i + rotation) % steps) + steps) % steps]);
}

/**
 * A rhythm from text, one step per character: `steps('x . x x')` and `steps('x.xx')` are both
 * [true, false, true, true]. Hits are x X 1, rests are . ~ 0 -, whitespace is ignored.
 */
function steps(text: string): boolean[] {
  if (typeof text !== 'string')
    throw new TypeError(`steps: expected text like 'x . x x', got ${String(text)}`);
  const out: boolean[] = [];
  for (let i = 0; i < text.length; i++) {
    if ('xX1'.includes(text[i])) out.push(true);
    else if ('.~0-'.includes(text[i])) out.push(false);
    else if (text[i].trim() !== '') {
      throw new RangeError(
        `steps: '${text[i]}' at column ${i + 1} is not a step (hits: x X 1; rests: . ~ 0 -)`,
      );
    }
  }
  return out;
}

/**
 * A sequence of names from text: `seq('bd ~ sn hh*2')` is ['bd', null, 'sn', 'hh', 'hh'].
 * Tokens are separated by whitespace; `~` is a rest (null); `token*n` repeats a token n times.
 * Names are made of letters, digits and _ # . : - (so 'bd:3' and 'c#4' are names).
 */
function seq(text: string): (string | null)[] {
  if (typeof text !== 'string')
    throw new TypeError(`seq: expected text like 'bd ~ sn hh*2', got ${String(text)}`);
  const out: (string | null)[] = [];
  for (const match of text.matchAll(/\S+/g)) {
    const parts = /^(~|[\w#.:-]+)(?:\*(\d+))?$/.exec(match[0]);
    const count = parts?.[2] === undefined ? 1 : Number(parts[2]);
    if (!parts || count < 1) {
      throw new RangeError(
        `seq: '${match[0]}' at column ${match.index + 1} is not a name, a rest ~, or token*count with count >= 1`,
      );
    }
    for (let i = 0; i < count; i++) out.push(parts[1] === '~' ? null : parts[1]);
  }
  return out;
}

/** The element of `pattern` at `step`, cycling: at(p, p.length) is p[0], at(p, -1) the last; fractional steps are floored. */
function at<T>(pattern: T[], step: number): T {
  if (!Array.isArray(pattern) || pattern.length === 0) {
    throw new RangeError(
      `at: pattern must be a non-empty array, got ${Array.isArray(pattern) ? '[]' : String(pattern)}`,
    );
  }
  checkNumber(step, 'a finite number', 'at: step');
  const n = pattern.length;
  return pattern[((Math.floor(step) % n) + n) % n];
}

/**
 * The MIDI notes of a scale from `root` (a MIDI number or a note name like 'a3') over `octaves`
 * octaves, without the closing root: scale('major', 60) is [60, 62, 64, 65, 67, 69, 71].
 */
function scale(name: string, root: number | string = 60, octaves = 1): number[] {
  const scales: Record<string, number[]> = {
    major: [0, 2, 4, 5, 7, 9, 11],
    minor: [0, 2, 3, 5, 7, 8, 10],
    dorian: [0, 2, 3, 5, 7, 9, 10],
    phrygian: [0, 1, 3, 5, 7, 8, 10],
    lydian: [0, 2, 4, 6, 7, 9, 11],
    mixolydian: [0, 2, 4, 5, 7, 9, 10],
    locrian: [0, 1, 3, 5, 6, 8, 10],
    harmonicMinor: [0, 2, 3, 5, 7, 8, 11],
    melodicMinor: [0, 2, 3, 5, 7, 9, 11],
    majorPentatonic: [0, 2, 4, 7, 9],
    minorPentatonic: [0, 3, 5, 7, 10],
    blues: [0, 3, 5, 6, 7, 10],
    chromatic: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    wholeTone: [0, 2, 4, 6, 8, 10],
  };
  if (!Object.hasOwn(scales, name)) {
    throw new RangeError(
      `scale: unknown scale ${JSON.stringify(name)}; the scales are ${Object.keys(scales).join(', ')}`,
    );
  }
  const base =
    typeof root === 'string' ? note(root) : checkNumber(root, 'a finite number', 'scale: root');
  checkNumber(octaves, 'an integer >= 0', 'scale: octaves');
  return Array.from({ length: octaves }, (_, octave) =>
    scales[name].map((i) => base + 12 * octave + i),
  ).flat();
}

/** The MIDI notes of a chord on `root` (a MIDI number or a note name): chord('min7', 'a3') is [57, 60, 64, 67]. */
function chord(name: string, root: number | string = 60): number[] {
  const chords: Record<string, number[]> = {
    major: [0, 4, 7],
    minor: [0, 3, 7],
    dim: [0, 3, 6],
    aug: [0, 4, 8],
    sus2: [0, 2, 7],
    sus4: [0, 5, 7],
    maj7: [0, 4, 7, 11],
    min7: [0, 3, 7, 10],
    dom7: [0, 4, 7, 10],
    min7b5: [0, 3, 6, 10],
    dim7: [0, 3, 6, 9],
    add9: [0, 4, 7, 14],
    min9: [0, 3, 7, 10, 14],
    maj9: [0, 4, 7, 11, 14],
  };
  if (!Object.hasOwn(chords, name)) {
    throw new RangeError(
      `chord: unknown chord ${JSON.stringify(name)}; the chords are ${Object.keys(chords).join(', ')}`,
    );
  }
  const base =
    typeof root === 'string' ? note(root) : checkNumber(root, 'a finite number', 'chord: root');
  return chords[name].map((i) => base + i);
}

/**
 * The MIDI number of a note name: a letter a-g, an optional # or b, and an octave.
 * note('c4') is 60, note('a4') 69, note('f#3') 54, note('bb2') 46, note('c-1') 0.
 */
function note(name: string): number {
  const parts =
    typeof name === 'string' ? /^([a-g])([#b]?)(-?\d+)$/.exec(name.trim().toLowerCase()) : null;
  if (!parts) {
    const shown = typeof name === 'string' ? JSON.stringify(name) : String(name);
    throw new RangeError(
      `note: ${shown} is not a note name like 'c4', 'f#3' or 'bb2' (letter, optional # or b, octave)`,
    );
  }
  const pitchClasses: Record<string, number> = { c: 0, d: 2, e: 4, f: 5, g: 7, a: 9, b: 11 };
  const accidental = parts[2] === '#' ? 1 : parts[2] === 'b' ? -1 : 0;
  return (Number(parts[3]) + 1) * 12 + pitchClasses[parts[1]] + accidental;
}

/** The frequency in Hz of a MIDI note number, in equal temperament with a4 (69) at 440 Hz. */
function mtof(midi: number): number {
  checkNumber(midi, 'a finite number', 'mtof: midi');
  return 440 * 2 ** ((midi - 69) / 12);
}

/**
 * A seeded random generator (mulberry32): the same seed gives the same sequence. Its whole state
 * is the 32-bit integer `state`, so a generator saved with the image continues its sequence after
 * reopening. Keep one in a `once` definition to survive re-running a buffer.
 */
class Random {
  state: number;

  /** `new Random(seed)`: any integer seed; 1 by default. */
  constructor(seed = 1) {
    this.state = checkNumber(seed, 'an integer', 'Random: seed') >>> 0;
  }

  /** The next number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A whole number in [0, n). */
  int(n: number): number {
    checkNumber(n, 'an integer >= 1', 'Random.int: n');
    return Math.floor(this.next() * n);
  }

  /** A number in [lo, hi). */
  range(lo: number, hi: number): number {
    checkNumber(lo, 'a finite number', 'Random.range: lo');
    checkNumber(hi, 'a finite number', 'Random.range: hi');
    return lo + this.next() * (hi - lo);
  }

  /** One element of a non-empty array, each equally likely. */
  pick<T>(array: T[]): T {
    if (!Array.isArray(array) || array.length === 0) {
      throw new RangeError(
        `Random.pick: expected a non-empty array, got ${Array.isArray(array) ? '[]' : String(array)}`,
      );
    }
    return array[this.int(array.length)];
  }

  /** True with probability `p` (0 never, 1 always). */
  chance(p: number): boolean {
    checkNumber(p, 'a number from 0 to 1', 'Random.chance: p');
    return this.next() < p;
  }

  /** A shuffled copy of `array` (Fisher-Yates); the array itself is left as it was. */
  shuffle<T>(array: T[]): T[] {
    if (!Array.isArray(array))
      throw new TypeError(`Random.shuffle: expected an array, got ${String(array)}`);
    const out = [...array];
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
}
