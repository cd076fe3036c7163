// The one seam between host and guest: plain data requests into the kernel, plain data replies
// out, and a few notifications the guest raises through host capabilities. Nothing else crosses.

/** What analysis learned of a class version (sent with the class, kept with the version). */
export interface ClassMeta {
  /** Public instance field names, in order (the state shape). */
  fields: string[];
  /** Private instance field names (`#x`). */
  privateFields: string[];
  /** Private instance methods and accessors. */
  privateMethods: string[];
  /** Private static members (fields, methods, accessors). */
  staticPrivates: string[];
  /** Compiled with the stamp mode described above. */
  stampable: boolean;
  /** What `C.length` is: the constructor's count of parameters before a default or rest. */
  length: number;
}

export type DefKind = 'function' | 'class' | 'const' | 'let' | 'var';

/** A declaration of an entry as the host's analysis saw it. */
export interface DeclarationInfo {
  name: string;
  kind: DefKind;
  binding: 'function' | 'class' | 'const' | 'let' | 'var';
  once: boolean;
  /** The declaration's text as typed (TypeScript included). */
  source: string;
}

export interface EvalRequest {
  op: 'eval';
  /** Sequence number of the entry in this image (names versions and stack frames). */
  entry: number;
  /** Script text that evaluates to the entry's wrapper function. */
  script: string;
  declarations: DeclarationInfo[];
  /** Who owns timers the entry starts: re-evaluating an entry with the same owner replaces them. */
  owner?: { key: string; label: string };
  /** `:check`: run migrations on copies and roll everything back. */
  check?: boolean;
  /** Replaying the journal: print nothing, same semantics. */
  quiet?: boolean;
  /** Show the value with ANSI colours (a terminal). */
  colors?: boolean;
  /**
   * Two-phase commit: a successful entry is staged and held (its transaction still open) until
   * the host has written its journal record and sends `commit` (or `abort` when the write failed).
   */
  hold?: boolean;
  /** Replaying the journal: hand back what the entry drew when it first ran. */
  draws?: Draws;
}

/** What an entry drew from the world: its random seed and the clock readings it made. */
export interface Draws {
  /** The seed of `Math.random` (only when the entry drew from it). */
  seed?: number[];
  /** `Date.now()`, `new Date()`, `Date()`, in order. */
  epoch?: number[];
  /** `performance.now()`, in order. */
  perf?: number[];
}

/** `:stop`, `:restart`, `:forget` (stop and remove from the image). */
export type ControlAction = 'stop' | 'restart' | 'forget';

export type Request =
  | EvalRequest
  | { op: 'defs' }
  | { op: 'history'; name: string }
  | { op: 'rollback'; name: string; version?: number; entry: number; hold?: boolean }
  | { op: 'abort'; entry: number }
  /** The held entry's journal record is on disk: commit it, then show its value. */
  | { op: 'commit'; entry: number; display: boolean }
  | { op: 'timer'; id: number }
  /** The host stopped a `run` or a `timer` call that ran past its bound. */
  | { op: 'overrun'; what: 'run' | 'timer'; id?: number; bound: number }
  /** Runs the processes' ticks that are due. */
  | { op: 'run' }
  /** Logical time stands still while the image is being opened or rebuilt. */
  | { op: 'clock'; action: 'pause' | 'resume' }
  /** `:ps`: processes and timers. */
  | { op: 'ps' }
  /** `:stop NAME` / `:restart NAME` / `:forget NAME` (a process, or `#ID` for a timer). */
  | { op: 'control'; action: ControlAction; name: string; entry: number; hold?: boolean }
  /** A process's text frame (its view of its state). */
  | { op: 'frame'; name: string }
  /** The whole image as JSON; the reply is `{"ok":true,"payload":<that JSON>}`, built unescaped. */
  | { op: 'snapshot'; history: string[] }
  /** Tab completion of the text before the cursor. */
  | { op: 'complete'; text: string }
  /** `:inspect`: `code` (stripped JS of an expression) starts a session; `id` + `path` walk it. */
  | { op: 'inspect'; code?: string; id?: number; path: string[] }
  /** Opening a saved image: the snapshot's JSON travels as the request's bulk data. */
  | { op: 'restoreBegin' }
  | { op: 'restoreFinish'; scripts: { name: string; version: number; script: string }[] }
  /** Runs the next units of opening; `stopped`: the unit that was running was stopped. */
  | { op: 'restoreRun'; stopped: boolean };

/** The reply to `snapshot` starts with exactly this text. */
export const SNAPSHOT_REPLY_PREFIX = '{"ok":true,"payload":';

export interface DefinedInfo {
  name: string;
  kind: DefKind;
  version: number;
  /** `once` definitions that already existed keep their value. */
  kept?: boolean;
}

export interface ErrorInfo {
  name: string;
  message: string;
  stack?: string;
  /** Position in the entry's text, 1-based, when the error points into it. */
  line?: number;
  column?: number;
  /** For migration errors: which definition, version and instance. */
  definition?: string;
  version?: number;
  instance?: string;
}

export interface MigrationReport {
  name: string;
  fromVersion: number;
  toVersion: number;
  instances: number;
  migrated: number;
  failed: number;
  failures: { instance: string; error: string }[];
}

export interface EvalReply {
  ok: boolean;
  value?: string;
  error?: ErrorInfo;
  defined: DefinedInfo[];
  printed: string[];
  /** The entry awaits: the final reply comes later as a `settled` notification. */
  pending?: boolean;
  /** `:check` only. */
  migrations?: MigrationReport[];
  /** The entry is staged and waits for `commit` or `abort` (an eval with `hold`). */
  held?: boolean;
  /** What the entry drew from the world (not for `:check`): what its replay hands back. */
  draws?: Draws;
}

export interface DefSummary {
  name: string;
  kind: DefKind;
  version: number;
  instances?: number;
  once?: boolean;
}

export interface VersionInfo {
  version: number;
  kind: DefKind;
  source: string;
  time: number;
  entry: number;
  /** The version that was current when this one was made. */
  parent?: number;
}

export interface HistoryEvent {
  type: 'define' | 'rollback';
  version: number;
  from?: number;
  time: number;
  entry: number;
}

export interface HistoryReply {
  name: string;
  kind: DefKind;
  current: number;
  versions: VersionInfo[];
  events: HistoryEvent[];
}

/** Messages the guest sends on its own (through host capabilities). */
export type GuestNotice =
  | { type: 'print'; stream: 'out' | 'err'; text: string }
  | { type: 'settled'; entry: number; reply: EvalReply }
  | { type: 'timer'; action: 'set'; id: number; delay: number }
  | { type: 'timer'; action: 'clear'; id: number }
  /** How far long work inside one call has got (the terminal shows it). */
  | ({ type: 'progress' } & Progress)
  /** The earliest process tick is due at host time `at` (-1: none). */
  | { type: 'wake'; at: number }
  /** A process restarted after a crash, or stopped for good. */
  | {
      type: 'process';
      event: 'restarted' | 'crashed';
      name: string;
      message: string;
      suspect?: Suspect;
    }
  /** OSC messages to send over UDP, each in a bundle timestamped `time` (host ms, latency in). */
  | { type: 'osc'; messages: OscMessage[] };

export interface OscMessage {
  host: string;
  port: number;
  time: number;
  address: string;
  args: OscArg[];
}

export type OscArg = { type: 'integer' | 'float' | 'string' | 'true' | 'false'; value?: unknown };

export interface Progress {
  what: string;
  done: number;
  total?: number;
}

/** The redefinition that probably made a process crash. */
export interface Suspect {
  name: string;
  version: number;
  /** The version before it, what a rollback goes back to. */
  previous: number;
  entry: number;
}

export interface ProcessInfo {
  name: string;
  status: 'running' | 'stopped' | 'crashed';
  period: string;
  ticks: number;
  restarts: number;
  lastError?: string;
  /** Lateness of recent ticks, in milliseconds. */
  lateP99: number;
  lateMax: number;
  suspect?: Suspect;
}

export interface TimerInfo {
  id: number;
  kind: 'timeout' | 'interval';
  delay: number;
  owner: string;
  fired: number;
}
