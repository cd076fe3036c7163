// The engine: what every face of Vivarium (the terminal, batch mode, remote clients) talks to. It
// compiles an entry once on the session's side (session/compile), runs it in the guest as one
// transaction through the op table (shared/ops.ts), journals it (journaled.ts), and turns the
// reply into a Result. Operations, saves and revivals take one lock (exclusive.ts), so a save
// never races an entry. Opening an image, and rebuilding a guest that died, is rebuild.ts.
import type { ControlAction } from '../../shared/types.ts';
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { SessionNotice } from '../../shared/notices.ts';
import { succeeded } from '../../shared/ops.ts';
import { syntaxFailure } from './syntax-failure.ts';
import type { EngineOptions } from './options.ts';
import type { AnalyzedEntry } from '../compile/analyze.ts';
import { ChildGuest } from '../guest/child-guest.ts';
import type { GuestConnection, Outcome } from '../guest/guest.ts';
import type { Result } from '../result.ts';
import { takeSnapshot, SnapshotFailed, SnapshotGuestDied } from './image-io.ts';
import { Exclusive } from './exclusive.ts';
import { EntryCompiler } from './compiler.ts';
import { runJournaled } from './journaled.ts';
import type { JournalHost } from './journaled.ts';
import type { JournalRecord, Operation, Step } from './journal-records.ts';
import { Rebuilder } from './rebuild.ts';
import { checkInScratch } from './scratch.ts';
import type { RebuildHost } from './rebuild.ts';
import type { ReplayStop } from './replay.ts';
import { describeStop } from './replay.ts';
import { ProcessEvents } from './process-events.ts';
import { TICK_RECORD_MS, TickRecorder } from './tick-records.ts';
import type { EventsHost } from './process-events.ts';
import { isDotCommand } from '../commands/dot-commands.ts';
import { ImagePackages } from '../packages/packages.ts';
import { installImports, installPackage, withInstalls } from '../packages/entry-packages.ts';

export type { JournalRecord } from './journal-records.ts';
export type { EngineOptions, OpeningControl, Store } from './options.ts';
export type { ProcessEvent } from './process-events.ts';
export { OpenCancelled, OpenError } from './rebuild.ts';

const HISTORY_LIMIT = 1000;
/** Opening bounds each replayed entry, revive hook and initialiser by default (`--timeout`). */
export const DEFAULT_OPEN_BOUND_MS = 10_000;
/** A process tick or a timer callback that runs longer is stopped (`--timeout` overrides). */
export const DEFAULT_CALLBACK_BOUND_MS = 2_000;

export class Engine implements JournalHost, RebuildHost, EventsHost {
  readonly options: Required<Pick<EngineOptions, 'memoryMB' | 'timeoutMs'>> & EngineOptions;
  /** Operations since the last snapshot with their outcomes (what a revival replays). */
  readonly journal: Step[] = [];
  /** Names those operations defined or rolled back (the definitions panel marks them). */
  readonly changedSinceSave = new Set<string>();
  /** Every entry and command typed, oldest first, kept with the image (for the REPL's history). */
  readonly history: string[] = [];
  readonly compiler = new EntryCompiler();
  /** The image's npm packages: its package folder, installing and bundling (src/session/packages). */
  readonly packages = new ImagePackages(() => this.imagePath);
  guest!: GuestConnection;
  /** The throwaway guest a `:check` runs in, while it runs. */
  scratch: GuestConnection | undefined = undefined;
  /** The number of the last operation. */
  entry = 0;
  userInterrupt = false;
  #quit = false;
  closing = false;
  #dirty = false;
  /** How long the last snapshot took (the next one's processes run that far ahead). */
  #snapshotMs: number | undefined;
  readonly #exclusive = new Exclusive();
  readonly rebuilder: Rebuilder;
  readonly #events: ProcessEvents;

  /** When the image on disk was last saved (by this session, or before it was opened). */
  lastSaved: Date | undefined;

  private constructor(options: EngineOptions) {
    this.options = { memoryMB: 512, timeoutMs: 0, ...options };
    const savedAt = options.store?.savedAt;
    this.lastSaved = savedAt ? new Date(savedAt) : undefined;
    this.rebuilder = new Rebuilder(this);
    this.#events = new ProcessEvents(this);
  }

  /**
   * Opens an image: the snapshot, then the journal replayed and checked. Throws OpenError when the
   * image cannot be rebuilt at all (nothing is written), OpenCancelled on Ctrl-D. A replay that
   * stops opens the image read-only at that point (see `replayStop`).
   */
  static async open(options: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(options);
    await engine.rebuilder.open();
    engine.#ticks.start(engine.options.store ? (engine.options.tickRecordMs ?? TICK_RECORD_MS) : 0);
    return engine;
  }

  /** Runs `body` alone: no other operation, save or revival runs meanwhile. */
  exclusive<T>(body: () => Promise<T>): Promise<T> {
    return this.#exclusive.run(body);
  }

  get quitRequested(): boolean {
    return this.#quit;
  }

  /** `save: false` (`:quit!`): the session ends without its final snapshot. */
  requestQuit(save = true): void {
    this.#quit = true;
    if (!save) this.#quitUnsaved = true;
  }

  #quitUnsaved = false;

  /** `:quit!` asked to end without the final snapshot (the journal keeps what it holds). */
  get quitUnsaved(): boolean {
    return this.#quitUnsaved;
  }

  /** What opening found: entries not applied, a torn journal line set aside, ... */
  get notices(): readonly string[] {
    return this.rebuilder.notices;
  }

  get restoreFailures(): readonly string[] {
    return this.rebuilder.restoreFailures;
  }

  /** Where the replay stopped, when it did: the image is then read-only. */
  get replayStop(): ReplayStop | undefined {
    return this.rebuilder.stop;
  }

  replayStopReport(): string | undefined {
    const stop = this.rebuilder.stop;
    return stop && describeStop(stop, this.imagePath ?? 'the image');
  }

  /** Nothing is written: a replay stopped and the person has not decided yet. */
  get readOnly(): boolean {
    return this.rebuilder.stop !== undefined;
  }

  /**
   * An entry or a `:command`, as typed. `analysis`: the entry was analysed already, to know it was
   * complete (an entry is parsed once on its way to the guest).
   */
  submit(text: string, analysis?: AnalyzedEntry): Promise<Result> {
    return this.exclusive(async () => {
      this.rememberHistory(text);
      const command = this.options.command;
      // `:command`, or a Node REPL habit (`.help`, `.exit`): commands.ts says what it stands for.
      if ((text.trim().startsWith(':') || isDotCommand(text)) && command)
        return command(text.trim());
      return this.#framesLocated(await this.#evaluate(text, analysis ? { analysis } : {}));
    });
  }

  rememberHistory(text: string): void {
    if (text.trim() === '' || this.history[this.history.length - 1] === text) return;
    this.history.push(text);
    if (this.history.length > HISTORY_LIMIT)
      this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  /** An entry, command or save is running or waiting (autosave waits). */
  get busy(): boolean {
    return this.#exclusive.busy;
  }

  /**
   * Evaluates one entry as one transaction (or, with `check`, as a dry run). `analysis`: the
   * entry was analysed already (an entry is parsed once on its way to the guest).
   */
  evaluate(
    source: string,
    options: { check?: boolean; quiet?: boolean; analysis?: AnalyzedEntry } = {},
  ): Promise<Result> {
    return this.exclusive(async () => this.#framesLocated(await this.#evaluate(source, options)));
  }

  /** Stacks inside what an entry printed or returned point at what was typed. */
  #framesLocated(result: Result): Result {
    const map = (text: string) => this.compiler.mapFrames(text);
    return {
      ...result,
      printed: result.printed.map(map),
      ...(result.value !== undefined ? { value: map(result.value) } : {}),
    };
  }

  async #evaluate(
    source: string,
    options: { check?: boolean; quiet?: boolean; analysis?: AnalyzedEntry } = {},
  ): Promise<Result> {
    const entry = this.entry + 1;
    let compiled;
    try {
      // A check compiles the entry as the real one: it runs for real, in a scratch guest.
      const compile = { ...options, check: false, colors: this.options.colors };
      compiled = this.compiler.compile(source, entry, compile);
    } catch (error) {
      return syntaxFailure(error);
    }
    if (options.check) {
      return checkInScratch(
        this,
        compiled.request,
        this.options.timeoutMs || DEFAULT_CALLBACK_BOUND_MS,
      );
    }
    const refusal = this.#refusal();
    if (refusal) return refusal;
    if (compiled.analysis.imports.length && !options.quiet) {
      // Packages the image lacks are installed first, each as its own entry (see :install).
      const enter = (text: string) => this.#evaluate(text);
      const installed = await installImports(this, compiled.analysis.imports, enter);
      if (installed && !installed.ok) return installed;
      if (installed) {
        const again = { ...options, analysis: compiled.analysis };
        return withInstalls(installed, await this.#evaluate(source, again));
      }
    }
    this.entry = entry;
    const names = compiled.analysis.declarations.map((d) => d.name);
    const operation: Operation = { op: 'entry', source };
    return this.#journaled(operation, compiled.request, names, !!options.quiet);
  }

  /** `:install NAME[@VERSION]`: the package installed, bundled and entered as its module. */
  install(spec: string): Promise<Result> {
    return this.exclusive(async () => {
      const refusal = this.#refusal();
      if (refusal) return refusal;
      return installPackage(this, spec, (text) => this.#evaluate(text));
    });
  }

  /** `:rollback` and `:stop`/`:restart`/`:forget` of a process: journaled like entries. */
  runOperation(operation: Exclude<Operation, { op: 'entry' }>): Promise<Result> {
    return this.exclusive(async () => {
      const refusal = this.#refusal();
      if (refusal) return refusal;
      const entry = ++this.entry;
      const request =
        operation.op === 'rollback'
          ? ({ op: 'rollback', name: operation.name, version: operation.version, entry } as const)
          : ({ op: 'control', action: operation.action, name: operation.name, entry } as const);
      return this.#journaled(operation, request, [operation.name], false);
    });
  }

  /** `:stop #ID`: a timer is not part of the image, so clearing one is not journaled. */
  async clearTimer(name: string, action: ControlAction): Promise<Result> {
    const outcome = await this.request({ op: 'control', action, name, entry: ++this.entry });
    return this.toResult(outcome, name);
  }

  async #journaled(
    operation: Operation,
    request: Request<'eval' | 'rollback' | 'control'>,
    names: string[],
    quiet: boolean,
  ): Promise<Result> {
    // A quit asked for by a signal or Ctrl-D stops the entry it meets, even one not yet sent.
    if (!this.quitRequested) this.userInterrupt = false;
    const unsaveable = !!this.#diverged && this.#fixable;
    const result = await runJournaled(this, operation, request, names, quiet);
    return unsaveable ? this.#retrySave(result) : result;
  }

  /** Opened with `--read-only`: no journal, no save; entries live in memory only. */
  get readOnlyFile(): boolean {
    return !!this.options.store?.readOnly;
  }

  // What the journal protocol (journaled.ts) needs of the engine.
  get journaling(): boolean {
    return !!this.options.store && !this.readOnly && !this.readOnlyFile;
  }

  get keeping(): boolean {
    return !this.readOnly;
  }

  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  append(record: JournalRecord): Promise<void> {
    return this.options.store!.append(record);
  }

  revive(reason: string, entry?: number, what?: string): Promise<string> {
    return this.rebuilder.revive(reason, entry, what);
  }

  /** Why the journal cannot rebuild what the session shows (until a save succeeds). */
  #diverged: string | undefined;
  /** The divergence is an image that cannot be saved: entries run (one may fix it), see below. */
  #fixable = false;

  diverge(reason: string, fixable = false): void {
    this.#diverged = reason;
    this.#fixable = fixable;
  }

  async saveNow(): Promise<{ message: string; unsaveable: boolean } | undefined> {
    try {
      await this.save();
      return undefined;
    } catch (error) {
      const unsaveable = error instanceof SnapshotFailed && error.unsaveable;
      return { message: (error as Error).message, unsaveable };
    }
  }

  /**
   * After an operation that ran while the image could not be saved (a stopped entry left it
   * unsaveable: an inline process step, a Proxy), the save is tried again: refusing entries then
   * would leave no way to fix it. The result says whether the image is crash-safe again.
   */
  async #retrySave(result: Result): Promise<Result> {
    if (!this.#diverged || !this.#fixable) return result;
    const unsaved = await this.saveNow();
    const note = unsaved
      ? `the image still cannot be saved (${unsaved.message}); a crash now would lose what the stopped entry changed inside existing objects`
      : 'the image is saved again: everything shown is crash-safe';
    return { ...result, warning: result.warning ? `${result.warning}; ${note}` : note };
  }

  /** Operations are refused while the journal cannot rebuild the session (see journaled.ts). */
  #refusal(): Result | undefined {
    if (!this.#diverged || this.#fixable) return undefined;
    return {
      ok: false,
      error: {
        name: 'JournalError',
        message: `not run: ${this.#diverged}. Entries are refused until a snapshot is saved (:save; quitting tries too), because after a crash the journal could not rebuild what this session shows`,
      },
      printed: [],
    };
  }

  /** Keeps an operation since the last snapshot, and the names it changed. */
  keep(step: Step, names: string[]): void {
    this.journal.push(step);
    for (const name of names) this.changedSinceSave.add(name);
    this.#dirty = true;
  }

  /** `:replay skip` / `:replay retry` after a replay stopped. */
  skipStopped(): Promise<string> {
    return this.exclusive(() => this.rebuilder.skipStopped());
  }

  retryReplay(): Promise<string> {
    return this.exclusive(() => this.rebuilder.retry());
  }

  /** Holds what the image on disk does not (never while a stopped replay keeps it read-only). */
  get dirty(): boolean {
    return this.#dirty && !this.readOnly && !this.readOnlyFile;
  }

  get imagePath(): string | undefined {
    return this.options.store?.path;
  }

  /**
   * Writes a snapshot (to `path`: save as) and empties the journal. Throws with the guest's
   * message, naming the path to a value that cannot be saved; then nothing is written.
   */
  save(path?: string): Promise<{ path: string; bytes: number }> {
    return this.exclusive(async () => {
      const store = this.options.store;
      if (!store) throw new Error('this session has no image file: start viv with --image PATH');
      if (store.readOnly)
        throw new Error('the image is open read-only (--read-only): nothing is written');
      const stop = this.rebuilder.stop;
      if (stop) {
        throw new Error(
          `the replay stopped at entry ${stop.entry}: saving now would write an image without the entries after it. Choose :replay skip or :replay retry first`,
        );
      }
      let payload: string | undefined;
      for (let attempt = 1; payload === undefined; attempt++) {
        try {
          const ahead = await this.#aheadMs();
          const started = performance.now();
          payload = await takeSnapshot(this.guest, this.history, ahead);
          this.#snapshotMs = performance.now() - started;
        } catch (error) {
          if (!(error instanceof SnapshotGuestDied)) throw error;
          // A process tick that killed the guest while the snapshot waited its turn is stopped
          // by the revival; the snapshot is then tried once more. One that kills it itself is not.
          const byTick = this.guest.culprit !== undefined;
          const rebuilt = await this.rebuilder.revive(error.reason);
          if (byTick && attempt === 1) continue;
          throw new SnapshotGuestDied(
            `${rebuilt} Nothing was saved; nothing is lost (the journal holds every entry)`,
          );
        }
      }
      await store.save(this.entry, payload, path);
      this.journal.length = 0;
      this.changedSinceSave.clear();
      this.rebuilder.snapshot = { payload, entry: this.entry };
      this.#dirty = false;
      this.#diverged = undefined;
      this.lastSaved = new Date();
      return { path: store.path, bytes: Buffer.byteLength(payload) };
    });
  }

  /**
   * How far ahead processes run before a snapshot, so that none is late while the isolate encodes
   * (see takeSnapshot): half again the last snapshot's time, or before the first, an estimate from
   * the heap (about 25 ms per MB here), at most 10 s.
   */
  async #aheadMs(): Promise<number> {
    const expected = this.#snapshotMs ?? ((await this.guest.heap()).used / 1e6) * 25;
    return Math.min(10_000, expected * 1.5 + 50);
  }

  /**
   * The save on the way out (quit, end of input, Ctrl-D, SIGTERM). The processes' clock is paused
   * first, so no tick runs after the instant the snapshot captures: every tick sent before it is in
   * the snapshot (its state changes kept), and every one after it runs once, after reopening. It
   * saves when entries are unsaved or a process is running (its ticks changed the state since the
   * last snapshot); otherwise it writes nothing and answers undefined. The clock stays paused: the
   * session is ending.
   */
  saveOnQuit(): Promise<{ path: string; bytes: number } | undefined> {
    return this.exclusive(async () => {
      if (!this.options.store || this.readOnly || this.readOnlyFile) return undefined;
      const paused = await this.request({ op: 'clock', action: 'pause' });
      let ticking = false;
      if (paused.kind === 'reply' && paused.reply.ok) {
        const ps = await this.request({ op: 'ps' });
        ticking =
          ps.kind === 'reply' &&
          ps.reply.ok &&
          ps.reply.processes.some((p) => p.status === 'running');
      }
      if (!this.dirty && !ticking) return undefined;
      return this.save();
    });
  }

  /** Journals each process's tick count while processes run (tick-records.ts). */
  readonly #ticks = new TickRecorder(this);

  get lastTicksRecord(): object | undefined {
    return this.#ticks.last;
  }

  /** One request to the guest, within the entry bound (or `bound`). */
  request<N extends SessionOpName>(request: Request<N>, bound?: number): Promise<Outcome<N>> {
    return this.guest.request(request, bound ?? this.options.timeoutMs);
  }

  /** Stops the running entry (Ctrl-C), including one that awaits. */
  interrupt(): void {
    this.userInterrupt = true;
    this.guest?.interrupt();
    this.scratch?.interrupt();
    this.packages.interrupt();
  }

  heap(): Promise<{ used: number; limit: number }> {
    return this.guest.heap();
  }

  async close(): Promise<void> {
    this.closing = true;
    this.#ticks.stop();
    await this.guest.close();
    await this.options.store?.close();
    this.packages.dispose();
  }

  /** An outcome as the person reads it. */
  async toResult(
    outcome: Outcome<'eval' | 'rollback' | 'control'>,
    source: string,
  ): Promise<Result> {
    if (outcome.kind === 'interrupted') {
      const timedOut = !this.userInterrupt && this.options.timeoutMs > 0;
      const awaiting = outcome.awaiting ? ' (it was still awaiting)' : '';
      return {
        ok: false,
        error: {
          name: timedOut ? 'TimeoutError' : 'Interrupted',
          message: timedOut
            ? `the entry ran longer than ${this.options.timeoutMs} ms${awaiting} and was stopped; nothing it defined was kept`
            : 'the entry was interrupted; nothing it defined was kept',
        },
        printed: [],
      };
    }
    if (outcome.kind === 'died') {
      const message = await this.rebuilder.revive(outcome.reason, this.entry, source);
      return { ok: false, error: { name: 'GuestDied', message }, printed: [] };
    }
    const reply = outcome.reply;
    if (succeeded(reply)) {
      return {
        ok: true,
        value: reply.value,
        defined: reply.defined,
        printed: reply.printed,
        ...(reply.migrations ? { migrations: reply.migrations } : {}),
      };
    }
    return { ok: false, error: this.compiler.locate(reply.error), printed: reply.printed ?? [] };
  }

  /** Starts a guest (a runner child process unless the options say otherwise). */
  async startGuest(): Promise<GuestConnection> {
    const prestarted = this.options.prestarted;
    this.options.prestarted = undefined;
    let guest: GuestConnection | undefined = undefined;
    const start = this.options.guest ?? ChildGuest.start;
    guest = await start({
      prestarted,
      memoryMB: this.options.memoryMB,
      onNotice: (notice) => this.#onNotice(notice),
      // Died between requests (a tick, a timer): rebuild, unless an operation already did. A
      // process whose tick killed the guest is stopped (journaled), not replayed into a loop.
      onDeath: (reason) => {
        if (this.closing || this.rebuilder.cancelled) return;
        void this.exclusive(async () =>
          guest === this.guest ? this.rebuilder.revive(reason) : undefined,
        ).then((message) => message && this.options.onRevive?.(message));
      },
    });
    guest.configure(this.options.timeoutMs || DEFAULT_CALLBACK_BOUND_MS);
    return guest;
  }

  #onNotice(notice: SessionNotice): void {
    if (notice.type === 'print') {
      this.options.onPrint?.(notice.stream, this.compiler.mapFrames(notice.text));
    }
    if (notice.type === 'process') void this.#events.onProcess(notice);
    if (notice.type === 'progress') this.options.onProgress?.(notice);
  }
}
