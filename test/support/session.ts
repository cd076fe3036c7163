// Entries through the real engine, kernel and isolate, in this process (no CLI, no runner
// process): what `batch()` answers, in milliseconds instead of half a second. The guest runs in
// process (session/guest/in-process.ts); the image, when given, is a real file with its journal.
// Tests of the command line itself, of crashes and of running out of memory use the real CLI.
import { openSession } from '../../src/session/open-session.ts';
import type { EngineOptions } from '../../src/session/engine/engine.ts';
import { InProcessGuest } from '../../src/session/guest/in-process.ts';
import { EntryReader } from '../../src/session/compile/entry-reader.ts';
import type { ReadEntry } from '../../src/session/compile/entry-reader.ts';
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

/** Between two entries: wait until what the session said (on stderr) satisfies `predicate`. */
export interface Wait {
  wait: (stderr: string) => boolean;
  ms: number;
}

/**
 * A wait between entries, for what happens only while no entry runs (an automatic rollback waits
 * for the entry that awaits): until `predicate(stderr)` holds, or `ms` have passed (the assertions
 * that follow then fail). It adds no result.
 */
export function waitFor(predicate: (stderr: string) => boolean, ms = 10_000): Wait {
  return { wait: predicate, ms };
}

/** Runs entries as `viv --batch --json` would (multi-line ones are grouped with :{ :}). */
export async function session(
  entries: (string | Wait)[],
  options: SessionOptions = {},
): Promise<SessionRun> {
  const input = entries.flatMap((e): (string | Wait)[] =>
    typeof e !== 'string' ? [e] : e.includes('\n') ? [':{', ...e.split('\n'), ':}'] : [e],
  );
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
    // As batch mode: an entry the reader refused (an unterminated :{ group) is a SyntaxError.
    const submit = async ({ text, analysis, error }: ReadEntry) => {
      const result: Result = error
        ? { ok: false, error: { name: 'SyntaxError', message: error }, printed: [] }
        : await engine.submit(text, analysis);
      if (!result.ok) status = 1;
      results.push(result);
    };
    for (const line of input) {
      if (typeof line !== 'string') {
        const deadline = Date.now() + line.ms;
        while (!line.wait(stderr) && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const entry = reader.push(line);
      if (entry) await submit(entry);
      if (engine.quitRequested) break;
    }
    const rest = engine.quitRequested ? undefined : reader.flush();
    if (rest) await submit(rest);
    if (options.runFor) await new Promise((r) => setTimeout(r, options.runFor));
  } finally {
    if (store && !options.noSave) {
      await engine
        .saveOnQuit()
        .catch((error: Error) => say(`the image was not saved: ${error.message}`));
    }
    await engine.close();
  }
  return { status, results, stderr, stdout };
}

/** The values of a run's results, for compact assertions (as helpers.ts `values`). */
export function shown(run: { results: Result[] }): (string | undefined)[] {
  return run.results.map((r) => (r.ok ? r.value : `!${r.error?.name}: ${r.error?.message}`));
}

/**
 * Guest code (a statement for an entry) that waits until `condition` (an expression) holds,
 * polling every 5 ms, or `ms` have passed: a wait for a condition instead of a fixed sleep, so a
 * test does not depend on the machine's load. The assertion that follows says whether it held.
 */
export function until(condition: string, ms = 10_000): string {
  return `await new Promise<void>((done) => { const t0 = Date.now(); const poll = () => ((${condition}) || Date.now() - t0 > ${ms} ? done() : setTimeout(poll, 5)); poll() })`;
}
