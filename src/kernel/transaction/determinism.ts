// What an entry draws from the world is recorded while it runs and handed back when the journal
// replays it, so that a reopened image is what the session showed (DESIGN, semantics 8).
//
// - `Math.random` is the kernel's own generator (sfc32, 128 bits of state). Each journaled entry
//   starts its own stream from a fresh seed, and the seed is all the journal keeps: replaying
//   the entry with the same seed draws the same numbers, however many there are. Code outside the
//   entry (a process tick, a timer another entry set) draws from a second stream, so it cannot
//   shift the entry's numbers.
// - The clocks (`Date.now()`, `new Date()`, `Date()`, `Intl.DateTimeFormat`'s "now",
//   `performance.now()`, `performance.timeOrigin`) cannot be seeded: the readings an entry makes
//   are recorded. Wall-clock readings are kept run-length encoded (a loop that polls the clock a
//   million times within 20 ms is 20 runs); `performance.now()` readings up to MAX_PERF, past
//   which replay reads the live clock.
//
// An entry's draws include those of timer callbacks the entry itself set while it awaits (their
// results are what it awaits). Ticks of processes, and timers set by anyone else, are outside:
// their state is durable as of the last snapshot, not replayed.
import type { Draws } from '../../shared/types.ts';
import {
  safe,
  RealDate,
  Intl,
  Math,
  Proxy,
  Reflect,
  Uint32Array,
  defineProperty,
  getOwnPropertyDescriptor,
  globalObject,
} from '../primordials.ts';
import { $call, $push } from '../primordials-methods.ts';
import { $toString } from '../primordials-methods.ts';

const MAX_PERF = 100_000;

const realDateNow = RealDate.now;
const nativeRandom = Math.random;
const IntlDateTimeFormat = Intl.DateTimeFormat;

type Mode = 'live' | 'record' | 'replay';

let mode: Mode = 'live';
/** The entry whose draws are being recorded or replayed. */
let drawing = 0;
/** Code that is not the entry's (a tick, another's timer) is running inside the entry. */
let outside = 0;
let seed: number[] = freshSeed();
/** The entry's stream, and the stream of everything else. */
const entryState = new Uint32Array(4);
const liveState = new Uint32Array(freshSeed());
/** Wall clock: recorded runs [value, count, value, count, ...]; replay position. */
let clock: number[] = [];
let clockRun = 0;
let clockLeft = 0;
/** Plain readings of an older record (`epoch`), replayed in order. */
let epochPlain: number[] | undefined;
let epochAt = 0;
let perf: number[] = [];
let perfAt = 0;
let hostPerfNow: () => number = () => 0;
let hostTimeOrigin = 0;
/** The entry drew from `Math.random` (only then does its record need the seed). */
let randomUsed = false;

function freshSeed(): number[] {
  const word = () => Math.floor(nativeRandom() * 2 ** 32) >>> 0;
  return [word(), word(), word(), word() | 1];
}

function seedStream(state: Uint32Array, values: readonly number[]): void {
  for (let i = 0; i < 4; i++) state[i] = (values[i] ?? 0) >>> 0;
  for (let i = 0; i < 12; i++) next32(state);
}

/** sfc32: a small fast counter generator, 32 bits per step; two steps make one double. */
function next32(state: Uint32Array): number {
  const a = state[0]!;
  const b = state[1]!;
  const c = state[2]!;
  const d = state[3]!;
  const t = (((a + b) | 0) + d) | 0;
  state[3] = (d + 1) | 0;
  state[0] = b ^ (b >>> 9);
  state[1] = (c + (c << 3)) | 0;
  const rotated = (c << 21) | (c >>> 11);
  state[2] = (rotated + t) | 0;
  return t >>> 0;
}

function random(): number {
  const inEntry = mode !== 'live' && outside === 0;
  if (inEntry) randomUsed = true;
  const state = inEntry ? entryState : liveState;
  const high = next32(state) >>> 5; // 27 bits
  const low = next32(state) >>> 6; // 26 bits
  return (high * 67108864 + low) / 9007199254740992;
}

/** A wall-clock reading: live, recorded (run-length), or handed back from the record. */
function epochNow(): number {
  if (mode === 'live' || outside > 0) return realDateNow();
  if (mode === 'record') {
    const value = realDateNow();
    const last = clock.length - 2;
    if (last >= 0 && clock[last] === value) clock[last + 1]!++;
    else $push(clock, value, 1);
    return value;
  }
  if (epochPlain) return epochAt < epochPlain.length ? epochPlain[epochAt++]! : realDateNow();
  if (clockLeft === 0) {
    if (clockRun >= clock.length) return realDateNow();
    clockLeft = Math.max(1, clock[clockRun + 1]!);
  }
  const value = clock[clockRun]!;
  if (--clockLeft === 0) clockRun += 2;
  return value;
}

function perfNow(): number {
  if (mode === 'live' || outside > 0) return hostPerfNow();
  if (mode === 'record') {
    const value = hostPerfNow();
    if (perf.length < MAX_PERF) $push(perf, value);
    return value;
  }
  return perfAt < perf.length ? perf[perfAt++]! : hostPerfNow();
}

/**
 * Installs the kernel's `Math.random`, `Date`, `performance` and `Intl.DateTimeFormat`'s "now" on
 * the global object. `Date` stays the real constructor for everything but a reading of the clock
 * (`new Date()`, `Date()`, `Date.now()`): `instanceof`, `Date.prototype`, subclasses and parsing
 * are the engine's own.
 */
export function installDeterminism(perfNowHost: () => number, timeOrigin: number): void {
  hostPerfNow = perfNowHost;
  hostTimeOrigin = timeOrigin;
  seedStream(entryState, seed);
  // Methods, as the built-ins they stand for: named by their key (a bundler's renaming of the
  // kernel's identifiers cannot reach it), no prototype, not constructors.
  const installed = {
    random() {
      return random();
    },
    now() {
      return epochNow();
    },
  };
  defineProperty(globalObject.Math, 'random', {
    value: installed.random,
    writable: true,
    configurable: true,
  });
  const now = installed.now;
  const DateProxy: DateConstructor = new Proxy(RealDate, {
    construct(target, args, newTarget): object {
      const nt: Function = newTarget === DateProxy ? target : newTarget;
      return Reflect.construct(target, args.length === 0 ? [epochNow()] : args, nt);
    },
    apply() {
      return $toString(new RealDate(epochNow()));
    },
    get(target, key, receiver) {
      if (key === 'now') return now;
      return Reflect.get(target, key, receiver === DateProxy ? target : receiver);
    },
  });
  defineProperty(globalObject, 'Date', { value: DateProxy, writable: true, configurable: true });
  const performance = {
    now: () => perfNow(),
    get timeOrigin() {
      return mode === 'live' || outside > 0 ? hostTimeOrigin : recordedOrigin();
    },
  };
  defineProperty(globalObject, 'performance', {
    value: performance,
    writable: true,
    configurable: true,
  });
  installIntlNow();
}

/** `performance.timeOrigin` read inside an entry: a wall-clock draw of its own kind. */
function recordedOrigin(): number {
  if (mode === 'record') {
    $push(clock, hostTimeOrigin, 1);
    return hostTimeOrigin;
  }
  return epochNow();
}

/** `Intl.DateTimeFormat().format()` without a date means now: the recorded now. */
function installIntlNow(): void {
  const proto = IntlDateTimeFormat.prototype;
  const format = getOwnPropertyDescriptor(proto, 'format')?.get;
  const formatToParts = proto.formatToParts;
  if (format) {
    defineProperty(proto, 'format', {
      configurable: true,
      get(this: Intl.DateTimeFormat) {
        const bound = $call(format, this) as (date?: Date | number) => string;
        return (date?: Date | number) => bound(date === undefined ? epochNow() : date);
      },
    });
  }
  defineProperty(proto, 'formatToParts', {
    configurable: true,
    writable: true,
    value: function (this: Intl.DateTimeFormat, date?: Date | number) {
      return $call(formatToParts, this, date === undefined ? epochNow() : date);
    },
  });
}

/** Journaled entry `entry` starts: record its draws, or hand back the ones recorded (replay). */
export function beginDraws(entry: number, replay: Draws | undefined): void {
  drawing = entry;
  perfAt = epochAt = clockRun = clockLeft = 0;
  randomUsed = false;
  outside = 0;
  if (replay) {
    mode = 'replay';
    seed = replay.seed ?? freshSeed();
    clock = replay.clock ?? [];
    epochPlain = replay.epoch;
    perf = replay.perf ?? [];
  } else {
    mode = 'record';
    seed = freshSeed();
    clock = [];
    epochPlain = undefined;
    perf = [];
  }
  seedStream(entryState, seed);
}

/** The entry is done (committed, held or failed): what it drew, for its journal record. */
export function endDraws(): Draws | undefined {
  if (mode === 'live') return undefined;
  const draws: Draws = {};
  if (randomUsed) draws.seed = [...safe(seed)];
  if (mode === 'record') {
    if (clock.length) draws.clock = clock;
    if (perf.length) draws.perf = perf;
  }
  mode = 'live';
  drawing = 0;
  clock = [];
  perf = [];
  epochPlain = undefined;
  return draws;
}

/** After the runner stopped a call mid-way (its `finally` blocks never ran). */
export function resetDraws(): void {
  outside = 0;
}

/**
 * Runs `body` (a tick, a timer callback): outside the entry's record, unless it belongs to the
 * entry being recorded or replayed (`owner`: the entry that set the timer).
 */
export function outsideEntry<T>(body: () => T, owner?: number): T {
  if (owner !== undefined && owner === drawing && mode !== 'live') return body();
  outside++;
  try {
    return body();
  } finally {
    outside--;
  }
}
