// What a face of Vivarium (the terminal UI, batch mode, a notebook) needs of a session: submit an
// entry or a `:command`, ask the image a query op, stop what runs, and read a few facts for the
// status line. The in-process `Engine` is one; `RemoteSession` (serve/client.ts) is the other,
// the same calls over a socket to a served image. Nothing that uses a port knows which it has.
import type { Request, SessionOpName } from '../shared/ops.ts';
import type { AnalyzedEntry } from './compile/analyze.ts';
import type { Outcome } from './guest/guest.ts';
import type { Result } from './result.ts';

export interface SessionPort {
  readonly options: {
    readonly memoryMB: number;
    readonly colors?: boolean;
    /** The standard library entered before the user's (the panel folds its definitions). */
    readonly prelude?: readonly { file: string; source: string }[];
  };
  /** Entries and commands typed before, oldest first (the REPL's history). */
  readonly history: readonly string[];
  /** The image holds entries not yet in a snapshot. */
  readonly dirty: boolean;
  /** Names defined or rolled back since the last snapshot (the definitions panel marks them). */
  readonly changedSinceSave: ReadonlySet<string>;
  readonly lastSaved: Date | undefined;
  /** Opened with `--read-only`. */
  readonly readOnlyFile: boolean;
  readonly imagePath: string | undefined;
  /**
   * Resolves once the image is open, rejects if it cannot be (absent: it is open). The terminal
   * draws itself while it opens (opening-port.ts); what needs the image waits for it.
   */
  readonly opening?: Promise<void>;
  /** `:quit` (or, remotely, detaching) was asked for: the face ends after this entry. */
  readonly quitRequested: boolean;
  /** An entry (one transaction) or a `:command`, as typed. */
  submit(text: string, analysis?: AnalyzedEntry): Promise<Result>;
  /** One query op of the op table (defs, history, ps, frame, complete, inspect). */
  request<N extends SessionOpName>(request: Request<N>): Promise<Outcome<N>>;
  heap(): Promise<{ used: number; limit: number }>;
  /** Ctrl-C: stops the running entry (or the tick or timer that runs now). */
  interrupt(): void;
  requestQuit(save?: boolean): void;
  /**
   * Calls `listener` when someone else changed the definitions (another client of a served
   * image); answers the function that stops it. Absent: nobody else can.
   */
  onChange?(listener: () => void): () => void;
}
