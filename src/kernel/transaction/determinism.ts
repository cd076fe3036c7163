// What an entry draws from the world is recorded while it runs and handed back when the journal
// replays it, so that a reopened image is what the session showed (DESIGN, semantics 8).
//
// - `Math.random` is the kernel's own generator (sfc32, 128 bits of state). Each journaled entry
//   starts it from a fresh seed, and the seed is all the journal keeps: replaying the entry with
//   the same seed draws the same numbers, however many there are.
// - The clocks (`Date.now()`, `new Date()`, `Date()`, `performance.now()`) cannot be seeded: the
//   values an entry reads are recorded, up to MAX_TIMES per clock; past that, replay reads the
//   live clock (a busy loop that polls the clock a million times is not worth a 20 MB record).
//
// Ticks of processes and timer callbacks do not draw on an entry's record (`outside`): their
// state is durable as of the last snapshot, not replayed.
import type { Draws } from '../../shared/types.ts';
import { defineProperty, globalObject } from '../intrinsics.ts';

const MAX_TIMES = 10_000;

const RealDate = Date;
const realDateNow = Date.now;
const nativeRandom = Math.random;

type Mode = 'live' | 'record' | 'replay';

let mode: Mode = 'live';
/** Ticks and timer callbacks running inside an entry's await: not the entry's draws. */
let outside = 0;
let seed: [number, number, number, number] = freshSeed();
let state = new Uint32Array(seed);
let epoch: number[] = [];
let perf: number[] = [];
let epochAt = 0;
let perfAt = 0;
let hostPerfNow: () => number = () => 0;
/** The entry drew from `Math.random` (only then does its record need the seed). */
let randomUsed = false;

function freshSeed(): [number, number, number, number] {
  const word = () => Math.floor(nativeRandom() * 2 ** 32) >>> 0;
  return [word(), word(), word(), word() | 1];
}

/** sfc32: a small fast counter generator, 32 bits per step; two steps make one double. */
function next32(): number {
  let [a, b, c, d] = state as unknown as [number, number, number, number];
  const t = (((a + b) | 0) + d) | 0;
  d = (d + 1) | 0;
  a = b ^ (b >>> 9);
  b = (c + (c << 3)) | 0;
  c = (c << 21) | (c >>> 11);
  c = (c + t) | 0;
  state[0] = a;
  state[1] = b;
  state[2] = c;
  state[3] = d;
  return t >>> 0;
}

function random(): number {
  randomUsed = true;
  const high = next32() >>> 5; // 27 bits
  const low = next32() >>> 6; // 26 bits
  return (high * 67108864 + low) / 9007199254740992;
}

function seeded(values: readonly number[]): void {
  seed = [values[0]! >>> 0, values[1]! >>> 0, values[2]! >>> 0, values[3]! >>> 0];
  state = new Uint32Array(seed);
  for (let i = 0; i < 12; i++) next32();
}

/** A clock reading: live, recorded, or handed back from the record. */
function read(clock: number[], at: 'epoch' | 'perf', live: () => number): number {
  if (mode === 'live' || outside > 0) return live();
  if (mode === 'record') {
    const value = live();
    if (clock.length < MAX_TIMES) clock.push(value);
    return value;
  }
  const index = at === 'epoch' ? epochAt++ : perfAt++;
  return index < clock.length ? clock[index]! : live();
}

const epochNow = () => read(epoch, 'epoch', realDateNow);

/**
 * Installs the kernel's `Math.random`, `Date` and `performance.now` on the global object. `Date`
 * stays the real constructor for everything but a reading of the clock (`new Date()`, `Date()`,
 * `Date.now()`): `instanceof`, `Date.prototype`, subclasses and parsing are the engine's own.
 */
export function installDeterminism(perfNow: () => number, timeOrigin: number): void {
  hostPerfNow = perfNow;
  seeded(seed);
  defineProperty(Math, 'random', {
    value: function random_() {
      return random();
    },
    writable: true,
    configurable: true,
  });
  const now = function now() {
    return epochNow();
  };
  const DateProxy: DateConstructor = new Proxy(RealDate, {
    construct(target, args, newTarget): object {
      const nt: Function = newTarget === DateProxy ? target : newTarget;
      return Reflect.construct(target, args.length === 0 ? [epochNow()] : args, nt);
    },
    apply() {
      return new RealDate(epochNow()).toString();
    },
    get(target, key, receiver) {
      if (key === 'now') return now;
      return Reflect.get(target, key, receiver === DateProxy ? target : receiver);
    },
  });
  defineProperty(globalObject, 'Date', { value: DateProxy, writable: true, configurable: true });
  defineProperty(globalObject, 'performance', {
    value: { now: () => read(perf, 'perf', hostPerfNow), timeOrigin },
    writable: true,
    configurable: true,
  });
}

/** A journaled entry starts: record its draws, or hand back the ones recorded (replay). */
export function beginDraws(replay: Draws | undefined): void {
  epochAt = perfAt = 0;
  randomUsed = false;
  if (replay) {
    mode = 'replay';
    seeded(replay.seed ?? freshSeed());
    epoch = replay.epoch ?? [];
    perf = replay.perf ?? [];
  } else {
    mode = 'record';
    seeded(freshSeed());
    epoch = [];
    perf = [];
  }
}

/** The entry is done (committed, held or failed): what it drew, for its journal record. */
export function endDraws(): Draws | undefined {
  if (mode === 'live') return undefined;
  const draws: Draws = {};
  if (randomUsed) draws.seed = [...seed];
  if (mode === 'record') {
    if (epoch.length) draws.epoch = epoch;
    if (perf.length) draws.perf = perf;
  }
  mode = 'live';
  epoch = [];
  perf = [];
  return draws;
}

/** After the host stopped a call mid-way (its `finally` blocks never ran). */
export function resetDraws(): void {
  outside = 0;
}

/** Runs `body` (a tick, a timer callback) outside the entry's record. */
export function outsideEntry<T>(body: () => T): T {
  outside++;
  try {
    return body();
  } finally {
    outside--;
  }
}
