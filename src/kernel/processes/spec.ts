// What `spawn(name, options)` is given: the options read and checked (with errors that say what
// was wrong), the initial state they make, and the types both sides share.
import { safe, Array, Number, Object, String, TypeError, getPrototypeOf } from '../primordials.ts';
import { $map } from '../primordials-methods.ts';

export interface Clock {
  timeAt(beat: number): number;
  beatAt(time: number): number;
}

export interface ProcessSpec {
  /** Plain initial data (copied for the process, and copied again when it is re-initialised). */
  state?: object;
  every?: number;
  beats?: number;
  clock?: Clock;
  init?: () => unknown;
  step: (state: unknown, tick: Tick) => unknown;
  view?: (state: unknown) => unknown;
  restart: 'keep' | 'reset';
  /** false: redefining its code does not restart it once it has crashed (default true). */
  revive?: boolean;
  /** Ticks that would sound late: 'skip' them, or 'catch-up' (late.ts; default by what it sends). */
  late?: 'skip' | 'catch-up';
  maxRestarts: number;
  withinSeconds: number;
}

export interface Tick {
  name: string;
  /** How many ticks this process has run before this one. */
  n: number;
  /** When this tick was due, in logical milliseconds (exact, on the grid). */
  time: number;
  /** With a clock: the beat this tick is on. */
  beat?: number;
  /** How late it started, in milliseconds. */
  late: number;
  /** `await t.sleep(n)`: n beats on a clock (ms with `every`), keeping logical time (sleep.ts). */
  sleep?: (amount: unknown) => Promise<number>;
}

const DEFAULTS = { restart: 'keep', maxRestarts: 3, withinSeconds: 5 } as const;

export function readSpec(name: string, options: unknown): ProcessSpec {
  const fail = (what: string): never => {
    throw new TypeError(`spawn('${name}', options): ${what}`);
  };
  if (!options || typeof options !== 'object') fail('options must be an object with a step');
  const o = options as Record<string, unknown>;
  if (typeof o.step !== 'function') fail('options.step must be a function (state, tick) => void');
  for (const key of safe(['init', 'view'] as const)) {
    if (o[key] !== undefined && typeof o[key] !== 'function')
      fail(`options.${key} must be a function`);
  }
  const hasEvery = o.every !== undefined;
  const hasBeats = o.beats !== undefined || o.clock !== undefined;
  if (hasEvery === hasBeats) fail('give either every: MILLISECONDS or beats: N with a clock');
  const positive = (key: string) => {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
      fail(`options.${key} must be a positive number, not ${String(v)}`);
    }
  };
  if (hasEvery) positive('every');
  else {
    positive('beats');
    const clock = o.clock as Partial<Clock> | undefined;
    if (!clock || typeof clock.timeAt !== 'function' || typeof clock.beatAt !== 'function') {
      fail('options.clock must be a clock (a TempoClock: it has timeAt and beatAt)');
    }
  }
  const restart = o.restart ?? DEFAULTS.restart;
  if (restart !== 'keep' && restart !== 'reset') fail(`options.restart must be 'keep' or 'reset'`);
  const maxRestarts = o.maxRestarts ?? DEFAULTS.maxRestarts;
  const withinSeconds = o.withinSeconds ?? DEFAULTS.withinSeconds;
  if (typeof maxRestarts !== 'number' || !Number.isInteger(maxRestarts) || maxRestarts < 0) {
    fail('options.maxRestarts must be a whole number of at least 0');
  }
  if (typeof withinSeconds !== 'number' || !Number.isFinite(withinSeconds) || withinSeconds <= 0) {
    fail('options.withinSeconds must be a positive number');
  }
  const spec: ProcessSpec = {
    step: o.step as ProcessSpec['step'],
    restart: restart as ProcessSpec['restart'],
    maxRestarts: maxRestarts as number,
    withinSeconds: withinSeconds as number,
  };
  if (hasEvery) spec.every = o.every as number;
  else {
    spec.beats = o.beats as number;
    spec.clock = o.clock as Clock;
  }
  if (o.state !== undefined) {
    if (o.init !== undefined) fail('give state (plain data) or init (a function), not both');
    if (o.state === null || typeof o.state !== 'object') fail('options.state must be an object');
    spec.state = o.state as object;
  }
  if (o.revive !== undefined) {
    if (typeof o.revive !== 'boolean') fail('options.revive must be true or false');
    spec.revive = o.revive as boolean;
  }
  if (o.late !== undefined) {
    if (o.late !== 'skip' && o.late !== 'catch-up')
      fail("options.late must be 'skip' or 'catch-up'");
    spec.late = o.late as ProcessSpec['late'];
  }
  if (o.init) spec.init = o.init as () => unknown;
  if (o.view) spec.view = o.view as ProcessSpec['view'];
  return spec;
}

export function initialState(name: string, spec: ProcessSpec): object {
  const state = spec.init ? spec.init() : spec.state ? copyData(spec.state) : {};
  if (state === null || typeof state !== 'object') {
    throw new TypeError(`spawn('${name}'): init() must return an object (the process's state)`);
  }
  return state;
}

/** A copy of plain data: arrays and plain objects are copied through, anything else is shared. */
function copyData(value: unknown): unknown {
  if (Array.isArray(value)) return $map(value, copyData);
  if (value && typeof value === 'object' && getPrototypeOf(value) === objectPrototype) {
    const out: Record<string, unknown> = {};
    for (const pair of safe(Object.entries(value))) {
      const key = pair[0];
      const field = pair[1];
      out[key] = copyData(field);
    }
    return out;
  }
  return value;
}

const objectPrototype = Object.prototype;
