// What an engine is opened with, and its view of an image on disk.
import type { GuestFactory } from '../guest/guest.ts';
import type { Runner } from '../guest/spawn.ts';
import type { Result } from '../result.ts';
import type { JournalRecord } from './journal-records.ts';
import type { ProcessEvent } from './process-events.ts';

/** A process tick or a timer callback that runs longer is stopped (`--timeout` overrides). */
export const DEFAULT_CALLBACK_BOUND_MS = 2_000;

export interface EngineOptions {
  memoryMB?: number;
  /** Bound on each entry in milliseconds, awaited promises included (0: none). */
  timeoutMs?: number;
  /** Bound on each step of opening an image (replayed entries, revive hooks); default 10 s. */
  openTimeoutMs?: number;
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
  onProgress?: (progress: { what: string; done: number; total?: number }) => void;
  /** When a redefinition makes a process crash past its restart intensity, roll it back. */
  autoRollback?: boolean;
  /** Filled in by `open`: what Ctrl-C and Ctrl-D do while the image is being opened. */
  opening?: OpeningControl;
  /** `:commands` typed as entries go here (session/commands; injected, so the engine needs none). */
  command?: (text: string) => Promise<Result>;
  /** While processes run, journal their tick counts at most this often (ms; 0: never), so that
   * opening after a crash can say which ticks run again (tick-records.ts). Default 2 s. */
  tickRecordMs?: number;
  /** How the guest is started (default: a runner child process). */
  guest?: GuestFactory;
}

export interface OpeningControl {
  /** Stops the step being replayed (the replay stops there). */
  interrupt?: () => void;
  /** Gives up opening: nothing is written. */
  cancel?: () => void;
}

/** The engine's view of an image on disk (session/store implements it). */
export interface Store {
  readonly path: string;
  /** The saved snapshot's JSON (null for a new image) and the last entry number it holds. */
  readonly payload: string | null;
  readonly savedEntry: number;
  /** Records journaled since that snapshot, in order. */
  readonly journal: readonly object[];
  /** What opening found worth telling (a torn last line set aside, a stale lock taken over). */
  readonly notices?: readonly string[];
  /** When the snapshot on disk was saved (ISO time; absent for a new image). */
  readonly savedAt?: string;
  /** Opened with `--read-only`: nothing is ever written (entries live in memory only). */
  readonly readOnly?: boolean;
  append(record: JournalRecord): Promise<void>;
  save(entry: number, payload: string, path?: string): Promise<void>;
  close(): Promise<void>;
}
