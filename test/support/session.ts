// Entries through the real engine, kernel and isolate, in this process (no CLI, no runner
// process): what `batch()` answers, in milliseconds instead of half a second. The guest runs in
// process (session/guest/in-process.ts); the image, when given, is a real file with its journal.
// Tests of the command line itself, of crashes and of running out of memory use the real CLI.
import { openSession } from '../../src/session/open-session.ts';
import type { EngineOptions } from '../../src/session/engine/engine.ts';
import { InProcessGuest } from '../../src/session/guest/in-process.ts';
import { EntryReader } from '../../src/session/compile/entry-reader.ts';
import { openStore } from '../../src/session/store/store.ts';
import { validateRecord } from '../../src/session/engine/journal-records.ts';
import { stdlibEntries } from '../../src/session/stdlib.ts';
import type { Result } from '../../src/session/result.ts';

export interface SessionRun {
  /** 0 when every entry succeeded, 1 when any failed (as batch mode exits). */
  status: number;
  results: Result[];
  /** Output between entries (timers, processes, notices), as batch mode prints it on stderr. */
  stderr: string;
  stdout: string;
}

export interface SessionOptions {
  /** An image file to open (and save at the end, as batch mode does). */
  image?: string;
  timeoutMs?: number;
  memoryMB?: number;
  autoRollback?: boolean;
  /** Milliseconds to keep running after the last entry (batch mode's --run-for). */
  runFor?: number;
  /** No final save (as a session killed at the end would leave it). */
  noSave?: boolean;
  /** Values with ANSI colours (the terminal's way). */
  colors?: boolean;
  engine?: Partial<EngineOptions>;
}

/** Runs entries as `viv --batch --json` would (multi-line ones are grouped with :{ :}). */
export async function session(entries: string[], options: SessionOptions = {}): Promise<SessionRun> {
  const input = entries.flatMap((e) => (e.includes('\n') ? [':{', ...e.split('\n'), ':}'] : [e]));
  let stderr = '';
  let stdout = '';
  const say = (text: string) => (stderr += text + '\n');
  const store = options.image
    ? await openStore(options.image, { validate: validateRecord })
    : undefined;
  const engine = await openSession({
    guest: InProcessGuest.start,
    prelude: stdlibEntries(),
    store,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.memoryMB ? { memoryMB: options.memoryMB } : {}),
    autoRollback: options.autoRollback,
    colors: options.colors,
    onPrint: (stream, text) => {
      if (stream === 'err') say(text);
      else stdout += text + '\n';
    },
    onProcess: ({ message }) => say(message),
    onRevive: say,
    ...options.engine,
  });
  for (const notice of [...engine.restoreFailures, ...engine.notices]) say(notice);
  const results: Result[] = [];
  let status = 0;
  try {
    const reader = new EntryReader();
    const submit = async (text: string, analysis?: Parameters<typeof engine.submit>[1]) => {
      const result = await engine.submit(text, analysis);
      if (!result.ok) status = 1;
      results.push(result);
    };
    for (const line of input) {
      const entry = reader.push(line);
      if (entry) await submit(entry.text, entry.analysis);
      if (engine.quitRequested) break;
    }
    const rest = reader.flush();
    if (rest && !engine.quitRequested) await submit(rest.text);
    if (options.runFor) await new Promise((r) => setTimeout(r, options.runFor));
  } finally {
    if (store && engine.dirty && !options.noSave) {
      await engine.save().catch((error: Error) => say(`the image was not saved: ${error.message}`));
    }
    await engine.close();
  }
  return { status, results, stderr, stdout };
}

/** The values of a run's results, for compact assertions (as helpers.ts `values`). */
export function shown(run: { results: Result[] }): (string | undefined)[] {
  return run.results.map((r) => (r.ok ? r.value : `!${r.error?.name}: ${r.error?.message}`));
}
