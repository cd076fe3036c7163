// The schedule of processes in logical time: when each tick is due, running the ticks that are,
// and telling the host when to wake the kernel next. Split from processes.ts: the table owns the
// processes and their control calls (spawn, stop, ...); this runs them.
//
// The kernel owns the schedule in logical time and the host owns the one timer that wakes it: after
// every change the kernel tells the host when the earliest tick is due (a `wake` notice) and the
// host calls `run` then. The n-th tick of a process is due at start + n·period (or at the clock's
// time of its next beat), never at "last tick + period", so delays never accumulate. Ticks run only
// between entries (a host call is never interleaved with another), so every tick sees one consistent
// version of every definition. Logical time stands still while the image is closed or being
// opened, so a reopened image carries on where it was saved.
import type { GuestNotice } from '../../shared/notices.ts';
import type { Timers } from '../capabilities.ts';
import type { Tick } from './spec.ts';
import { outsideEntry } from '../transaction/determinism.ts';
import { dueOf, LATENESS_SAMPLES, ownerKey } from './proc.ts';
import type { Proc } from './proc.ts';
import { crash, ranClean, reinit } from './supervise.ts';
import { tickSleep } from './sleep.ts';
import { reportStall, skips, skipTick } from './late.ts';
import type { SleepHost } from './sleep.ts';
import type { Supervisor } from './supervise.ts';
import { safe, Error, Map, Math, Number } from '../primordials.ts';
import { $then } from '../primordials-methods.ts';

/** A `run` call gives the host back its turn after this long, so entries are never starved. */
const RUN_SLICE_MS = 50;
/** Running ticks ahead before a snapshot gives the host back its turn after this long. */
const RUN_AHEAD_SLICE_MS = 400;

/** What the scheduler needs of the process table. */
export interface SchedulerHost {
  /** The table's processes, by name. */
  readonly procs: Map<string, Proc>;
  readonly send: (notice: GuestNotice) => void;
  readonly hostNow: () => number;
  readonly timers: () => Timers;
  /** The definitions in the image (supervision blames a redefinition among them). */
  definitions: Supervisor['definitions'];
  /** True while an entry that staged something is open: ticks wait for it. */
  staged(): boolean;
  /** The newest entry committed (see ProcessTable.committedEntry). */
  committedEntry(): number;
}

export class Scheduler {
  readonly #host: SchedulerHost;
  readonly #send: (notice: GuestNotice) => void;
  readonly #hostNow: () => number;
  readonly #timers: () => Timers;
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

  /** What supervision needs of the scheduler. */
  readonly #supervisor: Supervisor = {
    send: (notice) => this.#send(notice),
    definitions: () => this.#host.definitions(),
    clearTimersOf: (proc) => this.clearTimersOf(proc),
    now: () => this.now(),
  };

  constructor(host: SchedulerHost) {
    this.#host = host;
    this.#send = host.send;
    this.#hostNow = host.hostNow;
    this.#timers = host.timers;
  }

  /** Ticks run by every process so far (tells an undo whether ticks ran since a control call). */
  get ticksRun(): number {
    return this.#ticksRun;
  }

  /** Reopening: logical time stands at the moment of the save until `resume`. */
  restoreTime(now: number): void {
    this.#pausedAt = now;
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
    return this.#pausedAt !== undefined || this.#host.staged();
  }

  /** The running process whose tick is due first, and when (Infinity: none). */
  #earliest(): { next: Proc | undefined; nextDue: number } {
    let next: Proc | undefined;
    let nextDue = Infinity;
    for (const proc of safe(this.#host.procs.values())) {
      if (proc.status !== 'running') continue;
      const due = this.due(proc);
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

  /** Timers set by a process's ticks belong to it: they go when it stops, crashes or restarts. */
  clearTimersOf(proc: Proc): void {
    this.#timers().clearOwned(ownerKey(proc));
  }

  due(proc: Proc): number {
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
      ranClean(proc, due, this.#host.committedEntry());
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
