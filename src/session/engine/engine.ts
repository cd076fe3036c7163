// The engine: what every face of Vivarium (the terminal, batch mode, remote clients) talks to. It
// compiles an entry once on the session's side (session/compile), runs it in the guest as one
// transaction through the op table (shared/ops.ts), journals it (journaled.ts), and turns the
// reply into a Result (outcome-result.ts); entry-pipeline.ts holds those steps in order. Operations, saves and revivals take one lock
// (exclusive.ts), so a save never races an entry; what a save does is saving.ts. Opening an image,
// and rebuilding a guest that died, is rebuild.ts; starting a guest, start-guest.ts.
import type { ControlAction } from '../../shared/types.ts';
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { SessionNotice } from '../../shared/notices.ts';
import type { EngineOptions } from './options.ts';
import { DEFAULT_CALLBACK_BOUND_MS } from './options.ts';
import type { AnalyzedEntry } from '../compile/analyze.ts';
import type { GuestConnection, Outcome } from '../guest/guest.ts';
import type { Result } from '../result.ts';
import { Exclusive } from './exclusive.ts';
import { Saver } from './saving.ts';
import type { SaveHost } from './saving.ts';
import { outcomeResult } from './outcome-result.ts';
import { startGuest } from './start-guest.ts';
import type { GuestStartHost } from './start-guest.ts';
import { EntryCompiler } from './compiler.ts';
import { evaluateEntry, framesLocated, installSpec, runOperation } from './entry-pipeline.ts';
import type { EntryOptions } from './entry-pipeline.ts';
import type { JournalHost } from './journaled.ts';
import type { JournalRecord, Operation, Step } from './journal-records.ts';
import { Rebuilder } from './rebuild.ts';
import type { RebuildHost } from './rebuild.ts';
import type { ReplayStop } from './replay.ts';
import { describeStop } from './replay.ts';
import { ProcessEvents } from './process-events.ts';
import { TICK_RECORD_MS, TickRecorder } from './tick-records.ts';
import type { EventsHost } from './process-events.ts';
import { isDotCommand } from '../commands/dot-commands.ts';
import { ImagePackages } from '../packages/packages.ts';

export type { JournalRecord } from './journal-records.ts';
export type { EngineOptions, OpeningControl, Store } from './options.ts';
export { DEFAULT_CALLBACK_BOUND_MS } from './options.ts';
export type { ProcessEvent } from './process-events.ts';
export { OpenCancelled, OpenError } from './rebuild.ts';

const HISTORY_LIMIT = 1000;
/** Opening bounds each replayed entry, revive hook and initialiser by default (`--timeout`). */
export const DEFAULT_OPEN_BOUND_MS = 10_000;

export class Engine implements JournalHost, RebuildHost, EventsHost, SaveHost, GuestStartHost {
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
  readonly #exclusive = new Exclusive();
  readonly rebuilder: Rebuilder;
  readonly #events: ProcessEvents;
  /** Snapshots, the dirty flag and the divergence that refuses operations (saving.ts). */
  readonly #saver: Saver;

  /** When the image on disk was last saved (by this session, or before it was opened). */
  get lastSaved(): Date | undefined {
    return this.#saver.lastSaved;
  }

  private constructor(options: EngineOptions) {
    this.options = { memoryMB: 512, timeoutMs: 0, ...options };
    this.#saver = new Saver(this, options.store?.savedAt);
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
      const result = await evaluateEntry(this, this.#saver, text, analysis ? { analysis } : {});
      return framesLocated(this.compiler, result);
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
  evaluate(source: string, options: EntryOptions = {}): Promise<Result> {
    return this.exclusive(async () =>
      framesLocated(this.compiler, await evaluateEntry(this, this.#saver, source, options)),
    );
  }

  /** `:install NAME[@VERSION]`: the package installed, bundled and entered as its module. */
  install(spec: string): Promise<Result> {
    return this.exclusive(() => installSpec(this, this.#saver, spec));
  }

  /** `:rollback` and `:stop`/`:restart`/`:forget` of a process: journaled like entries. */
  runOperation(operation: Exclude<Operation, { op: 'entry' }>): Promise<Result> {
    return this.exclusive(() => runOperation(this, this.#saver, operation));
  }

  /** `:stop #ID`: a timer is not part of the image, so clearing one is not journaled. */
  async clearTimer(name: string, action: ControlAction): Promise<Result> {
    const outcome = await this.request({ op: 'control', action, name, entry: ++this.entry });
    return this.toResult(outcome, name);
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

  diverge(reason: string, fixable = false): void {
    this.#saver.diverge(reason, fixable);
  }

  saveNow(): Promise<{ message: string; unsaveable: boolean } | undefined> {
    return this.#saver.saveNow();
  }

  /** Keeps an operation since the last snapshot, and the names it changed. */
  keep(step: Step, names: string[]): void {
    this.journal.push(step);
    for (const name of names) this.changedSinceSave.add(name);
    this.#saver.changed = true;
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
    return this.#saver.changed && !this.readOnly && !this.readOnlyFile;
  }

  get imagePath(): string | undefined {
    return this.options.store?.path;
  }

  /**
   * Writes a snapshot (to `path`: save as) and empties the journal. Throws with the guest's
   * message, naming the path to a value that cannot be saved; then nothing is written.
   */
  save(path?: string): Promise<{ path: string; bytes: number }> {
    return this.exclusive(() => this.#saver.write(path));
  }

  /**
   * The save on the way out (quit, end of input, Ctrl-D, SIGTERM), with the processes' clock
   * paused; undefined when there was nothing to save (see Saver.saveOnQuit).
   */
  saveOnQuit(): Promise<{ path: string; bytes: number } | undefined> {
    return this.exclusive(() => this.#saver.saveOnQuit());
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

  /** An outcome as the person reads it (outcome-result.ts). */
  toResult(outcome: Outcome<'eval' | 'rollback' | 'control'>, source: string): Promise<Result> {
    return outcomeResult(this, outcome, source);
  }

  /** Starts a guest (a runner child process unless the options say otherwise). */
  startGuest(): Promise<GuestConnection> {
    const bound = this.options.timeoutMs || DEFAULT_CALLBACK_BOUND_MS;
    return startGuest(this, (notice) => this.#onNotice(notice), bound);
  }

  #onNotice(notice: SessionNotice): void {
    if (notice.type === 'print') {
      this.options.onPrint?.(notice.stream, this.compiler.mapFrames(notice.text));
    }
    if (notice.type === 'process') void this.#events.onProcess(notice);
    if (notice.type === 'progress') this.options.onProgress?.(notice);
  }
}
