// Processes: named loops that run a step function on a period or on a tempo clock, keep their state
// in the image, and go on running while the code under them is redefined. This file holds the table
// of processes and the calls that control them (spawn, stop, restart, forget); scheduler.ts keeps
// their schedule in logical time and runs their ticks.
//
// Supervision follows OTP: a tick that throws restarts the process (keeping its state, or
// re-initialising it), at most `maxRestarts` times within `withinSeconds`; past that it stops with
// its last error, and the kernel names the redefinition that probably broke it.
import type { ProcessInfo } from '../../shared/types.ts';
import type { GuestNotice } from '../../shared/notices.ts';
import type { Staging } from '../definitions/staging.ts';
import type { Timers } from '../capabilities.ts';
import { initialState, readSpec } from './spec.ts';
import { inlineFunctionsNote, revivable } from './revive.ts';
import { firstBeat, infoOf, newProc, startSchedule } from './proc.ts';
import { restoreProcesses, savedProcesses } from './persist.ts';
import type { Proc } from './proc.ts';
import { reinit } from './supervise.ts';
import { Scheduler } from './scheduler.ts';
import { safe, Error, Map, Number, Object, String, TypeError } from '../primordials.ts';
import { $exec, $join, $map, $push } from '../primordials-methods.ts';

export class ProcessTable {
  readonly #procs = new Map<string, Proc>();
  readonly #staging: Staging;
  readonly #scheduler: Scheduler;
  readonly #timers: () => Timers;
  /** Prints a line with the entry's output (a note about what cannot be saved). */
  note: (text: string) => void = () => {};
  /** The newest entry committed (a tick that succeeds after it ran clean on its definitions). */
  committedEntry = 0;

  constructor(
    staging: Staging,
    send: (notice: GuestNotice) => void,
    hostNow: () => number,
    timers: () => Timers,
  ) {
    this.#staging = staging;
    this.#timers = timers;
    this.#scheduler = new Scheduler({
      procs: this.#procs,
      send,
      hostNow,
      timers,
      definitions: () => this.#staging.ns.all(),
      staged: () => {
        const tx = this.#staging.entry?.tx;
        return !!tx && !tx.closed && !tx.empty;
      },
      committedEntry: () => this.committedEntry,
    });
  }

  /** The schedule (scheduler.ts): logical time, running the ticks that are due, waking the host. */
  get tickTime(): number | undefined {
    return this.#scheduler.tickTime;
  }

  set tickTime(time: number | undefined) {
    this.#scheduler.tickTime = time;
  }

  now(): number {
    return this.#scheduler.now();
  }

  hostTime(logical: number): number {
    return this.#scheduler.hostTime(logical);
  }

  get paused(): boolean {
    return this.#scheduler.paused;
  }

  pause(): void {
    this.#scheduler.pause();
  }

  resume(): void {
    this.#scheduler.resume();
  }

  run(): void {
    this.#scheduler.run();
  }

  runAhead(ms: number, afterTick: () => void): number {
    return this.#scheduler.runAhead(ms, afterTick);
  }

  sentOsc(): void {
    this.#scheduler.sentOsc();
  }

  wake(force = false): void {
    this.#scheduler.wake(force);
  }

  overrun(bound: number): string | undefined {
    return this.#scheduler.overrun(bound);
  }

  /** `spawn(name, options)`: starts a process, or gives a running one its new code. */
  spawn(name: unknown, options: unknown): object {
    if (typeof name !== 'string' || name === '') {
      throw new TypeError('spawn(name, options): name must be a non-empty string');
    }
    const spec = readSpec(name, options);
    const inline = inlineFunctionsNote(name, spec);
    if (inline) this.note(inline);
    const existing = this.#procs.get(name);
    if (existing) {
      this.#undoable(existing);
      const dueBefore = existing.status === 'running' ? this.#scheduler.due(existing) : undefined;
      existing.spec = spec;
      if (dueBefore === undefined) {
        existing.status = 'running';
        existing.recent = [];
        startSchedule(existing, this.now());
      } else {
        // Same phase: the next tick stays where it was due under the old timing.
        existing.anchor = dueBefore;
        existing.n = 0;
        if (spec.clock) existing.nextBeat = firstBeat(spec, dueBefore);
      }
      this.wake();
      return existing.state;
    }
    const state = initialState(name, spec);
    const proc = newProc(name, spec, this.committedEntry, {
      state,
      status: 'running',
      ticks: 0,
      restarts: 0,
      anchor: 0,
      n: 0,
      nextBeat: 0,
    });
    startSchedule(proc, this.now());
    this.#procs.set(name, proc);
    this.#staging.entry?.tx.onUndo(() => this.#procs.delete(name), true);
    this.wake();
    return state;
  }

  stop(name: unknown): string {
    const timer = typeof name === 'string' ? $exec(/^#(\d+)$/, name) : null;
    if (timer) {
      if (!this.#timers().clear(Number(timer[1]))) throw new Error(`there is no timer ${name}`);
      return `timer ${name} cleared`;
    }
    const proc = this.#get(name);
    if (proc.status !== 'running') return `${proc.name} is already ${proc.status}`;
    this.#setStatus(proc, 'stopped');
    this.wake();
    return `${proc.name} stopped after ${proc.ticks} ticks`;
  }

  /** Stops a process and removes it from the image (OTP's terminate_child + delete_child). */
  forget(name: unknown): string {
    const proc = this.#get(name);
    if (proc.status === 'running') this.#setStatus(proc, 'stopped');
    this.#procs.delete(proc.name);
    this.#staging.entry?.tx.onUndo(() => this.#procs.set(proc.name, proc), true);
    this.wake();
    return `${proc.name} is gone (it had run ${proc.ticks} ticks)`;
  }

  /** Starts a stopped or crashed process again (its state re-initialised if its strategy says so). */
  restart(name: unknown): string {
    const proc = this.#get(name);
    this.#undoable(proc);
    if (proc.spec.restart === 'reset') reinit(proc);
    this.#start(proc);
    // The person vouches for the code it restarts on.
    proc.lastGoodEntry = this.committedEntry;
    this.wake();
    return `${proc.name} restarted`;
  }

  #start(proc: Proc): void {
    this.#scheduler.clearTimersOf(proc);
    proc.status = 'running';
    proc.recent = [];
    proc.suspect = undefined;
    proc.trials = [];
    startSchedule(proc, this.now());
  }

  /** After a rollback of `name`: processes that crashed because of it start again. */
  restartSuspectsOf(name: string): string[] {
    const restarted: string[] = [];
    for (const proc of safe(this.#procs.values())) {
      if (proc.status === 'crashed' && proc.suspect?.name === name) {
        this.restart(proc.name);
        $push(restarted, proc.name);
      }
    }
    return restarted;
  }

  /**
   * Entry `entry` committed, defining `names`: a crashed process whose code is among them (its
   * step, init or view, the class of its state, or the suspect of its crash) starts again, as
   * re-evaluating a Sonic Pi live_loop does, unless it was spawned with `revive: false`. Part of
   * a commit, so it runs no user code: a process whose strategy re-initialises its state does so
   * in its first tick. Its last good entry stays: if the fix fails too, blame still finds it.
   */
  reviveAfter(names: string[]): string[] {
    const revived: string[] = [];
    for (const proc of safe(revivable(this.#procs.values(), names))) {
      proc.reinitPending = proc.spec.restart === 'reset';
      this.#start(proc);
      $push(revived, proc.name);
    }
    if (revived.length) this.wake();
    return revived;
  }

  list(): ProcessInfo[] {
    return $map([...safe(this.#procs.values())], infoOf);
  }

  /** The text frame of a process with a `view`. */
  frame(name: unknown): string {
    const proc = this.#get(name);
    if (!proc.spec.view)
      throw new Error(`${proc.name} has no view (spawn it with view: state => text)`);
    return String(proc.spec.view(proc.state));
  }

  /** What the snapshot keeps: every process with its state, and the logical time. */
  saved(): object {
    return savedProcesses(this.#procs.values(), this.now());
  }

  /** Reopening: the processes as saved; logical time resumes from the moment of the save. */
  restore(saved: unknown): string[] {
    const restored = restoreProcesses(saved, this.committedEntry);
    this.#scheduler.restoreTime(restored.now);
    for (const proc of safe(restored.procs)) this.#procs.set(proc.name, proc);
    return restored.failures;
  }

  #get(name: unknown): Proc {
    const proc = typeof name === 'string' ? this.#procs.get(name) : undefined;
    if (!proc) {
      const known = [...safe(this.#procs.keys())];
      throw new Error(
        `there is no process ${String(name)}` +
          (known.length ? ` (processes: ${$join(known, ', ')})` : ' (no processes yet)'),
      );
    }
    return proc;
  }

  #setStatus(proc: Proc, status: Proc['status']): void {
    this.#undoable(proc);
    proc.status = status;
    this.#scheduler.clearTimersOf(proc);
  }

  /**
   * A control call (spawn, stop, restart, forget) in an entry is undone if the entry fails, but it
   * is not a definition: it does not hold ticks (only a staged definition does), so other processes
   * tick on while the entry awaits. If ticks ran since the call, the undo gives back the process's
   * code and status but not its counters, and a running one goes on from now: no tick is replayed.
   */
  #undoable(proc: Proc): void {
    const tx = this.#staging.entry?.tx;
    if (!tx) return;
    const before = { ...proc };
    const ticksRun = this.#scheduler.ticksRun;
    tx.onUndo(() => {
      if (this.#scheduler.ticksRun === ticksRun) return void Object.assign(proc, before);
      const { spec, status, suspect, lastError, recent } = before;
      Object.assign(proc, { spec, status, suspect, lastError, recent });
      if (status === 'running') startSchedule(proc, this.now());
    }, true);
  }
}
