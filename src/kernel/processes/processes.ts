// Processes: named loops that run a step function on a period or on a tempo clock, keep their state
// in the image, and go on running while the code under them is redefined.
//
// The kernel owns the schedule in logical time and the host owns the one timer that wakes it: after
// every change the kernel tells the host when the earliest tick is due (a `wake` notice) and the
// host calls `run` then. The n-th tick of a process is due at start + n·period (or at the clock's
// time of its next beat), never at "last tick + period", so delays never accumulate. Ticks run only
// between entries (a host call is never interleaved with another), so every tick sees one consistent
// version of every definition. Logical time stands still while the image is closed or being
// opened, so a reopened image carries on where it was saved.
//
// Supervision follows OTP: a tick that throws restarts the process (keeping its state, or
// re-initialising it), at most `maxRestarts` times within `withinSeconds`; past that it stops with
// its last error, and the kernel names the redefinition that probably broke it.
import type { ProcessInfo } from '../../shared/types.ts';
import type { GuestNotice } from '../../shared/notices.ts';
import type { Staging } from '../definitions/staging.ts';
import type { Timers } from '../capabilities.ts';
import type { Tick } from './spec.ts';
import { initialState, readSpec } from './spec.ts';
import { inlineFunctionsNote, revivable } from './revive.ts';
import { outsideEntry } from '../transaction/determinism.ts';
import {
  dueOf,
  firstBeat,
  infoOf,
  LATENESS_SAMPLES,
  newProc,
  ownerKey,
  startSchedule,
} from './proc.ts';
import { restoreProcesses, savedProcesses } from './persist.ts';
import type { Proc } from './proc.ts';
import { crash, ranClean, reinit } from './supervise.ts';
import { tickSleep } from './sleep.ts';
import { reportStall, skips, skipTick } from './late.ts';
import type { SleepHost } from './sleep.ts';
import type { Supervisor } from './supervise.ts';
import { safe, Error, Map, Math, Number, Object, String, TypeError } from '../primordials.ts';
import { $exec, $join, $map, $push, $then } from '../primordials-methods.ts';

/** A `run` call gives the host back its turn after this long, so entries are never starved. */
const RUN_SLICE_MS = 50;
/** Running ticks ahead before a snapshot gives the host back its turn after this long. */
const RUN_AHEAD_SLICE_MS = 400;

export class ProcessTable {
  readonly #procs = new Map<string, Proc>();
  readonly #staging: Staging;
  readonly #send: (notice: GuestNotice) => void;
  readonly #hostNow: () => number;
  readonly #timers: () => Timers;
  /** Prints a line with the entry's output (a note about what cannot be saved). */
  note: (text: string) => void = () => {};
  /** Logical time = host time - offset; while paused it stands still at `pausedAt`. */
  #offset = 0;
  #pausedAt: number | undefined = 0;
  #lastWake: number | undefined;
  /**
   * The due time of the tick being run (it stamps OSC messages sent from the tick), or the logical
   * time a step resumed at after `t.sleep`: set for the rest of that call into the kernel (the
   * step's continuation runs in the microtasks at its end), cleared when the next call begins.
   */
  tickTime: number | undefined;
  /** The newest entry committed (a tick that succeeds after it ran clean on its definitions). */
  committedEntry = 0;
  /** The process whose tick is running (still set if the host stopped the tick mid-way). */
  #ticking: Proc | undefined;
  /** Ticks run by every process so far (tells an undo whether ticks ran since a control call). */
  #ticksRun = 0;

  /** What `t.sleep` needs of the table. */
  readonly #sleeper: SleepHost = {
    timers: () => this.#timers(),
    delayUntil: (time) => Math.max(0, this.hostTime(time) - this.#hostNow()),
    resumeAt: (time) => {
      this.tickTime = time;
    },
  };

  /** What supervision needs of the table. */
  readonly #supervisor: Supervisor = {
    send: (notice) => this.#send(notice),
    definitions: () => this.#staging.ns.all(),
    clearTimersOf: (proc) => this.#clearTimersOf(proc),
    now: () => this.now(),
  };

  constructor(
    staging: Staging,
    send: (notice: GuestNotice) => void,
    hostNow: () => number,
    timers: () => Timers,
  ) {
    this.#staging = staging;
    this.#send = send;
    this.#hostNow = hostNow;
    this.#timers = timers;
  }

  /** Logical milliseconds. */
  now(): number {
    return this.#pausedAt ?? this.#hostNow() - this.#offset;
  }

  /** Host (runner) milliseconds of a logical time: what OSC timetags are computed from. */
  hostTime(logical: number): number {
    return (
      logical + (this.#pausedAt === undefined ? this.#offset : this.#hostNow() - this.#pausedAt)
    );
  }

  get paused(): boolean {
    return this.#pausedAt !== undefined;
  }

  pause(): void {
    if (this.#pausedAt === undefined) this.#pausedAt = this.now();
  }

  resume(): void {
    if (this.#pausedAt === undefined) return;
    this.#offset = this.#hostNow() - this.#pausedAt;
    this.#pausedAt = undefined;
    this.wake(true);
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
      const dueBefore = existing.status === 'running' ? this.#due(existing) : undefined;
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
    this.#clearTimersOf(proc);
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

  /** Runs every tick that is due, in order of due time; says when the next one is. */
  run(): void {
    if (this.#held()) return;
    const started = this.#hostNow();
    for (;;) {
      const now = this.now();
      const { next, nextDue } = this.#earliest();
      if (!next || nextDue > now) break;
      if (skips(next, now - nextDue)) {
        skipTick(next);
        continue;
      }
      reportStall(next, this.#send);
      this.#tick(next, nextDue, now);
      if (this.#hostNow() - started > RUN_SLICE_MS) break;
    }
    this.wake(true);
  }

  /**
   * Before a snapshot: runs now the ticks due within the next `ms` of logical time, each stamped
   * at its own due time and its OSC handed to the host at once (`afterTick`), so the synth plays
   * them on time while the isolate encodes the image. The snapshot is then the state after them
   * and ticks go on from there: none is late, doubled or lost because of the save. Stops after
   * RUN_AHEAD_SLICE_MS of host time. Returns how many ticks ran.
   */
  runAhead(ms: number, afterTick: () => void): number {
    if (this.#held()) return 0;
    const started = this.#hostNow();
    const until = this.now() + ms;
    let count = 0;
    for (;;) {
      const { next, nextDue } = this.#earliest();
      if (!next || nextDue > until) break;
      this.#tick(next, nextDue, this.now());
      afterTick();
      count++;
      if (this.#hostNow() - started > RUN_AHEAD_SLICE_MS) break;
    }
    this.wake(true);
    return count;
  }

  /** Ticks wait while logical time is paused or a transaction that staged something is open. */
  #held(): boolean {
    const tx = this.#staging.entry?.tx;
    return this.#pausedAt !== undefined || (!!tx && !tx.closed && !tx.empty);
  }

  /** The running process whose tick is due first, and when (Infinity: none). */
  #earliest(): { next: Proc | undefined; nextDue: number } {
    let next: Proc | undefined;
    let nextDue = Infinity;
    for (const proc of safe(this.#procs.values())) {
      if (proc.status !== 'running') continue;
      const due = this.#due(proc);
      if (due < nextDue) {
        next = proc;
        nextDue = due;
      }
    }
    return { next, nextDue };
  }

  /** OSC was sent: from a tick, its process's late ticks are skipped by default (late.ts). */
  sentOsc(): void {
    if (this.#ticking) this.#ticking.sendsOsc = true;
  }

  /** Tells the host when the earliest tick is due (logical time mapped to host time). */
  wake(force = false): void {
    if (this.#pausedAt !== undefined) return;
    const earliest = this.#earliest().nextDue;
    const at = Number.isFinite(earliest) ? this.hostTime(earliest) : -1;
    // Nothing due and the host already knows: no notice (the usual case, entries without processes).
    if (at === this.#lastWake && (!force || at === -1)) return;
    this.#lastWake = at;
    this.#send({ type: 'wake', at });
  }

  /** What the snapshot keeps: every process with its state, and the logical time. */
  saved(): object {
    return savedProcesses(this.#procs.values(), this.now());
  }

  /** Reopening: the processes as saved; logical time resumes from the moment of the save. */
  restore(saved: unknown): string[] {
    const restored = restoreProcesses(saved, this.committedEntry);
    this.#pausedAt = restored.now;
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
    this.#clearTimersOf(proc);
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
    const ticksRun = this.#ticksRun;
    tx.onUndo(() => {
      if (this.#ticksRun === ticksRun) return void Object.assign(proc, before);
      const { spec, status, suspect, lastError, recent } = before;
      Object.assign(proc, { spec, status, suspect, lastError, recent });
      if (status === 'running') startSchedule(proc, this.now());
    }, true);
  }

  /** Timers set by a process's ticks belong to it: they go when it stops, crashes or restarts. */
  #clearTimersOf(proc: Proc): void {
    this.#timers().clearOwned(ownerKey(proc));
  }

  #due(proc: Proc): number {
    try {
      return dueOf(proc);
    } catch (error) {
      this.#crash(proc, error, 'its clock failed');
      return Infinity;
    }
  }

  #tick(proc: Proc, due: number, now: number): void {
    const late = Math.max(0, now - due);
    proc.late[proc.lateCount++ % LATENESS_SAMPLES] = late;
    proc.lateMax = Math.max(proc.lateMax, late);
    const tick: Tick = { name: proc.name, n: proc.ticks, time: due, late };
    if (proc.spec.clock) tick.beat = proc.nextBeat;
    tick.sleep = tickSleep(this.#sleeper, proc, tick);
    if (proc.spec.clock) proc.nextBeat += proc.spec.beats!;
    else proc.n++;
    proc.ticks++;
    this.#ticksRun++;
    this.tickTime = due;
    this.#ticking = proc;
    proc.lastDue = due;
    // The runner keeps the name: if this tick kills the guest, the process is stopped, not
    // replayed into the same death.
    this.#send({ type: 'tick', name: proc.name });
    const timers = this.#timers();
    const owner = timers.owner;
    timers.owner = { key: ownerKey(proc), label: `process ${proc.name}` };
    try {
      const result = outsideEntry(() => {
        if (proc.reinitPending) reinit(proc);
        proc.reinitPending = false;
        return proc.spec.step(proc.state, tick);
      }) as { then?: unknown } | undefined;
      if (result && typeof result.then === 'function') {
        $then(result as Promise<unknown>, undefined, (error) => this.#crash(proc, error));
      }
      ranClean(proc, due, this.committedEntry);
    } catch (error) {
      this.#crash(proc, error);
    } finally {
      timers.owner = owner;
      this.tickTime = undefined;
      this.#ticking = undefined;
    }
  }

  /**
   * The host stopped a `run` that went on too long (a tick that loops): the process whose tick was
   * running crashes, under its supervision like any other crash.
   */
  overrun(bound: number): string | undefined {
    const proc = this.#ticking;
    this.#ticking = undefined;
    this.tickTime = undefined;
    if (!proc) return undefined;
    const why = bound > 0 ? `ran longer than ${bound} ms and was stopped` : 'was stopped (Ctrl-C)';
    this.#crash(proc, new Error(`its tick ${why}`));
    this.wake(true);
    return proc.name;
  }

  #crash(proc: Proc, error: unknown, what?: string): void {
    crash(this.#supervisor, proc, error, what);
  }
}
