// The way into the terminal UI for what is not the answer to an entry: the session writes to the
// printer it was given (cli.ts, serve/attach.ts), and the App, once drawn, points it at itself.
import type { Progress } from '../shared/types.ts';

export interface Printer {
  /** Set by the App: where output that belongs to no entry (timers, processes) goes. */
  print: (text: string) => void;
  /** Lines printed before the App was drawn (the session opening meanwhile): it shows them first. */
  held?: string[];
  /** Set by the App: a command offered to the person (the rollback after a process crashed). */
  offer?: (command: string) => void;
  /** Set by the App: how far long work in the guest has got (shown while an entry runs). */
  progress?: (progress: Progress) => void;
}
