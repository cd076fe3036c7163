// The engine: what both faces of Vivarium (the batch CLI and the terminal UI) talk to. It takes
// an entry's text, analyses and rewrites it on the host, hands the script to the guest kernel as
// one transaction, and turns the reply into a Result.
//
// Durability (DESIGN, semantics 8): an image-changing operation is journaled in two records. Its
// `begin` is written while the guest runs it; the guest then holds the staged transaction open
// until the `outcome` record is on disk, and only then commits and shows the value. A write that
// fails refuses the operation (the guest rolls it back) and the session goes on. Operations,
// saves and revivals take one lock, so a save never races an entry. When the guest dies, the
// engine starts a new one and rebuilds the image from the last snapshot plus the journal,
// checking every replayed outcome against its record.
import type {
  ControlAction,
  EvalReply,
  EvalRequest,
  GuestNotice,
  Progress,
  Request,
} from '../../shared/protocol.ts';
import { setTimeout as delay } from 'node:timers/promises';
import { analyze } from '../compile/analyze.ts';
import type { AnalyzedEntry } from '../compile/analyze.ts';
import { rewrite } from '../compile/rewrite.ts';
import type { GuestScript } from '../compile/rewrite.ts';
import { EntrySyntaxError } from '../compile/source-error.ts';
import { IncompleteEntry } from '../compile/strip.ts';
import { GuestProcess } from '../guest/guest-process.ts';
import type { Outcome } from '../guest/guest-process.ts';
import type { Runner } from '../guest/spawn.ts';
import { locateError } from '../compile/locate-error.ts';
import { runCommand } from '../commands/commands.ts';
import type { Result } from '../result.ts';
import { restoreSnapshot, SnapshotGuestDied, takeSnapshot } from './image-io.ts';
import { Exclusive } from './exclusive.ts';
import { describeOperation, firstLine, planReplay } from './journal-records.ts';
import type { JournalRecord, Operation, Step } from './journal-records.ts';
import { describeStop, ownerOf, replayStep } from './replay.ts';
import type { ReplayHost, ReplayStop } from './replay.ts';

export type { JournalRecord } from './journal-records.ts';

const HISTORY_LIMIT = 1000;
/** Opening bounds each replayed entry, revive hook and initialiser by default (`--timeout`). */
export const DEFAULT_OPEN_BOUND_MS = 10_000;
/** A process tick or a timer callback that runs longer is stopped (`--timeout` overrides). */
export const DEFAULT_CALLBACK_BOUND_MS = 5_000;

export interface EngineOptions {
  memoryMB?: number;
  /** Bound on each entry in milliseconds, awaited promises included (0: none). */
  timeoutMs?: number;
  /** Bound on each step of opening an image (replayed entries, revive hooks); default 10 s. */
  openTimeoutMs?: number;
  /** Output that does not belong to an entry (timers, later processes). */
  onPrint?: (stream: 'out' | 'err', text: string) => void;
  /** Told when the guest died outside an entry and the image was rebuilt. */
  onRevive?: (message: string) => void;
  /** Entries a new image starts with (the standard library). */
  prelude?: { file: string; source: string }[];
  /** Where the image lives on disk; without one the image lasts as long as the session. */
  store?: Store;
  /** Values shown with ANSI colours (the terminal UI). */
  colors?: boolean;
  /** A process restarted, stopped for good, or was rolled back automatically. */
  onProcess?: (event: ProcessEvent) => void;
  /** A guest runner started ahead (by `bin/viv.js`, while the modules load): used first. */
  prestarted?: Runner;
  /** Long work inside the guest reports how far it has got. */
  onProgress?: (progress: Progress) => void;
  /** When a redefinition makes a process crash past its restart intensity, roll it back. */
  autoRollback?: boolean;
  /** Filled in by `open`: what Ctrl-C and Ctrl-D do while the image is being opened. */
  opening?: OpeningControl;
}

export interface OpeningControl {
  /** Stops the step being replayed (the replay stops there). */
  interrupt?: () => void;
  /** Gives up opening: nothing is written. */
  cancel?: () => void;
}

export interface ProcessEvent {
  event: 'restarted' | 'crashed' | 'rolled back';
  name: string;
  message: string;
  /** The command that takes the offered rollback. */
  offer?: string;
}

/** The engine's view of an image on disk (src/session/store/image-file.ts implements it). */
export interface Store {
  readonly path: string;
  /** The saved snapshot's JSON (null for a new image) and the last entry number it holds. */
  readonly payload: string | null;
  readonly savedEntry: number;
  /** Records journaled since that snapshot, in order. */
  readonly journal: readonly object[];
  /** What opening found worth telling (a torn last line set aside, a stale lock taken over). */
  readonly notices?: readonly string[];
  append(record: JournalRecord): Promise<void>;
  save(entry: number, payload: string, path?: string): Promise<void>;
  close(): Promise<void>;
}

/** Opening the image failed: a clear message, nothing written. */
export class OpenError extends Error {
  override name = 'OpenError';
}

/** Ctrl-D (or a signal) while opening. */
export class OpenCancelled extends Error {
  override name = 'OpenCancelled';
}

export class Engine {
  readonly options: Required<Pick<EngineOptions, 'memoryMB' | 'timeoutMs'>> & EngineOptions;
  /** Operations since the last snapshot with their outcomes (what a revival replays). */
  readonly journal: Step[] = [];
  /** Names those operations defined or rolled back (the definitions panel marks them). */
  readonly changedSinceSave = new Set<string>();
  /** Every entry and command typed, oldest first, kept with the image (for the REPL's history). */
  readonly history: string[] = [];
  #guest!: GuestProcess;
  #entry = 0;
  #scripts = new Map<number, { analysis: AnalyzedEntry; script: GuestScript }>();
  #settled = new Map<number, (reply: EvalReply) => void>();
  /** Entries that settled before their "pending" reply arrived (only microtasks awaited). */
  #settledEarly = new Map<number, EvalReply>();
  /** Stops the wait for an awaiting entry (Ctrl-C). */
  #cancelAwait: (() => void) | undefined;
  #userInterrupt = false;
  #quit = false;
  #closing = false;
  #cancelled = false;
  #dirty = false;
  readonly #exclusive = new Exclusive();
  /** The snapshot the image was last opened from or saved to: what a revival starts from. */
  #snapshot: { payload: string; entry: number } | undefined;
  #restoreFailures: string[] = [];
  readonly #notices: string[] = [];
  /** Where a replay stopped: the image is read-only until the person decides. */
  #stop: ReplayStop | undefined;
  /** The steps of the replay that stopped (to go on after `:replay skip`). */
  #stoppedSteps: Step[] = [];

  private constructor(options: EngineOptions) {
    this.options = { memoryMB: 512, timeoutMs: 0, ...options };
  }

  /**
   * Opens an image: the snapshot, then the journal replayed and checked. Throws OpenError when the
   * image cannot be rebuilt at all (nothing is written), OpenCancelled on Ctrl-D. A replay that
   * stops opens the image read-only at that point (see `replayStop`).
   */
  static async open(options: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(options);
    if (options.opening) {
      options.opening.interrupt = () => engine.interrupt();
      options.opening.cancel = () => engine.#cancelOpen();
    }
    try {
      await engine.#open();
    } catch (error) {
      await engine.#guest?.close().catch(() => {});
      if (engine.#cancelled) throw new OpenCancelled('opening was cancelled; nothing was written');
      throw error;
    }
    return engine;
  }

  async #open(): Promise<void> {
    this.#guest = await this.#startGuest();
    const store = this.options.store;
    const plan = planReplay(store?.journal ?? []);
    this.#notices.push(...(store?.notices ?? []), ...plan.notes);
    this.#entry = Math.max(store?.savedEntry ?? 0, plan.lastEntry);
    if (store?.payload) {
      this.#snapshot = { payload: store.payload, entry: store.savedEntry };
      await this.#restore(store.payload);
    }
    if (store?.payload || plan.steps.length > 0) {
      await this.#replay(plan.steps);
    } else {
      for (const { file, source } of this.options.prelude ?? []) {
        const result = await this.#evaluate(source, { quiet: true });
        if (!result.ok) {
          throw new OpenError(
            `stdlib/${file} failed to load: ${result.error?.name}: ${result.error?.message}`,
          );
        }
      }
    }
    this.#check();
    await this.#resumeClock();
  }

  #check(): void {
    if (this.#cancelled) throw new OpenCancelled('opening was cancelled');
  }

  #cancelOpen(): void {
    this.#cancelled = true;
    this.#guest?.kill();
  }

  /** Processes run (and logical time moves) only once the image is fully open. */
  async #resumeClock(): Promise<void> {
    await this.#guest.request({ op: 'clock', action: 'resume' });
  }

  get quitRequested(): boolean {
    return this.#quit;
  }

  requestQuit(): void {
    this.#quit = true;
  }

  /** What opening found: entries not applied, a torn journal line set aside, ... */
  get notices(): readonly string[] {
    return this.#notices;
  }

  /** Where the replay stopped, when it did: the image is then read-only. */
  get replayStop(): ReplayStop | undefined {
    return this.#stop;
  }

  /** The report of a stopped replay, with the person's choices. */
  replayStopReport(): string | undefined {
    return this.#stop && describeStop(this.#stop, this.imagePath ?? 'the image');
  }

  /** Nothing is written: a replay stopped and the person has not decided yet. */
  get readOnly(): boolean {
    return this.#stop !== undefined;
  }

  /** An entry or a `:command`, as typed. */
  submit(text: string): Promise<Result> {
    return this.#exclusive.run(async () => {
      this.#rememberHistory(text);
      const trimmed = text.trim();
      if (trimmed.startsWith(':')) return runCommand(this, trimmed);
      return this.#evaluate(text);
    });
  }

  #rememberHistory(text: string): void {
    if (text.trim() === '' || this.history[this.history.length - 1] === text) return;
    this.history.push(text);
    if (this.history.length > HISTORY_LIMIT)
      this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  /** An entry, command or save is running or waiting (autosave waits). */
  get busy(): boolean {
    return this.#exclusive.busy;
  }

  /** Evaluates one entry as one transaction (or, with `check`, as a dry run). */
  evaluate(source: string, options: { check?: boolean; quiet?: boolean } = {}): Promise<Result> {
    return this.#exclusive.run(() => this.#evaluate(source, options));
  }

  async #evaluate(
    source: string,
    options: { check?: boolean; quiet?: boolean } = {},
  ): Promise<Result> {
    let analysis: AnalyzedEntry;
    let script: GuestScript;
    const entry = this.#entry + 1;
    try {
      analysis = analyze(source);
      script = rewrite(analysis, { checkOnly: options.check, sourceName: `REPL${entry}` });
    } catch (error) {
      return syntaxFailure(error);
    }
    this.#entry = entry;
    this.#remember(entry, analysis, script);
    const request: EvalRequest = {
      op: 'eval',
      entry,
      script: script.code,
      declarations: analysis.declarations,
      owner: ownerOf(analysis, source),
      check: options.check,
      quiet: options.quiet,
      colors: this.options.colors,
    };
    if (options.check) {
      this.#userInterrupt = false;
      return this.#toResult(await this.request(request, entry), entry, source);
    }
    const names = analysis.declarations.map((d) => d.name);
    return this.#journaled({ op: 'entry', source }, entry, request, names, !!options.quiet);
  }

  /** `:rollback` and `:stop`/`:restart`/`:forget` of a process: journaled like entries. */
  runOperation(operation: Exclude<Operation, { op: 'entry' }>): Promise<Result> {
    return this.#exclusive.run(async () => {
      const entry = ++this.#entry;
      const request: Request =
        operation.op === 'rollback'
          ? { op: 'rollback', name: operation.name, version: operation.version, entry }
          : { op: 'control', action: operation.action, name: operation.name, entry };
      return this.#journaled(operation, entry, request, [operation.name], false);
    });
  }

  /** `:stop #ID`: a timer is not part of the image, so clearing one is not journaled. */
  async clearTimer(name: string, action: ControlAction): Promise<Result> {
    const outcome = await this.request({ op: 'control', action, name, entry: ++this.#entry });
    return this.#toResult(outcome, this.#entry, name);
  }

  /**
   * Runs one image-changing operation with the two-phase journal protocol (see the top of this
   * file). Returns its Result; never throws for a failure of the guest or of the disk.
   */
  async #journaled(
    operation: Operation,
    entry: number,
    request: Request,
    names: string[],
    quiet: boolean,
  ): Promise<Result> {
    this.#userInterrupt = false;
    const journaling = !!this.options.store && !this.readOnly;
    const begin = journaling ? this.#write({ type: 'begin', entry, ...operation }) : undefined;
    const started = performance.now();
    const outcome = await this.request({ ...request, hold: journaling } as Request, entry);
    const ms = Math.round(performance.now() - started);
    const beginFailure = await begin;
    const what = describeOperation(operation);
    const source = operation.op === 'entry' ? operation.source : what;

    if (outcome.kind === 'died') {
      if (journaling && !beginFailure) {
        await this.#write({
          type: 'outcome',
          entry,
          ok: false,
          error: 'GuestDied',
          died: true,
          ms,
        });
      }
      const message = await this.#revive(outcome.reason, entry, what);
      return { ok: false, error: { name: 'GuestDied', message }, printed: [] };
    }
    if (outcome.kind === 'interrupted') {
      if (journaling && !beginFailure) {
        const error = this.#interruptName();
        await this.#write({ type: 'outcome', entry, ok: false, error, interrupted: true, ms });
      }
      return this.#toResult(outcome, entry, source);
    }
    const reply = outcome.reply as EvalReply;
    const step: Step = {
      entry,
      operation,
      recorded: { ok: reply.ok, ms, ...(hasDraws(reply.draws) ? { draws: reply.draws } : {}) },
    };
    if (!reply.ok) {
      // Rolled back in the guest already; changes it made inside older objects stay, and replay
      // reproduces them from this record.
      step.recorded.error = reply.error?.name ?? 'Error';
      const failure = journaling
        ? (beginFailure ??
          (await this.#write({ type: 'outcome', entry, ...step.recorded, ok: false })))
        : undefined;
      if (!this.readOnly) this.#keep(step, []);
      const result = await this.#toResult(outcome, entry, source);
      if (failure) {
        result.warning = `this failure could not be journaled (${failure.message}); changes it made inside objects that existed before it are not on disk until the next :save`;
      }
      return result;
    }
    if (!journaling) {
      if (!this.readOnly) this.#keep(step, names);
      return this.#toResult(outcome, entry, source);
    }
    const failure =
      beginFailure ?? (await this.#write({ type: 'outcome', entry, ...step.recorded, ok: true }));
    if (failure) {
      await this.#guest.request({ op: 'abort', entry });
      return {
        ok: false,
        error: {
          name: 'JournalError',
          message: `the entry was not applied, because its journal record could not be written: ${failure.message}. Nothing changed; the session goes on`,
        },
        printed: reply.printed,
      };
    }
    this.#keep(step, names);
    return this.#commit(entry, quiet, reply);
  }

  /** The held operation is journaled: commit it and show its value (bounded, Ctrl-C stops it). */
  async #commit(entry: number, quiet: boolean, held: EvalReply): Promise<Result> {
    const outcome = await this.#guest.request(
      { op: 'commit', entry, display: !quiet },
      this.options.timeoutMs,
    );
    const base = { ok: true, defined: held.defined, printed: held.printed } as const;
    if (outcome.kind === 'reply') {
      const reply = outcome.reply as EvalReply;
      return { ...base, value: reply.value, printed: reply.printed ?? held.printed };
    }
    if (outcome.kind === 'interrupted') {
      // Committing comes before showing; make sure the commit is complete, then say what failed.
      await this.#guest.request({ op: 'commit', entry, display: false });
      const why = this.#userInterrupt
        ? 'you stopped it (Ctrl-C)'
        : `it ran longer than ${this.options.timeoutMs} ms and was stopped`;
      return { ...base, warning: `accepted; printing its value failed: ${why}` };
    }
    const message = await this.#revive(outcome.reason, undefined);
    return { ...base, warning: `accepted; printing its value killed the guest: ${message}` };
  }

  /** Writes a journal record; the error when it could not be written durably. */
  async #write(record: JournalRecord): Promise<Error | undefined> {
    try {
      await this.options.store?.append(record);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  #interruptName(): string {
    return this.#userInterrupt || !this.options.timeoutMs ? 'Interrupted' : 'TimeoutError';
  }

  /** Keeps an operation since the last snapshot, and the names it changed. */
  #keep(step: Step, names: string[]): void {
    this.journal.push(step);
    for (const name of names) this.changedSinceSave.add(name);
    this.#dirty = true;
  }

  /** Replays steps from the last snapshot, checked; stops (read-only) at the first mismatch. */
  #openBound(): number {
    return this.options.openTimeoutMs ?? (this.options.timeoutMs || DEFAULT_OPEN_BOUND_MS);
  }

  async #replay(steps: Step[]): Promise<void> {
    const bound = this.#openBound();
    for (let i = 0; i < steps.length; i++) {
      this.#check();
      const step = steps[i]!;
      if (step.operation.op === 'entry') this.#rememberHistory(step.operation.source);
      this.#userInterrupt = false;
      const stopped = await replayStep(this.#replayHost, step, i, bound);
      if (stopped) {
        await this.#stopAt(stopped, steps);
        return;
      }
      const names =
        step.operation.op === 'entry'
          ? (this.#scripts.get(step.entry)?.analysis.declarations.map((d) => d.name) ?? [])
          : [step.operation.name];
      this.#keep(step, names);
    }
  }

  readonly #replayHost: ReplayHost = {
    request: (request, entry, bound) => this.request(request, entry, bound),
    remember: (entry, analysis, script) => this.#remember(entry, analysis, script),
    interruptedByUser: () => this.#userInterrupt,
  };

  /**
   * A replay stopped. The image stays as it was just before that step (rebuilt without it if the
   * guest died there) and is read-only until the person chooses.
   */
  async #stopAt(stopped: ReplayStop, steps: Step[]): Promise<void> {
    this.#check();
    this.#stop = stopped;
    this.#stoppedSteps = steps;
    if (!stopped.died) return;
    this.#guest.kill();
    this.#guest = await this.#startGuest();
    this.journal.length = 0;
    if (this.#snapshot) await this.#restore(this.#snapshot.payload);
    for (const step of steps.slice(0, stopped.index)) {
      const again = await replayStep(this.#replayHost, step, 0, 0);
      if (again) break;
      this.journal.push(step);
    }
  }

  /** `:replay skip`: journals that the stopped step is left out, and replays the rest. */
  skipStopped(): Promise<string> {
    return this.#exclusive.run(async () => {
      const stopped = this.#stop;
      if (!stopped) throw new Error('no replay has stopped: there is nothing to skip');
      await this.options.store?.append({ type: 'skip', entry: stopped.entry });
      const rest = this.#stoppedSteps.filter((s) => s.entry !== stopped.entry);
      return this.#rebuild(rest, `entry ${stopped.entry} is left out for good`);
    });
  }

  /** `:replay retry`: rebuilds from the snapshot and replays the journal again. */
  retryReplay(): Promise<string> {
    return this.#exclusive.run(async () => {
      if (!this.#stop) throw new Error('no replay has stopped: there is nothing to retry');
      return this.#rebuild(this.#stoppedSteps, 'replayed again');
    });
  }

  async #rebuild(steps: Step[], what: string): Promise<string> {
    this.#stop = undefined;
    this.#stoppedSteps = [];
    this.#guest.kill();
    this.#guest = await this.#startGuest();
    this.journal.length = 0;
    this.changedSinceSave.clear();
    if (this.#snapshot) await this.#restore(this.#snapshot.payload);
    await this.#replay(steps);
    await this.#resumeClock();
    if (this.#stop) return `${what}; ${this.replayStopReport()}`;
    return `${what}: the image is open, with ${this.journal.length} journaled operations since the last snapshot`;
  }

  /** Holds what the image on disk does not (never while a stopped replay keeps it read-only). */
  get dirty(): boolean {
    return this.#dirty && !this.readOnly;
  }

  /** Problems met while opening the image (a version that no longer compiles, a revive hook). */
  get restoreFailures(): readonly string[] {
    return this.#restoreFailures;
  }

  get imagePath(): string | undefined {
    return this.options.store?.path;
  }

  /**
   * Writes a snapshot (to `path`: save as) and empties the journal. Throws with the guest's
   * message, naming the path to a value that cannot be saved; then nothing is written.
   */
  save(path?: string): Promise<{ path: string; bytes: number }> {
    return this.#exclusive.run(async () => {
      const store = this.options.store;
      if (!store) throw new Error('this session has no image file: start viv with --image PATH');
      if (this.#stop) {
        throw new Error(
          `the replay stopped at entry ${this.#stop.entry}: saving now would write an image without the entries after it. Choose :replay skip or :replay retry first`,
        );
      }
      let payload: string;
      try {
        payload = await takeSnapshot(this.#guest, this.history);
      } catch (error) {
        if (!(error instanceof SnapshotGuestDied)) throw error;
        const rebuilt = await this.#revive(error.reason, undefined);
        throw new SnapshotGuestDied(
          `${rebuilt} Nothing was saved; nothing is lost (the journal holds every entry)`,
        );
      }
      await store.save(this.#entry, payload, path);
      this.journal.length = 0;
      this.changedSinceSave.clear();
      this.#snapshot = { payload, entry: this.#entry };
      this.#dirty = false;
      return { path: store.path, bytes: Buffer.byteLength(payload) };
    });
  }

  /** Sends a request, waiting for an entry that awaits; enforces the time bound on both. */
  async request(request: Request, entry?: number, bound?: number): Promise<Outcome> {
    const started = Date.now();
    const timeout = bound ?? this.options.timeoutMs;
    const outcome = await this.#guest.request(request, timeout);
    if (outcome.kind !== 'reply' || !(outcome.reply as EvalReply).pending || entry === undefined) {
      return outcome;
    }
    const early = this.#settledEarly.get(entry);
    this.#settledEarly.delete(entry);
    const settled = early
      ? Promise.resolve(early)
      : new Promise<EvalReply>((resolve) => this.#settled.set(entry, resolve));
    const cancelled = new Promise<undefined>((resolve) => {
      this.#cancelAwait = () => resolve(undefined);
    });
    const died = this.#guest.died.then((reason) => ({ died: reason }));
    const remaining = timeout > 0 ? Math.max(1, timeout - (Date.now() - started)) : 0;
    const waits: Promise<EvalReply | undefined | { died: string }>[] = [settled, cancelled, died];
    if (remaining) waits.push(delay(remaining).then(() => undefined));
    const reply = await Promise.race(waits);
    this.#settled.delete(entry);
    this.#cancelAwait = undefined;
    if (reply && 'died' in reply) return { kind: 'died', reason: reply.died };
    if (reply) return { kind: 'reply', reply };
    await this.#guest.request({ op: 'abort', entry });
    return { kind: 'interrupted', awaiting: true };
  }

  /** Stops the running entry (Ctrl-C), including one that awaits. */
  interrupt(): void {
    this.#userInterrupt = true;
    this.#guest?.interrupt();
    this.#cancelAwait?.();
  }

  heap(): Promise<{ used: number; limit: number }> {
    return this.#guest.heap();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#guest.close();
    await this.options.store?.close();
  }

  async #toResult(outcome: Outcome, entry: number, source: string): Promise<Result> {
    if (outcome.kind === 'interrupted') {
      const timedOut = !this.#userInterrupt && this.options.timeoutMs > 0;
      return {
        ok: false,
        error: {
          name: timedOut ? 'TimeoutError' : 'Interrupted',
          message: timedOut
            ? `the entry ran longer than ${this.options.timeoutMs} ms${outcome.awaiting ? ' (it was still awaiting)' : ''} and was stopped; nothing it defined was kept`
            : 'the entry was interrupted; nothing it defined was kept',
        },
        printed: [],
      };
    }
    if (outcome.kind === 'died') {
      const message = await this.#revive(outcome.reason, entry, firstLine(source));
      return { ok: false, error: { name: 'GuestDied', message }, printed: [] };
    }
    const reply = outcome.reply as EvalReply;
    if (reply.ok) {
      return {
        ok: true,
        value: reply.value,
        defined: reply.defined,
        printed: reply.printed,
        migrations: reply.migrations,
      };
    }
    const error = reply.error ?? { name: 'Error', message: 'unknown failure' };
    return {
      ok: false,
      error: locateError(error, (n) => this.#scripts.get(n)),
      printed: reply.printed ?? [],
    };
  }

  /** A new guest, rebuilt from the snapshot and the journal (checked, quietly, in order). */
  async #revive(reason: string, entry: number | undefined, what?: string): Promise<string> {
    this.#guest.kill();
    this.#guest = await this.#startGuest();
    if (this.#snapshot) await this.#restore(this.#snapshot.payload);
    const steps = this.journal.splice(0);
    await this.#replay(steps);
    await this.#resumeClock();
    const dropped =
      entry !== undefined ? ` Entry ${entry} was dropped${what ? ` (${what})` : ''}.` : '';
    const from = this.#snapshot ? 'the last snapshot and ' : '';
    const rebuilt = ` The session goes on with a fresh isolate rebuilt from ${from}${steps.length} journaled entries.`;
    const stopped = this.#stop ? `\n${this.replayStopReport()}` : '';
    return `${reason}.${dropped}${rebuilt}${stopped}`;
  }

  /** Rebuilds the snapshot in the guest; OpenError when it cannot be. */
  async #restore(payload: string): Promise<void> {
    try {
      const restored = await restoreSnapshot(this.#guest, payload, this.#openBound());
      this.#restoreFailures = restored.failures;
      if (this.history.length === 0) this.history.push(...restored.history);
    } catch (error) {
      this.#check();
      const message = (error as Error).message;
      if (/memory/i.test(message)) {
        throw new OpenError(
          `${this.imagePath ?? 'the image'} needs more memory than --memory ${this.options.memoryMB} MB allows (the guest ran out of memory rebuilding its snapshot); open it with a larger --memory`,
        );
      }
      throw new OpenError(
        `${this.imagePath ?? 'the image'}: its snapshot could not be rebuilt (${message}): the file is damaged, or was written by a Vivarium that saved something this one cannot read. Nothing was written`,
      );
    }
  }

  async #startGuest(): Promise<GuestProcess> {
    const prestarted = this.options.prestarted;
    this.options.prestarted = undefined;
    let guest: GuestProcess | undefined;
    guest = await GuestProcess.start({
      prestarted,
      memoryMB: this.options.memoryMB,
      onNotice: (notice) => this.#onNotice(notice),
      // Died between requests (a tick, a timer): rebuild, unless an entry's wait already did.
      onDeath: (reason) => {
        if (this.#closing || this.#cancelled) return;
        void this.#exclusive
          .run(async () => (guest === this.#guest ? this.#revive(reason, undefined) : undefined))
          .then((m) => m && this.options.onRevive?.(m));
      },
    });
    guest.configure(this.options.timeoutMs || DEFAULT_CALLBACK_BOUND_MS);
    return guest;
  }

  #onNotice(notice: GuestNotice): void {
    if (notice.type === 'print') this.options.onPrint?.(notice.stream, notice.text);
    if (notice.type === 'process') void this.#onProcess(notice);
    if (notice.type === 'progress') this.options.onProgress?.(notice);
    if (notice.type === 'settled') {
      const waiting = this.#settled.get(notice.entry);
      if (waiting) waiting(notice.reply);
      else this.#settledEarly.set(notice.entry, notice.reply);
    }
  }

  /**
   * A process restarted or stopped. When it stopped because of a redefinition, offer the rollback
   * (or, with autoRollback, do it: the rollback restarts the process on the version rolled to).
   */
  async #onProcess(notice: Extract<GuestNotice, { type: 'process' }>): Promise<void> {
    if (this.#closing) return;
    const report = (event: ProcessEvent['event'], message: string, offer?: string) =>
      this.options.onProcess?.({ event, name: notice.name, message, ...(offer ? { offer } : {}) });
    const suspect = notice.suspect;
    if (notice.event !== 'crashed' || !suspect) return report(notice.event, notice.message);
    const blame = ` It ran clean until entry ${suspect.entry} changed ${suspect.name} (now v${suspect.version}).`;
    const offer = `:rollback ${suspect.name} ${suspect.previous}`;
    if (!this.options.autoRollback) {
      return report(
        'crashed',
        `${notice.message}${blame} To go back: ${offer} (${notice.name} restarts by itself).`,
        offer,
      );
    }
    report('crashed', notice.message + blame);
    const result = await this.#exclusive.run(() => runCommand(this, offer));
    report(
      'rolled back',
      result.ok
        ? `auto-rollback: ${suspect.name} is back at v${suspect.previous}; ${notice.name} restarted`
        : `auto-rollback of ${suspect.name} failed: ${result.error?.message}`,
    );
  }

  /** Keeps the last entries' analyses to map stack frames back to what was typed. */
  #remember(entry: number, analysis: AnalyzedEntry, script: GuestScript): void {
    this.#scripts.set(entry, { analysis, script });
    if (this.#scripts.size > 200) this.#scripts.delete(this.#scripts.keys().next().value!);
  }
}

function hasDraws(draws: EvalReply['draws']): boolean {
  return !!draws && (!!draws.seed || !!draws.epoch || !!draws.perf);
}

function syntaxFailure(error: unknown): Result {
  if (error instanceof EntrySyntaxError) {
    return {
      ok: false,
      error: {
        name: 'SyntaxError',
        message: error.message,
        line: error.line,
        column: error.column,
        sourceLine: error.sourceLine,
      },
      printed: [],
    };
  }
  if (error instanceof IncompleteEntry) {
    return {
      ok: false,
      error: { name: 'SyntaxError', message: `the entry is incomplete: ${error.message}` },
      printed: [],
    };
  }
  throw error;
}
