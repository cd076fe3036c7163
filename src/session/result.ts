// What one entry or command gives back: exactly the JSON object batch mode prints with --json.
import type { DefinedInfo, ErrorInfo, InspectView, MigrationReport } from '../shared/types.ts';

export interface ResultError extends ErrorInfo {
  /** The user's own line the error points at (for a caret display). */
  sourceLine?: string;
  /** The file `line` is in, for files applied as one entry (`:load`, `:import`, `:edit`). */
  file?: string;
}

export interface Result {
  ok: boolean;
  value?: string;
  error?: ResultError;
  defined?: DefinedInfo[];
  printed: string[];
  migrations?: MigrationReport[];
  /** `:check ENTRY`: what the entry would do now (the check itself changed nothing). */
  check?: {
    ok: boolean;
    value?: string;
    error?: ResultError;
    printed?: string[];
    defined?: DefinedInfo[];
  };
  /** The entry was accepted, but something after its commit failed (printing its value). */
  warning?: string;
  /** A command asks the terminal to open a panel (`:inspect`, `:frame`); batch mode ignores it. */
  panel?:
    { kind: 'inspect'; expression: string; view: InspectView } | { kind: 'frame'; name: string };
}
