// Batch mode: entries from standard input, through exactly the engine the terminal UI uses. With
// --json, exactly one JSON object per entry (commands included) on its own line, and one per line
// printed between entries (by a timer, a promise or a process: `printedLine`), nothing else.
import type { SessionPort } from './port.ts';
import { EntryReader } from './compile/entry-reader.ts';
import type { ReadEntry } from './compile/entry-reader.ts';
import type { Result } from './result.ts';
import { renderResult } from './render.ts';

export interface BatchOptions {
  json: boolean;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Resolves when the session must end (a signal, a closed output): no more input is read. */
  stopped?: Promise<void>;
}

/**
 * `--json`: what a timer, a promise or a process printed after its entry had finished, as its own
 * JSON line (`stream` only for standard error), so that a script reading the output loses nothing.
 */
export function printedLine(stream: 'out' | 'err', text: string): string {
  return JSON.stringify({
    printed: [text],
    source: 'timer',
    ...(stream === 'err' ? { stream } : {}),
  });
}

/** Runs every entry; resolves to the exit status (0 all succeeded, 1 any failed). */
export async function runBatch(
  engine: Pick<SessionPort, 'submit' | 'quitRequested'>,
  options: BatchOptions,
): Promise<number> {
  const reader = new EntryReader();
  let failed = false;
  const write = (text: string) => {
    try {
      options.output.write(text + '\n');
    } catch {
      // A closed output is reported once by the CLI (EPIPE), which then ends the session.
    }
  };
  const submit = async ({ text, analysis, error }: ReadEntry) => {
    const result: Result = error
      ? { ok: false, error: { name: 'SyntaxError', message: error }, printed: [] }
      : await engine.submit(text, analysis);
    if (!result.ok) failed = true;
    write(options.json ? JSON.stringify(result) : renderResult(result));
  };
  for await (const line of lines(options.input, options.stopped)) {
    const entry = reader.push(line);
    if (entry !== undefined) await submit(entry);
    if (engine.quitRequested) break;
  }
  const rest = engine.quitRequested ? undefined : reader.flush();
  if (rest !== undefined) await submit(rest);
  return failed ? 1 : 0;
}

/**
 * The input's lines, split at "\n" only (a "\r" before it is dropped): U+2028, U+2029 and a
 * lone "\r" are characters of an entry (inside a string, say), not line ends as readline has it.
 * Stops early when `stopped` resolves.
 */
async function* lines(
  input: NodeJS.ReadableStream,
  stopped?: Promise<void>,
): AsyncGenerator<string> {
  let ended = false;
  void stopped?.then(() => {
    ended = true;
    (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  });
  const decoder = new TextDecoder();
  let rest = '';
  try {
    for await (const chunk of input) {
      if (ended) return;
      rest +=
        typeof chunk === 'string' ? chunk : decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = rest.indexOf('\n')) !== -1) {
        const line = rest.slice(0, newline);
        rest = rest.slice(newline + 1);
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
        if (ended) return;
      }
    }
  } catch (error) {
    if (!ended) throw error;
    return;
  }
  if (ended) return;
  rest += decoder.decode();
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}
