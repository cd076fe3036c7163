// The one seam: every request the session makes of the kernel, with its reply, as one table (in
// the manner of nREPL's ops). Both sides are typed by it: the kernel's dispatcher has one handler
// per op, `Reply<'defs'>` is what the session gets back for `{ op: 'defs' }`, and the protocol
// document (PROTOCOL.md, `npm run protocol`) is written from the descriptors below.
//
// One convention for every reply: `{ ok: true, ...data }` or `{ ok: false, error }`. Session ops
// are what an engine (the terminal, batch mode, a remote client) may send; runner ops are the
// runner's own, for its timers and its watchdog, and never come from a session.
import type {
  CompileItem,
  CompiledItem,
  ControlAction,
  DeclarationInfo,
  DefinedInfo,
  DefSummary,
  Draws,
  ErrorInfo,
  HistoryInfo,
  InspectView,
  MigrationReport,
  ProcessInfo,
  TimerInfo,
} from './types.ts';

/** An image-changing op runs as one transaction; with `hold` it waits for `commit`/`abort`. */
interface Transactional {
  /** Sequence number of the operation in this image (names versions and stack frames). */
  entry: number;
  /**
   * Two-phase commit: staged and held (the transaction open) until the session has written the
   * journal record and sends `commit` (or `abort` when the write failed).
   */
  hold?: boolean;
}

export interface EvalParams extends Transactional {
  /** Script text that evaluates to the entry's wrapper function (see session/compile). */
  script: string;
  /** Whether the script awaits at its top level (its wrapper is an async function). */
  async: boolean;
  declarations: DeclarationInfo[];
  /** Who owns timers the entry starts: re-evaluating an entry with the same owner replaces them. */
  owner?: { key: string; label: string };
  /** `:check` (in a scratch guest): count every instance a migration would migrate or fail on,
   * keep nothing. */
  check?: boolean;
  /** Replaying the journal: print nothing, show no value, same semantics. */
  quiet?: boolean;
  /** Show the value with ANSI colours (a terminal). */
  colors?: boolean;
  /** Replaying the journal: hand back what the entry drew when it first ran. */
  draws?: Draws;
}

/** What an entry (or `:rollback`, `:stop`, ...) did. An awaiting entry answers once it settled. */
export interface EntryDone {
  /** The value as Node's REPL shows it (absent while held, and for quiet entries). */
  value?: string;
  defined: DefinedInfo[];
  printed: string[];
  /** Staged and waiting for `commit` or `abort`. */
  held?: boolean;
  /** What the entry drew from the world (what its replay hands back). */
  draws?: Draws;
  /** `:check` only. */
  migrations?: MigrationReport[];
}

type Empty = Record<never, never>;

/** Each op: what its request carries beyond `op`, what its successful reply carries beyond `ok`. */
export interface SessionOps {
  eval: { request: EvalParams; reply: EntryDone };
  commit: { request: { entry: number; display: boolean }; reply: EntryDone };
  abort: { request: { entry: number }; reply: Empty };
  rollback: { request: Transactional & { name: string; version?: number }; reply: EntryDone };
  control: {
    request: Transactional & { action: ControlAction; name: string };
    reply: EntryDone;
  };
  defs: { request: Empty; reply: { defs: DefSummary[] } };
  history: { request: { name: string }; reply: HistoryInfo };
  ps: { request: Empty; reply: { processes: ProcessInfo[]; timers: TimerInfo[] } };
  frame: { request: { name: string }; reply: { text: string } };
  complete: { request: { text: string }; reply: { from: number; candidates: string[] } };
  inspect: {
    /** Starts from the value of the last committed entry (`:inspect EXPR` evaluates EXPR as an
     * entry first, journaled like any other), or walks an inspection already started. */
    request: { last: true; path: string[] } | { id: number; path: string[] };
    reply: InspectView;
  };
  snapshot: { request: { history: string[] }; reply: { payload: string } };
  /** Before a snapshot: the ticks due in the next `ms` of logical time run now (see processes). */
  runAhead: { request: { ms: number }; reply: { ticks: number } };
  restoreBegin: {
    request: { payload: string };
    reply: { compile: CompileItem[]; history: string[] };
  };
  restoreFinish: { request: { scripts: CompiledItem[] }; reply: { next: RestoreNext } };
  restoreRun: { request: { stopped: boolean }; reply: { next: RestoreNext; failures: string[] } };
  /** `dropTimers`: the image was just opened; timers that replaying its journal set go (timers
   * belong to a session and are not saved, so the journal must not bring them back either). */
  clock: { request: { action: 'pause' | 'resume'; dropTimers?: boolean }; reply: Empty };
}

/** What kind of opening work comes next: the image's own code (bounded), the kernel's, or none. */
export type RestoreNext = 'user' | 'kernel' | 'done';

export interface RunnerOps {
  run: { request: Empty; reply: Empty };
  timer: { request: { id: number }; reply: Empty };
  overrun: { request: { what: 'run' | 'timer'; id?: number; bound: number }; reply: Empty };
  /** The reply text of the call before (isolated-vm threw a promise rejection out of it). */
  lastReply: { request: Empty; reply: { text?: string } };
}

export type Ops = SessionOps & RunnerOps;
export type OpName = keyof Ops;
export type SessionOpName = keyof SessionOps;

export type Request<N extends OpName = OpName> = N extends OpName
  ? { op: N } & Ops[N]['request']
  : never;

/** A failed op. An entry's failure also says what it printed and drew before failing. */
export interface Failure {
  ok: false;
  error: ErrorInfo;
  printed?: string[];
  draws?: Draws;
  /** `:check` only: the migrations it ran before failing. */
  migrations?: MigrationReport[];
}

/** A reply: `error` is there exactly when `ok` is false. */
export type Reply<N extends OpName = OpName> =
  ({ ok: true; error?: undefined } & Ops[N]['reply']) | Failure;

interface OpDescriptor {
  doc: string;
  /** The request carries this field as bulk text (copied once, never escaped into JSON). */
  bulkRequest?: string;
  /** The reply carries this field as bulk text. */
  bulkReply?: string;
}

/** The descriptors: documentation, and which fields travel as bulk text. */
export const SESSION_OPS: { [N in SessionOpName]: OpDescriptor } = {
  eval: { doc: 'Evaluates an entry as one transaction (answers once an awaiting entry settled).' },
  commit: { doc: 'Commits a held operation, then shows its value.' },
  abort: { doc: 'Rolls back a held or running operation.' },
  rollback: { doc: 'Makes an earlier version of a function or class current (`:rollback`).' },
  control: { doc: 'Stops, restarts or forgets a process, or clears a timer (`:stop #ID`).' },
  defs: {
    doc: 'The definitions: name, kind, version, live instances of classes, the package of a module.',
  },
  history: { doc: 'Every version of a definition, with its source as typed.' },
  ps: { doc: 'Processes and timers.' },
  frame: { doc: "A process's current text frame." },
  complete: { doc: 'Completions for the text before the cursor (names, properties).' },
  inspect: { doc: "An inspector view of the last committed entry's value, then walked by path." },
  snapshot: { doc: 'The whole image as JSON (definitions, history, heap).', bulkReply: 'payload' },
  runAhead: { doc: 'Before a snapshot: runs now the ticks due within the next ms.' },
  restoreBegin: {
    doc: 'Opening: reads a snapshot; says which versions to compile.',
    bulkRequest: 'payload',
  },
  restoreFinish: { doc: 'Opening: takes the compiled versions; lays out the rest of opening.' },
  restoreRun: { doc: 'Opening: runs the next units (the image code among them bounded).' },
  clock: { doc: 'Pauses or resumes logical time (paused while an image opens).' },
};

export const RUNNER_OPS: { [N in keyof RunnerOps]: OpDescriptor } = {
  run: { doc: 'Runs the process ticks that are due.' },
  timer: { doc: "Runs a timer's callback." },
  overrun: { doc: 'A tick or timer callback was stopped by its bound (or Ctrl-C).' },
  lastReply: {
    doc: "The previous call's reply, lost when an unhandled rejection was thrown out of that call.",
  },
};

/** The version of this table: bumped when an op changes incompatibly (remote clients check it). */
export const PROTOCOL_VERSION = 1;

/** Narrows a reply to its successful shape. */
export function succeeded<R extends { ok: boolean }>(reply: R): reply is Extract<R, { ok: true }> {
  return reply.ok;
}
