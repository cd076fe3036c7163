// The engine: what both faces of Vivarium (the batch CLI and the terminal UI) talk to. It takes
// an entry's text, analyses and rewrites it on the host, hands the script to the guest kernel as
// one transaction, and turns the reply into a Result. Every accepted entry goes to the journal
// (and, with a store, to disk before its result is returned); `save` writes a snapshot. When the
// guest dies, the engine starts a new one and rebuilds the image from the last snapshot plus the
// journal.
import { setTimeout as delay } from 'node:timers/promises';
import type {
  ControlAction,
  EvalReply,
  GuestNotice,
  Progress,
  Request,
} from '../shared/protocol.ts';

import { analyze } from './entry/analyze.ts';
import type { AnalyzedEntry } from './entry/analyze.ts';
import { rewrite } from './entry/rewrite.ts';
import type { GuestScript } from './entry/rewrite.ts';
import { EntrySyntaxError } from './entry/source-error.ts';
import { IncompleteEntry } from './entry/strip.ts';
import { GuestProcess } from './guest-process.ts';
import type { Outcome } from './guest-process.ts';
import type { Runner } from './runner-spawn.ts';
import { locateError } from './locate-error.ts';
import { runCommand } from './commands.ts';
import type { Result } from './result.ts';
import { restoreSnapshot, takeSnapshot } from './image-io.ts';

const HISTORY_LIMIT = 1000;

export interface EngineOptions {
  memoryMB?: number;
  /** Bound on each entry in milliseconds, awaited promises included (0: none). */
  timeoutMs?: number;
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
}

export interface ProcessEvent {
  event: 'restarted' | 'crashed' | 'rolled back';
  name: string;
  message: string;
  /** The command that takes the offered rollback. */
  offer?: string;
}

/** The engine's view of an image on disk (src/host/store/image-file.ts implements it). */
export interface Store {
  readonly path: string;
  /** The saved snapshot's JSON (null for a new image) and the last entry number it holds. */
  readonly payload: string | null;
  readonly savedEntry: number;
  /** Records journaled since that snapshot, in order. */
  readonly journal: readonly object[];
  append(record: JournalRecord): Promise<void>;
  save(entry: number, payload: string, path?: string): Promise<void>;
  close(): Promise<void>;
}

/** One accepted, image-changing operation, in order: what rebuilds the image. */
export type AcceptedRecord =
  | { type: 'entry'; entry: number; source: string }
  | { type: 'rollback'; entry: number; name: string; version?: number }
  | { type: 'control'; entry: number; action: ControlAction; name: string };

/** What the journal on disk holds: accepted operations, and marks on entries that failed. */
export type JournalRecord =
  | AcceptedRecord
  /** The entry written ahead under this number failed: replay skips it. */
  | { type: 'rejected'; entry: number };

/** The records that rebuild the image: every operation not marked rejected. */
export function acceptedRecords(journal: readonly object[]): AcceptedRecord[] {
  const records = journal as JournalRecord[];
  const rejected = new Set(records.filter((r) => r.type === 'rejected').map((r) => r.entry));
  return records.filter(
    (r): r is AcceptedRecord => r.type !== 'rejected' && !rejected.has(r.entry),
  );
}

export class Engine {
  readonly options: Required<Pick<EngineOptions, 'memoryMB' | 'timeoutMs'>> & EngineOptions;
  /** Accepted operations since the last snapshot (what a revival replays). */
  readonly journal: AcceptedRecord[] = [];
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
  #quit = false;
  #closing = false;
  #dirty = false;
  #busy = 0;
  /** The snapshot the image was last opened from or saved to: what a revival starts from. */
  #snapshot: { payload: string; entry: number } | undefined;
  #restoreFailures: string[] = [];

  private constructor(options: EngineOptions) {
    this.options = { memoryMB: 512, timeoutMs: 0, ...options };
  }

  static async open(options: EngineOptions = {}): Promise<Engine> {
    const engine = new Engine(options);
    engine.#guest = await engine.#startGuest();
    const store = options.store;
    if (store?.payload) {
      engine.#snapshot = { payload: store.payload, entry: store.savedEntry };
      engine.#entry = store.savedEntry;
      const restored = await restoreSnapshot(engine.#guest, store.payload);
      engine.#restoreFailures = restored.failures;
      engine.history.push(...restored.history);
    }
    // A new image that crashed before its first save has only a journal: it holds everything.
    if (store?.payload || store?.journal.length) {
      await engine.#replayJournal(store.journal);
    } else {
      for (const { file, source } of options.prelude ?? []) {
        const result = await engine.evaluate(source, { quiet: true });
        if (!result.ok) {
          throw new Error(
            `stdlib/${file} failed to load: ${result.error?.name}: ${result.error?.message}`,
          );
        }
      }
    }
    await engine.#resumeClock();
    return engine;
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

  /** An entry or a `:command`, as typed. */
  async submit(text: string): Promise<Result> {
    this.#busy++;
    this.#rememberHistory(text);
    try {
      const trimmed = text.trim();
      if (trimmed.startsWith(':')) return await runCommand(this, trimmed);
      return await this.evaluate(text);
    } finally {
      this.#busy--;
    }
  }

  #rememberHistory(text: string): void {
    if (text.trim() === '' || this.history[this.history.length - 1] === text) return;
    this.history.push(text);
    if (this.history.length > HISTORY_LIMIT)
      this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  /** An entry or command is being run (autosave waits). */
  get busy(): boolean {
    return this.#busy > 0;
  }

  /** Evaluates one entry as one transaction (or, with `check`, as a dry run). */
  async evaluate(
    source: string,
    options: { check?: boolean; quiet?: boolean } = {},
  ): Promise<Result> {
    const entry = this.#entry + 1;
    let analysis: AnalyzedEntry;
    let script: GuestScript;
    try {
      analysis = analyze(source);
      script = rewrite(analysis, { checkOnly: options.check, sourceName: `REPL${entry}` });
    } catch (error) {
      return syntaxFailure(error);
    }
    this.#entry = entry;
    this.#remember(entry, analysis, script);
    // Written ahead: the request goes to the guest first, then the journal's append and fsync run
    // while the guest evaluates; the result is shown only once both are done. A failed entry is
    // then marked rejected.
    const record: AcceptedRecord = { type: 'entry', entry, source };
    const evaluated = this.request(
      {
        op: 'eval',
        entry,
        script: script.code,
        declarations: analysis.declarations,
        owner: ownerOf(analysis, source),
        check: options.check,
        quiet: options.quiet,
        colors: this.options.colors,
      },
      entry,
    );
    const logged = options.check ? undefined : this.options.store?.append(record);
    const outcome = await evaluated;
    const result = await this.#toResult(outcome, entry, source);
    await logged;
    if (!options.check) {
      if (result.ok) {
        this.#journaled(
          record,
          analysis.declarations.map((d) => d.name),
        );
        this.#dirty = true;
      } else if (logged) await this.options.store!.append({ type: 'rejected', entry });
    }
    return result;
  }

  /** Keeps an operation since the last snapshot, and the names it changed. */
  #journaled(record: AcceptedRecord, names: string[]): void {
    this.journal.push(record);
    for (const name of names) this.changedSinceSave.add(name);
  }

  async #replayJournal(records: readonly object[]): Promise<void> {
    for (const record of acceptedRecords(records)) {
      if (record.type === 'entry') this.#rememberHistory(record.source);
      const outcome = await this.#replay(record);
      if (outcome.kind === 'died') this.#guest = await this.#startGuest();
      const declared = this.#scripts.get(record.entry)?.analysis.declarations ?? [];
      this.#journaled(
        record,
        record.type === 'entry' ? declared.map((d) => d.name) : [record.name],
      );
    }
    for (const record of records as JournalRecord[]) {
      this.#entry = Math.max(this.#entry, record.entry);
    }
  }

  /** Records an accepted operation: in the journal, on disk (flushed) before anyone sees it. */
  async accept(record: Exclude<AcceptedRecord, { type: 'entry' }>): Promise<void> {
    await this.options.store?.append(record);
    this.#journaled(record, [record.name]);
    this.#dirty = true;
  }

  get dirty(): boolean {
    return this.#dirty;
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
  async save(path?: string): Promise<{ path: string; bytes: number }> {
    const store = this.options.store;
    if (!store) throw new Error('this session has no image file: start viv with --image PATH');
    const payload = await takeSnapshot(this.#guest, this.history);
    await store.save(this.#entry, payload, path);
    this.journal.length = 0;
    this.changedSinceSave.clear();
    this.#snapshot = { payload, entry: this.#entry };
    this.#dirty = false;
    return { path: store.path, bytes: Buffer.byteLength(payload) };
  }

  /** Sends a request, waiting for an entry that awaits; enforces the time bound on both. */
  async request(request: Request, entry?: number): Promise<Outcome> {
    const started = Date.now();
    const timeout = this.options.timeoutMs;
    const outcome = await this.#guest.request(request, timeout);
    if (outcome.kind !== 'reply' || !(outcome.reply as EvalReply).pending || entry === undefined) {
      return outcome;
    }
    const first = outcome.reply as EvalReply;
    const early = this.#settledEarly.get(entry);
    this.#settledEarly.delete(entry);
    const settled = early
      ? Promise.resolve(early)
      : new Promise<EvalReply>((resolve) => this.#settled.set(entry, resolve));
    const remaining = timeout > 0 ? Math.max(1, timeout - (Date.now() - started)) : 0;
    const reply = await (remaining
      ? Promise.race([settled, delay(remaining).then(() => undefined)])
      : settled);
    this.#settled.delete(entry);
    if (reply) return { kind: 'reply', reply };
    await this.#guest.request({ op: 'abort', entry });
    return {
      kind: 'reply',
      reply: {
        ok: false,
        defined: [],
        printed: first.printed,
        error: {
          name: 'TimeoutError',
          message: `the entry did not finish within ${timeout} ms (it was still awaiting); nothing it defined was kept`,
        },
      },
    };
  }

  /** Stops the running entry (Ctrl-C). */
  interrupt(): void {
    this.#guest.interrupt();
  }

  nextEntryNumber(): number {
    return ++this.#entry;
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
      return {
        ok: false,
        error: {
          name: this.options.timeoutMs ? 'TimeoutError' : 'Interrupted',
          message: this.options.timeoutMs
            ? `the entry ran longer than ${this.options.timeoutMs} ms and was stopped; the image is as it was before it`
            : 'the entry was interrupted; the image is as it was before it',
        },
        printed: [],
      };
    }
    if (outcome.kind === 'died') {
      const message = await this.#revive(outcome.reason, entry, source);
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

  /** A new guest, rebuilt from the journal (every accepted entry, quietly, in order). */
  async #revive(reason: string, entry: number | undefined, source?: string): Promise<string> {
    this.#guest = await this.#startGuest();
    let failures = 0;
    if (this.#snapshot) await restoreSnapshot(this.#guest, this.#snapshot.payload);

    for (const record of this.journal) {
      const outcome = await this.#replay(record);
      if (outcome.kind !== 'reply' || !(outcome.reply as EvalReply).ok) failures++;
    }
    await this.#resumeClock();
    const dropped =
      entry !== undefined
        ? ` Entry ${entry} was dropped${source ? ` (${firstLine(source)})` : ''}.`
        : '';
    const from = this.#snapshot ? 'the last snapshot and ' : '';
    const rebuilt = ` The session goes on with a fresh isolate rebuilt from ${from}${this.journal.length} journaled entries${failures ? ` (${failures} of them failed to replay)` : ''}.`;
    return `${reason}.${dropped}${rebuilt}`;
  }

  #replay(record: AcceptedRecord): Promise<Outcome> {
    if (record.type === 'control') {
      return this.#guest.request({
        op: 'control',
        action: record.action,
        name: record.name,
        entry: record.entry,
      });
    }
    if (record.type === 'rollback') {
      return this.#guest.request({
        op: 'rollback',
        name: record.name,
        version: record.version,
        entry: record.entry,
      });
    }
    const analysis = analyze(record.source);
    const script = rewrite(analysis, { sourceName: `REPL${record.entry}` });
    this.#remember(record.entry, analysis, script);
    return this.request(
      {
        op: 'eval',
        entry: record.entry,
        script: script.code,
        declarations: analysis.declarations,
        owner: ownerOf(analysis, record.source),
        quiet: true,
      },
      record.entry,
    );
  }

  #startGuest(): Promise<GuestProcess> {
    const prestarted = this.options.prestarted;
    this.options.prestarted = undefined;
    return GuestProcess.start({
      prestarted,
      memoryMB: this.options.memoryMB,
      onNotice: (notice) => this.#onNotice(notice),
      onDeath: (reason) => {
        void this.#revive(reason, undefined).then((m) => this.options.onRevive?.(m));
      },
    });
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
    const result = await runCommand(this, offer);
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

/**
 * Who owns the timers an entry starts: what it defines, or else its text. Evaluating an entry with
 * the same owner again replaces those timers instead of leaving the old ones running.
 */
function ownerOf(analysis: AnalyzedEntry, source: string): { key: string; label: string } {
  const names = analysis.declarations.map((d) => d.name);
  if (names.length)
    return { key: `defines ${names.join(',')}`, label: `entry defining ${names.join(', ')}` };
  return { key: `text ${source.trim()}`, label: firstLine(source) };
}

function firstLine(source: string): string {
  const line = source.trim().split('\n')[0] ?? '';
  return line.length > 60 ? line.slice(0, 57) + '...' : line;
}
