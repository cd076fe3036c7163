// Entries on their way to the guest: analysed (types stripped, declarations found) and rewritten
// once, into the `eval` request the kernel runs; and errors from the guest mapped back to what was
// typed. The last entries' analyses are kept for that mapping.
import type { Request } from '../../shared/ops.ts';
import type { ErrorInfo } from '../../shared/types.ts';
import { analyze } from '../compile/analyze.ts';
import type { AnalyzedEntry } from '../compile/analyze.ts';
import { rewrite } from '../compile/rewrite.ts';
import { compileEntry } from '../compile/compiled-cache.ts';
import type { GuestScript } from '../compile/rewrite.ts';
import { locateError, mapFrames } from '../compile/locate-error.ts';
import type { ResultError } from '../result.ts';

export interface CompiledEntry {
  analysis: AnalyzedEntry;
  script: GuestScript;
  request: Request<'eval'>;
}

const KEPT = 200;

/**
 * Long entries compiled lately in this process, by text and name: a process that opens many new
 * images (tests, a server) compiles the standard library's entries (~12 ms of CPU) once. What is
 * kept is never changed after it is made; a request copies what it sends.
 */
const recent = new Map<string, { analysis: AnalyzedEntry; script: GuestScript; length: number }>();
const RECENT = 16;
const LONG = 2000;
/**
 * At most this many characters of entries kept (the standard library's are ~16,500). A compiled
 * entry takes ~110 times its length in heap (tree, positions, script): 16 pasted entries of 1.2 MB
 * each were 2.2 GB, kept by the process after their sessions had gone.
 */
const RECENT_CHARS = 128 * 1024;
let recentChars = 0;

export class EntryCompiler {
  readonly #kept = new Map<number, { analysis: AnalyzedEntry; script: GuestScript }>();

  /**
   * The `eval` request for an entry (throws EntrySyntaxError or IncompleteEntry). `analysis` may
   * be handed in when the caller analysed the text already (the entry reader, to know it was
   * complete): an entry is parsed once.
   */
  compile(
    source: string,
    entry: number,
    options: {
      check?: boolean;
      quiet?: boolean;
      colors?: boolean;
      analysis?: AnalyzedEntry;
      /** Kept compiled however short (the standard library's entries, loaded by every new image). */
      keep?: boolean;
    } = {},
  ): CompiledEntry {
    const sourceName = `REPL${entry}`;
    const key =
      (source.length >= LONG || !!options.keep) &&
      source.length <= RECENT_CHARS &&
      !options.analysis &&
      `${!!options.check}\0${sourceName}\0${source}`;
    const rewriting = { checkOnly: options.check, sourceName };
    // A long entry not compiled lately in this process: from the cache on disk (compileEntry).
    const done = key ? (recent.get(key) ?? compileEntry(source, rewriting)) : undefined;
    const analysis = done?.analysis ?? options.analysis ?? analyze(source);
    const script = done?.script ?? rewrite(analysis, rewriting);
    if (key && !recent.has(key)) {
      recent.set(key, { analysis, script, length: source.length });
      recentChars += source.length;
      while (recent.size > RECENT || recentChars > RECENT_CHARS) {
        const [oldest, kept] = recent.entries().next().value!;
        recent.delete(oldest);
        recentChars -= kept.length;
      }
    }
    this.#kept.set(entry, { analysis, script });
    if (this.#kept.size > KEPT) this.#kept.delete(this.#kept.keys().next().value!);
    const request: Request<'eval'> = {
      op: 'eval',
      entry,
      script: script.code,
      async: script.async,
      declarations: analysis.declarations,
      owner: ownerOf(analysis, source),
      ...(options.check ? { check: true } : {}),
      ...(options.quiet ? { quiet: true } : {}),
      ...(options.colors ? { colors: true } : {}),
    };
    return { analysis, script, request };
  }

  /** The names an entry defined (of one compiled recently). */
  names(entry: number): string[] {
    return this.#kept.get(entry)?.analysis.declarations.map((d) => d.name) ?? [];
  }

  /** An error from the guest, pointed at the line and column of what was typed. */
  locate(error: ErrorInfo): ResultError {
    return locateError(error, (n) => this.#kept.get(n));
  }

  /** Printed text with the stack frames of recent entries pointed at what was typed. */
  mapFrames(text: string): string;
  mapFrames(text: string | undefined): string | undefined;
  mapFrames(text: string | undefined): string | undefined {
    return text === undefined || !text.includes('REPL')
      ? text
      : mapFrames(text, (n) => this.#kept.get(n));
  }
}

/**
 * Who owns the timers an entry starts: what it defines, or else its text. Evaluating an entry with
 * the same owner again replaces those timers instead of leaving the old ones running.
 */
function ownerOf(analysis: AnalyzedEntry, source: string): { key: string; label: string } {
  const names = analysis.declarations.map((d) => d.name);
  if (names.length)
    return { key: `defines ${names.join(',')}`, label: `entry defining ${names.join(', ')}` };
  const line = source.trim().split('\n')[0] ?? '';
  return {
    key: `text ${source.trim()}`,
    label: line.length > 60 ? line.slice(0, 57) + '...' : line,
  };
}
