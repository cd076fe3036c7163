// Splits a stream of lines into entries the way the REPL does: a line that completes the text
// submits it, an incomplete one waits for more (as in the Node REPL), a `:command` line is one
// entry of its own, and `:{` ... `:}` groups any lines into one entry (as in GHCi).
import { completeAnalysis } from './analyze.ts';
import type { AnalyzedEntry } from './analyze.ts';

/** An entry read: its text, its analysis when it was analysed to know it was complete. */
export interface ReadEntry {
  text: string;
  analysis?: AnalyzedEntry;
  /** It cannot be run as it stands (the input ended inside a `:{` group). */
  error?: string;
}

/** `:check ENTRY`'s entry (which may go on for lines); undefined for any other text. */
export function checkedEntry(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed.startsWith(':check') ? trimmed.slice(':check'.length) : undefined;
}

/**
 * A `:command` other than `:check`: one line, an entry of its own, never analysed as TypeScript.
 * (A `:{` line starts a group: callers look for that first.)
 */
export function isCommandLine(text: string): boolean {
  return text.trim().startsWith(':') && checkedEntry(text) === undefined;
}

export class EntryReader {
  #buffer: string[] = [];
  #grouping = false;

  /** Feeds one line; returns the entry it completes, if any. */
  push(line: string): ReadEntry | undefined {
    if (this.#grouping) {
      if (line.trim() === ':}') {
        this.#grouping = false;
        return { text: this.#take() };
      }
      this.#buffer.push(line);
      return undefined;
    }
    if (this.#buffer.length === 0) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('//')) return undefined;
      if (trimmed === ':{') {
        this.#grouping = true;
        return undefined;
      }
      if (isCommandLine(trimmed)) return { text: trimmed };
    }
    this.#buffer.push(line);
    const text = this.#buffer.join('\n');
    const checked = checkedEntry(text);
    const body = checked ?? text;
    if (body.trim() === '') return { text: this.#take() };
    const analysis = completeAnalysis(body);
    if (analysis === 'incomplete') return undefined;
    this.#take();
    return analysis === 'error' || checked !== undefined ? { text } : { text, analysis };
  }

  /** True while an entry is open (for the continuation prompt). */
  get pending(): boolean {
    return this.#grouping || this.#buffer.length > 0;
  }

  /**
   * At end of input: an incomplete entry is submitted as it stands (it reports its error); an
   * open `:{` group is not run at all (its `:}` never came).
   */
  flush(): ReadEntry | undefined {
    const grouping = this.#grouping;
    this.#grouping = false;
    if (grouping) {
      const lines = this.#buffer.length;
      this.#take();
      return {
        text: ':{',
        error: `the input ended inside a :{ group (${lines} line${lines === 1 ? '' : 's'}, no :} line): it was not run`,
      };
    }
    return this.#buffer.length ? { text: this.#take() } : undefined;
  }

  /** Drops an open entry (Ctrl-C on a continuation line). */
  clear(): void {
    this.#buffer = [];
    this.#grouping = false;
  }

  #take(): string {
    const text = this.#buffer.join('\n');
    this.#buffer = [];
    return text;
  }
}
