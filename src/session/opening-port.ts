// The terminal's session while its image opens. The REPL draws itself and takes keys at once,
// without waiting for the guest runner (Node without its startup snapshot, the kernel, the
// snapshot, the journal's replay: most of the time to a usable session). What needs the image
// waits for it: an entry typed meanwhile runs once the image is open, Tab completes then, and the
// panel fills in. Ctrl-C stops the step being replayed; giving up (Ctrl-D, a second Ctrl-C)
// cancels the opening, which writes nothing.
import type { Request, SessionOpName } from '../shared/ops.ts';
import type { AnalyzedEntry } from './compile/analyze.ts';
import type { Engine } from './engine/engine.ts';
import type { Outcome } from './guest/guest.ts';
import type { SessionPort } from './port.ts';
import type { Result } from './result.ts';
import { helpText } from './commands/commands.ts';

/** What the opening can be asked while it runs (see signals.ts `watchOpening`). */
export interface OpeningKeys {
  /** Ctrl-C: stops the step being replayed (a second one gives up). */
  interrupt(): void;
  /** Gives up opening: nothing is written. */
  cancel(): void;
}

export class OpeningPort implements SessionPort {
  readonly #keys: OpeningKeys;
  readonly #options: SessionPort['options'];
  #engine: Engine | undefined;
  #failure: string | undefined;
  /** The person gave up while the image opened. */
  #gaveUp = false;
  /** Resolves once the image is open; rejects when it could not be opened (or was given up). */
  readonly opening: Promise<void>;
  readonly imagePath: string | undefined;
  readonly readOnlyFile: boolean;

  constructor(
    opened: Promise<Engine>,
    facts: { options: SessionPort['options']; imagePath?: string; readOnly: boolean },
    keys: OpeningKeys,
  ) {
    this.#keys = keys;
    this.#options = facts.options;
    this.imagePath = facts.imagePath;
    this.readOnlyFile = facts.readOnly;
    this.opening = opened.then(
      (engine) => {
        this.#engine = engine;
      },
      (error: Error) => {
        this.#failure = error?.message ?? String(error);
        throw error;
      },
    );
    this.opening.catch(() => {});
  }

  /** The engine, once the image is open. */
  get engine(): Engine | undefined {
    return this.#engine;
  }

  get options(): SessionPort['options'] {
    return this.#engine?.options ?? this.#options;
  }
  get history(): readonly string[] {
    return this.#engine?.history ?? [];
  }
  get dirty(): boolean {
    return this.#engine?.dirty ?? false;
  }
  get changedSinceSave(): ReadonlySet<string> {
    return this.#engine?.changedSinceSave ?? new Set();
  }
  get lastSaved(): Date | undefined {
    return this.#engine?.lastSaved;
  }
  get quitRequested(): boolean {
    return this.#engine?.quitRequested ?? (this.#gaveUp || this.#failure !== undefined);
  }

  async submit(text: string, analysis?: AnalyzedEntry): Promise<Result> {
    // `:help` (the status line offers it) needs no image: answered at once.
    if (!this.#engine && text.trim() === ':help') {
      return { ok: true, value: helpText(), printed: [] };
    }
    const engine = await this.#ready();
    if (!engine) {
      const message = `the image was not opened (${this.#failure}): the entry did not run`;
      return { ok: false, error: { name: 'Error', message }, printed: [] };
    }
    return engine.submit(text, analysis);
  }

  async request<N extends SessionOpName>(request: Request<N>): Promise<Outcome<N>> {
    const engine = await this.#ready();
    if (!engine) return { kind: 'died', reason: `the image was not opened (${this.#failure})` };
    return engine.request(request);
  }

  async heap(): Promise<{ used: number; limit: number }> {
    const engine = await this.#ready();
    return engine ? engine.heap() : { used: 0, limit: this.#options.memoryMB * 1024 * 1024 };
  }

  interrupt(): void {
    if (this.#engine) this.#engine.interrupt();
    else this.#keys.interrupt();
  }

  requestQuit(save?: boolean): void {
    if (this.#engine) return this.#engine.requestQuit(save);
    this.#gaveUp = true;
    this.#keys.cancel();
  }

  /** Gives up opening if it is still going on (the REPL ended before the image was open). */
  giveUp(): void {
    if (this.#engine || this.#failure !== undefined) return;
    this.#gaveUp = true;
    this.#keys.cancel();
  }

  async #ready(): Promise<Engine | undefined> {
    await this.opening.catch(() => {});
    return this.#engine;
  }
}
