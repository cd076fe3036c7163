// Building the image in a guest: opening (the snapshot, then the journal replayed and checked),
// stopping read-only where a replay does not match, going on after the person chose (`:replay
// skip` or `retry`), and rebuilding a guest that died from the snapshot plus the journal.
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { GuestConnection, Outcome } from '../guest/guest.ts';
import type { Result } from '../result.ts';
import type { EntryCompiler } from './compiler.ts';
import { JournalOrderError, planReplay } from './journal-records.ts';
import type { JournalRecord, Step } from './journal-records.ts';
import { replayStep } from './replay.ts';
import type { ReplayHost, ReplayStop } from './replay.ts';
import { describeStop } from './replay.ts';
import { restoreSnapshot } from './image-io.ts';
import { ticksPastSnapshot } from './tick-records.ts';

/** Opening the image failed: a clear message, nothing written. */
export class OpenError extends Error {
  override name = 'OpenError';
}

/** Ctrl-D (or a signal) while opening. */
export class OpenCancelled extends Error {
  override name = 'OpenCancelled';
}

const DEFAULT_OPEN_BOUND_MS = 10_000;

/** What rebuilding needs of the engine. */
export interface RebuildHost {
  guest: GuestConnection;
  entry: number;
  userInterrupt: boolean;
  readonly journal: Step[];
  readonly changedSinceSave: Set<string>;
  readonly history: string[];
  readonly compiler: EntryCompiler;
  readonly imagePath: string | undefined;
  readonly options: {
    memoryMB: number;
    timeoutMs: number;
    openTimeoutMs?: number;
    tickRecordMs?: number;
    prelude?: { file: string; source: string }[];
    opening?: { interrupt?: () => void; cancel?: () => void };
    store?: {
      payload: string | null;
      savedEntry: number;
      journal: readonly object[];
      notices?: readonly string[];
      append(record: JournalRecord): Promise<void>;
    };
  };
  /** The `ticks` record the session journaled last (tick-records.ts), if any. */
  readonly lastTicksRecord: object | undefined;
  startGuest(): Promise<GuestConnection>;
  keep(step: Step, names: string[]): void;
  rememberHistory(text: string): void;
  interrupt(): void;
  evaluate(source: string, options: { quiet?: boolean; keep?: boolean }): Promise<Result>;
  runOperation(operation: { op: 'control'; action: 'stop'; name: string }): Promise<Result>;
  request<N extends SessionOpName>(request: Request<N>, bound?: number): Promise<Outcome<N>>;
}

export class Rebuilder {
  readonly #host: RebuildHost;
  /** The snapshot the image was last opened from or saved to: what a revival starts from. */
  snapshot: { payload: string; entry: number } | undefined;
  restoreFailures: string[] = [];
  readonly notices: string[] = [];
  /** Where a replay stopped: the image is read-only until the person decides. */
  stop: ReplayStop | undefined;
  /** The steps of the replay that stopped (to go on after `:replay skip`). */
  #stoppedSteps: Step[] = [];
  cancelled = false;

  constructor(host: RebuildHost) {
    this.#host = host;
  }

  /**
   * Opens the image: the snapshot, then the journal, replayed and checked; a new image gets the
   * prelude. Throws OpenError when it cannot be rebuilt at all, OpenCancelled on Ctrl-D.
   */
  async open(): Promise<void> {
    const host = this.#host;
    const opening = host.options.opening;
    if (opening) {
      opening.interrupt = () => host.interrupt();
      opening.cancel = () => {
        this.cancelled = true;
        host.guest?.kill();
      };
    }
    try {
      host.guest = await host.startGuest();
      const store = host.options.store;
      let plan;
      try {
        plan = planReplay(store?.journal ?? [], store?.savedEntry ?? 0);
      } catch (error) {
        if (!(error instanceof JournalOrderError)) throw error;
        throw new OpenError(
          `${host.imagePath ?? 'the image'}.journal is damaged: ${error.message}. Nothing was written`,
        );
      }
      this.notices.push(...(store?.notices ?? []), ...plan.notes);
      host.entry = Math.max(store?.savedEntry ?? 0, plan.lastEntry);
      if (store?.payload) {
        this.snapshot = { payload: store.payload, entry: store.savedEntry };
        await this.#restore(store.payload);
      }
      if (store?.payload || plan.steps.length > 0) {
        await this.#replay(plan.steps);
      } else {
        for (const { file, source } of host.options.prelude ?? []) {
          const result = await host.evaluate(source, { quiet: true, keep: true });
          if (!result.ok) {
            throw new OpenError(
              `stdlib/${file} failed to load: ${result.error?.name}: ${result.error?.message}`,
            );
          }
        }
      }
      this.#check();
      if (store?.journal.length) await this.#noteTicksPast(store.journal);
      await host.request({ op: 'clock', action: 'resume', dropTimers: true });
    } catch (error) {
      await host.guest?.close().catch(() => {});
      if (this.cancelled) throw new OpenCancelled('opening was cancelled; nothing was written');
      throw error;
    } finally {
      // Opened (or not): a late Ctrl-C or Ctrl-D is the session's, not the opening's.
      if (opening) opening.interrupt = opening.cancel = undefined;
    }
  }

  /** Ticks that ran after the snapshot and were lost with the session run again: say so. */
  async #noteTicksPast(journal: readonly object[]): Promise<void> {
    this.notices.push(...(await this.#ticksPast(journal)));
  }

  async #ticksPast(journal: readonly object[], when?: string): Promise<string[]> {
    const ps = await this.#host.request({ op: 'ps' });
    if (ps.kind !== 'reply' || !ps.reply.ok) return [];
    const interval = this.#host.options.tickRecordMs || undefined;
    return ticksPastSnapshot(journal, ps.reply.processes, interval, when);
  }

  #check(): void {
    if (this.cancelled) throw new OpenCancelled('opening was cancelled');
  }

  #openBound(): number {
    const { openTimeoutMs, timeoutMs } = this.#host.options;
    return openTimeoutMs ?? (timeoutMs || DEFAULT_OPEN_BOUND_MS);
  }

  /** Replays steps from the last snapshot, checked; stops (read-only) at the first mismatch. */
  async #replay(steps: Step[]): Promise<void> {
    const host = this.#host;
    const bound = this.#openBound();
    const replayHost: ReplayHost = {
      request: (request, b) => host.request(request, b),
      compiler: host.compiler,
      interruptedByUser: () => host.userInterrupt,
    };
    for (let i = 0; i < steps.length; i++) {
      this.#check();
      const step = steps[i]!;
      if (step.operation.op === 'entry') host.rememberHistory(step.operation.source);
      host.userInterrupt = false;
      const stopped = await replayStep(replayHost, step, i, bound);
      if (stopped) return this.#stopAt(stopped, steps, replayHost);
      const names =
        step.operation.op === 'entry' ? host.compiler.names(step.entry) : [step.operation.name];
      host.keep(step, names);
    }
  }

  /**
   * A replay stopped. The image stays as it was just before that step (rebuilt without it if the
   * guest died there) and is read-only until the person chooses.
   */
  async #stopAt(stopped: ReplayStop, steps: Step[], replayHost: ReplayHost): Promise<void> {
    this.#check();
    this.stop = stopped;
    this.#stoppedSteps = steps;
    if (!stopped.died) return;
    const host = this.#host;
    host.guest.kill();
    host.guest = await host.startGuest();
    host.journal.length = 0;
    if (this.snapshot) await this.#restore(this.snapshot.payload);
    for (const step of steps.slice(0, stopped.index)) {
      if (await replayStep(replayHost, step, 0, 0)) break;
      host.journal.push(step);
    }
  }

  /** `:replay skip`: journals that the stopped step is left out, and replays the rest. */
  async skipStopped(): Promise<string> {
    const stopped = this.stop;
    if (!stopped) throw new Error('no replay has stopped: there is nothing to skip');
    await this.#host.options.store?.append({ type: 'skip', entry: stopped.entry });
    const rest = this.#stoppedSteps.filter((s) => s.entry !== stopped.entry);
    return this.#rebuild(rest, `entry ${stopped.entry} is left out for good`);
  }

  /** `:replay retry`: rebuilds from the snapshot and replays the journal again. */
  async retry(): Promise<string> {
    if (!this.stop) throw new Error('no replay has stopped: there is nothing to retry');
    return this.#rebuild(this.#stoppedSteps, 'replayed again');
  }

  async #rebuild(steps: Step[], what: string): Promise<string> {
    const host = this.#host;
    this.stop = undefined;
    this.#stoppedSteps = [];
    host.guest.kill();
    host.guest = await host.startGuest();
    host.journal.length = 0;
    host.changedSinceSave.clear();
    if (this.snapshot) await this.#restore(this.snapshot.payload);
    await this.#replay(steps);
    await host.request({ op: 'clock', action: 'resume', dropTimers: true });
    if (this.stop) return `${what}; ${describeStop(this.stop, host.imagePath ?? 'the image')}`;
    return `${what}: the image is open, with ${host.journal.length} journaled operations since the last snapshot`;
  }

  /**
   * A new guest, rebuilt from the snapshot and the journal (checked, quietly, in order). A
   * process whose tick killed the guest (its culprit) is stopped (journaled) before logical time
   * resumes, so it cannot kill the new guest the same way.
   */
  async revive(reason: string, entry?: number, what?: string): Promise<string> {
    const host = this.#host;
    const culprit = host.guest.culprit;
    host.guest.kill();
    host.guest = await host.startGuest();
    if (this.snapshot) await this.#restore(this.snapshot.payload);
    const steps = host.journal.splice(0);
    await this.#replay(steps);
    let stopped = '';
    if (culprit && !this.stop) {
      const result = await host.runOperation({ op: 'control', action: 'stop', name: culprit });
      stopped = result.ok
        ? ` It died during a tick of process ${culprit}: ${culprit} is stopped (:restart ${culprit} once it is fixed).`
        : ` It died during a tick of process ${culprit}, which could not be stopped: ${result.error?.message}`;
    }
    const record = host.lastTicksRecord;
    const past = record ? await this.#ticksPast([record], 'when the isolate died') : [];
    await host.request({ op: 'clock', action: 'resume' });
    const dropped =
      entry !== undefined ? ` Entry ${entry} was dropped${what ? ` (${what})` : ''}.` : '';
    const from = this.snapshot ? 'the last snapshot and ' : '';
    const rebuilt = ` The session goes on with a fresh isolate rebuilt from ${from}${steps.length} journaled entries.`;
    const replay = this.stop ? `\n${describeStop(this.stop, host.imagePath ?? 'the image')}` : '';
    const again = past.map((note) => `\n${note}.`).join('');
    return `${reason}.${dropped}${rebuilt}${stopped}${again}${replay}`;
  }

  /** Rebuilds the snapshot in the guest; OpenError when it cannot be. */
  async #restore(payload: string): Promise<void> {
    const host = this.#host;
    try {
      const restored = await restoreSnapshot(host.guest, payload, this.#openBound());
      this.restoreFailures = restored.failures;
      if (host.history.length === 0) host.history.push(...restored.history);
    } catch (error) {
      this.#check();
      const message = (error as Error).message;
      const image = host.imagePath ?? 'the image';
      if (/memory/i.test(message)) {
        throw new OpenError(
          `${image} needs more memory than --memory ${host.options.memoryMB} MB allows (the guest ran out of memory rebuilding its snapshot); open it with a larger --memory`,
        );
      }
      throw new OpenError(
        `${image}: its snapshot could not be rebuilt (${message}): the file is damaged, or was written by a Vivarium that saved something this one cannot read. Nothing was written`,
      );
    }
  }
}
