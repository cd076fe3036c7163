// Batch mode: entries from standard input, through exactly the engine the terminal UI uses. With
// --json, exactly one JSON object per entry (commands included) on its own line and nothing else.
import { createInterface } from 'node:readline';
import type { Engine } from './engine/engine.ts';
import { EntryReader } from './compile/entry-reader.ts';
import { renderResult } from './render.ts';

export interface BatchOptions {
  json: boolean;
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Resolves when the session must end (a signal, a closed output): no more input is read. */
  stopped?: Promise<void>;
}

/** Runs every entry; resolves to the exit status (0 all succeeded, 1 any failed). */
export async function runBatch(engine: Engine, options: BatchOptions): Promise<number> {
  const reader = new EntryReader();
  let failed = false;
  const write = (text: string) => {
    try {
      options.output.write(text + '\n');
    } catch {
      // A closed output is reported once by the CLI (EPIPE), which then ends the session.
    }
  };
  const submit = async (text: string) => {
    const result = await engine.submit(text);
    if (!result.ok) failed = true;
    write(options.json ? JSON.stringify(result) : renderResult(result));
  };
  const lines = createInterface({ input: options.input, crlfDelay: Infinity });
  void options.stopped?.then(() => lines.close());
  for await (const line of lines) {
    const entry = reader.push(line);
    if (entry !== undefined) await submit(entry);
    if (engine.quitRequested) break;
  }
  const rest = engine.quitRequested ? undefined : reader.flush();
  if (rest !== undefined) await submit(rest);
  return failed ? 1 : 0;
}
