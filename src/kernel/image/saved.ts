// The saved image's shape, shared by saving (save.ts) and opening (restore.ts).
import type { DefKind, HistoryEvent } from '../../shared/types.ts';
import type { Version } from '../definitions/namespace.ts';
import type { EncodedHeap } from './encode.ts';

/** A version as stored: everything but the compiled implementation. */
export type SavedVersion = Omit<Version, 'impl' | 'staticFields'> & { staticFields?: string[] };

export interface SavedDefinition {
  name: string;
  kind: DefKind;
  once: boolean;
  transient: boolean;
  current: number;
  events: HistoryEvent[];
  versions: SavedVersion[];
}

export interface SavedImage {
  definitions: SavedDefinition[];
  heap: EncodedHeap;
  /** The REPL's entry history (what was typed, newest last), kept with the image. */
  history?: string[];
}

/** What the host must compile for `restoreFinish`. */
export interface CompileRequest {
  name: string;
  version: number;
  source: string;
}

/** The root under which processes are saved (not an identifier: no definition can clash). */
export const PROCESSES_ROOT = '(processes)';

export const isValueKind = (kind: DefKind) =>
  kind === 'const' || kind === 'let' || kind === 'var' || kind === 'enum';
