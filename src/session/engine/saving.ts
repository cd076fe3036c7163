// Saving the image: a snapshot taken from the guest and written to the store, after which the
// journal starts afresh; whether the session holds what the image on disk does not; and the
// divergence (the journal can no longer rebuild what the session shows) that refuses operations
// until a save succeeds. The engine runs these under its lock (engine.ts: save, saveNow,
// saveOnQuit); this file holds what they do and the state they keep.
import type { Request, SessionOpName } from '../../shared/ops.ts';
import type { GuestConnection, Outcome } from '../guest/guest.ts';
import type { Result } from '../result.ts';
import type { Step } from './journal-records.ts';
import type { Store } from './options.ts';
import type { Rebuilder } from './rebuild.ts';
import { takeSnapshot, SnapshotFailed, SnapshotGuestDied } from './image-io.ts';

/** What saving needs of the engine. */
export interface SaveHost {
  readonly guest: GuestConnection;
  readonly history: string[];
  readonly journal: Step[];
  readonly changedSinceSave: Set<string>;
  readonly rebuilder: Rebuilder;
  readonly entry: number;
  readonly options: { store?: Store };
  /** A stopped replay keeps the image read-only. */
  readonly readOnly: boolean;
  /** Opened with `--read-only`. */
  readonly readOnlyFile: boolean;
  /** Holds what the image on disk does not: `changed`, unless nothing may be written. */
  readonly dirty: boolean;
  /** The engine's save: `write` under its lock. */
  save(): Promise<{ path: string; bytes: number }>;
  request<N extends SessionOpName>(request: Request<N>, bound?: number): Promise<Outcome<N>>;
}

export class Saver {
  readonly #host: SaveHost;
  /** An operation was kept since the last snapshot (the engine's `dirty` reads it). */
  changed = false;
  /** How long the last snapshot took (the next one's processes run that far ahead). */
  #snapshotMs: number | undefined;
  /** When the image on disk was last saved (by this session, or before it was opened). */
  lastSaved: Date | undefined;

  constructor(host: SaveHost, savedAt: string | undefined) {
    this.#host = host;
    this.lastSaved = savedAt ? new Date(savedAt) : undefined;
  }

  /** Why the journal cannot rebuild what the session shows (until a save succeeds). */
  #diverged: string | undefined;
  /** The divergence is an image that cannot be saved: entries run (one may fix it), see below. */
  #fixable = false;

  diverge(reason: string, fixable = false): void {
    this.#diverged = reason;
    this.#fixable = fixable;
  }

  /** Operations run although the image cannot be saved now (see `retrySave`). */
  get unsaveable(): boolean {
    return !!this.#diverged && this.#fixable;
  }

  async saveNow(): Promise<{ message: string; unsaveable: boolean } | undefined> {
    try {
      await this.#host.save();
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
  async retrySave(result: Result): Promise<Result> {
    if (!this.#diverged || !this.#fixable) return result;
    const unsaved = await this.saveNow();
    const note = unsaved
      ? `the image still cannot be saved (${unsaved.message}); a crash now would lose what the stopped entry changed inside existing objects`
      : 'the image is saved again: everything shown is crash-safe';
    return { ...result, warning: result.warning ? `${result.warning}; ${note}` : note };
  }

  /** Operations are refused while the journal cannot rebuild the session (see journaled.ts). */
  refusal(): Result | undefined {
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

  /**
   * Writes a snapshot (to `path`: save as) and empties the journal. Throws with the guest's
   * message, naming the path to a value that cannot be saved; then nothing is written.
   */
  async write(path?: string): Promise<{ path: string; bytes: number }> {
    const host = this.#host;
    const store = host.options.store;
    if (!store) throw new Error('this session has no image file: start viv with --image PATH');
    if (store.readOnly)
      throw new Error('the image is open read-only (--read-only): nothing is written');
    const stop = host.rebuilder.stop;
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
        payload = await takeSnapshot(host.guest, host.history, ahead);
        this.#snapshotMs = performance.now() - started;
      } catch (error) {
        if (!(error instanceof SnapshotGuestDied)) throw error;
        // A process tick that killed the guest while the snapshot waited its turn is stopped
        // by the revival; the snapshot is then tried once more. One that kills it itself is not.
        const byTick = host.guest.culprit !== undefined;
        const rebuilt = await host.rebuilder.revive(error.reason);
        if (byTick && attempt === 1) continue;
        throw new SnapshotGuestDied(
          `${rebuilt} Nothing was saved; nothing is lost (the journal holds every entry)`,
        );
      }
    }
    await store.save(host.entry, payload, path);
    host.journal.length = 0;
    host.changedSinceSave.clear();
    host.rebuilder.snapshot = { payload, entry: host.entry };
    this.changed = false;
    this.#diverged = undefined;
    this.lastSaved = new Date();
    return { path: store.path, bytes: Buffer.byteLength(payload) };
  }

  /**
   * How far ahead processes run before a snapshot, so that none is late while the isolate encodes
   * (see takeSnapshot): half again the last snapshot's time, or before the first, an estimate from
   * the heap (about 25 ms per MB here), at most 10 s.
   */
  async #aheadMs(): Promise<number> {
    const expected = this.#snapshotMs ?? ((await this.#host.guest.heap()).used / 1e6) * 25;
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
  async saveOnQuit(): Promise<{ path: string; bytes: number } | undefined> {
    const host = this.#host;
    if (!host.options.store || host.readOnly || host.readOnlyFile) return undefined;
    const paused = await host.request({ op: 'clock', action: 'pause' });
    let ticking = false;
    if (paused.kind === 'reply' && paused.reply.ok) {
      const ps = await host.request({ op: 'ps' });
      ticking =
        ps.kind === 'reply' &&
        ps.reply.ok &&
        ps.reply.processes.some((p) => p.status === 'running');
    }
    if (!host.dirty && !ticking) return undefined;
    return host.save();
  }
}
