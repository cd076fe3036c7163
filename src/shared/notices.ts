// What the guest says on its own, between and during requests (through the `notify` capability
// the runner hands to the kernel's `boot`). The runner acts on some itself (timers, the wake-up of
// processes, OSC, an awaiting entry settling) and passes the rest to the session.
import type { EntryDone, Failure } from './ops.ts';
import type { OscMessage, Progress, Suspect } from './types.ts';

/** Notices the session receives. */
export type SessionNotice =
  | { type: 'print'; stream: 'out' | 'err'; text: string }
  /** How far long work inside one call has got (the terminal shows it). */
  | ({ type: 'progress' } & Progress)
  /** A process restarted after a crash, or stopped for good. */
  | {
      type: 'process';
      event: 'restarted' | 'crashed' | 'skipped';
      name: string;
      message: string;
      suspect?: Suspect;
    };

/** Notices only the runner sees. */
export type RunnerNotice =
  /** An entry that awaited has settled: the reply to its `eval`. */
  | { type: 'settled'; entry: number; reply: ({ ok: true } & EntryDone) | Failure }
  | { type: 'timer'; action: 'set'; id: number; delay: number }
  | { type: 'timer'; action: 'clear'; id: number }
  /** A process's tick starts (if the guest dies now, that process is stopped on revival). */
  | { type: 'tick'; name: string }
  /** The earliest process tick is due at host time `at` (-1: none). */
  | { type: 'wake'; at: number }
  /** OSC messages to send over UDP, each in a bundle timestamped `time` (host ms, latency in). */
  | { type: 'osc'; messages: OscMessage[] };

export type GuestNotice = SessionNotice | RunnerNotice;
