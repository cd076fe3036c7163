// Splits a stream of lines into entries the way the REPL does: a line that completes the text
// submits it, an incomplete one waits for more (as in the Node REPL), a `:command` line is one
// entry of its own, and `:{` ... `:}` groups any lines into one entry (as in GHCi).
import { isComplete } from './analyze.ts';

export class EntryReader {
  #buffer: string[] = [];
  #grouping = false;

  /** Feeds one line; returns the entry it completes, if any. */
  push(line: string): string | undefined {
    if (this.#grouping) {
      if (line.trim() === ':}') {
        this.#grouping = false;
        return this.#take();
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
      if (trimmed.startsWith(':') && !trimmed.startsWith(':check')) return trimmed;
    }
    this.#buffer.push(line);
    const text = this.#buffer.join('\n');
    const body = text.trim().startsWith(':check') ? text.trim().slice(':check'.length) : text;
    return body.trim() === '' || isComplete(body) ? this.#take() : undefined;
  }

  /** True while an entry is open (for the continuation prompt). */
  get pending(): boolean {
    return this.#grouping || this.#buffer.length > 0;
  }

  /** At end of input: whatever is open, submitted as it stands (it will report its error). */
  flush(): string | undefined {
    this.#grouping = false;
    return this.#buffer.length ? this.#take() : undefined;
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
