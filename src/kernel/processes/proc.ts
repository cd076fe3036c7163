// One process's record: what is saved with the image, and what each session starts afresh.
import type { ProcessInfo, Suspect } from '../../shared/types.ts';
import type { ProcessSpec } from './spec.ts';
import { safe, Error, Float64Array, Math, Number } from '../primordials.ts';
import { $sort } from '../primordials-methods.ts';

export interface Proc {
  name: string;
  spec: ProcessSpec;
  state: object;
  status: 'running' | 'stopped' | 'crashed';
  ticks: number;
  restarts: number;
  lastError?: string;
  /** `every`: the n-th tick from `anchor` is due at anchor + n·every. */
  anchor: number;
  n: number;
  /** `beats`: the beat of the next tick. */
  nextBeat: number;
  /** Not saved: when recent restarts happened, tick lateness samples, the last clean entry. */
  recent: number[];
  late: Float64Array;
  lateCount: number;
  lateMax: number;
  lastGoodEntry: number;
  /** Entries newer than lastGoodEntry, each since when the process runs clean on it (supervise.ts). */
  trials: { entry: number; since: number }[];
  suspect?: Suspect;
  /** Revived by a redefinition with restart: 'reset': its first tick re-initialises it. */
  reinitPending?: boolean;
  /** The due time of the latest tick (when it crashed: what restart intensity counts). */
  lastDue?: number;
  /** Ticks skipped because they would have sounded late (late.ts), in all and in this stall. */
  skipped: number;
  stall: number;
  /** It has sent OSC from a tick: by default, its late ticks are skipped. */
  sendsOsc: boolean;
}

/** The fields of a process that are not saved: each session starts them afresh. */
export type Fresh =
  | 'recent'
  | 'late'
  | 'lateCount'
  | 'lateMax'
  | 'lastGoodEntry'
  | 'trials'
  | 'suspect'
  | 'lastDue'
  | 'skipped'
  | 'stall'
  | 'sendsOsc';

export const LATENESS_SAMPLES = 1024;
/** A process record: what is saved, plus what each session starts afresh. */
export function newProc(
  name: string,
  spec: ProcessSpec,
  committedEntry: number,
  saved: Omit<Proc, 'name' | 'spec' | Fresh>,
): Proc {
  return {
    name,
    spec,
    ...saved,
    recent: [],
    trials: [],
    late: new Float64Array(LATENESS_SAMPLES),
    lateCount: 0,
    lateMax: 0,
    lastGoodEntry: committedEntry,
    skipped: 0,
    stall: 0,
    sendsOsc: false,
  };
}

/** Timers a process's ticks set belong to it, under this key. */
export const ownerKey = (proc: Proc) => `process:${proc.name}`;

/** On a clock, a process starts on the next beat that is a multiple of its period. */
export function firstBeat(spec: ProcessSpec, time: number): number {
  const beats = spec.beats!;
  const beat = spec.clock!.beatAt(time);
  return Math.ceil(beat / beats - 1e-9) * beats;
}

/** When the next tick of a process is due, in logical ms (throws if its clock fails). */
export function dueOf(proc: Proc): number {
  const { clock, every } = proc.spec;
  if (!clock) return proc.anchor + proc.n * every!;
  const time = clock.timeAt(proc.nextBeat);
  if (Number.isFinite(time)) return time;
  throw new Error(`clock.timeAt(${proc.nextBeat}) is ${time}`);
}

/** The schedule starts over at `now`: the first tick is due at once (or on the next beat). */
export function startSchedule(proc: Proc, now: number): void {
  proc.anchor = now;
  proc.n = 0;
  if (proc.spec.clock) proc.nextBeat = firstBeat(proc.spec, now);
}

/** What `:ps` shows of a process. */
export function infoOf(p: Proc): ProcessInfo {
  const n = Math.min(p.lateCount, LATENESS_SAMPLES);
  const samples = $sort([...safe(p.late.subarray(0, n))], (a, b) => a - b);
  const info: ProcessInfo = {
    name: p.name,
    status: p.status,
    period: p.spec.clock ? `${p.spec.beats} beat` : `${p.spec.every} ms`,
    ticks: p.ticks,
    restarts: p.restarts,
    lateP99: n ? samples[Math.min(n - 1, Math.floor(n * 0.99))]! : 0,
    lateMax: p.lateMax,
    skipped: p.skipped,
  };
  if (p.lastError) info.lastError = p.lastError;
  if (p.suspect) info.suspect = p.suspect;
  return info;
}
