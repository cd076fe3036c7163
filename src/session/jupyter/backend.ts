// What the Jupyter kernel needs of an image: a narrow interface, so that the same kernel drives an
// image it opened itself (the in-process Engine, through `engineBackend`) or, with
// `viv jupyter --attach ADDRESS`, an image served by `viv serve` (a remote client that
// implements the same interface).
import type { Result } from '../result.ts';
import type { Engine } from '../engine/engine.ts';
import { openSession } from '../open-session.ts';
import { complete } from '../commands/queries.ts';
import { completeCommand, runCommand } from '../commands/commands.ts';
import type { EngineOptions } from '../engine/options.ts';

export type OutputListener = (stream: 'out' | 'err', text: string) => void;

export interface KernelBackend {
  /** An entry or a `:command`, as one transaction, exactly as typed at the prompt. */
  submit(text: string): Promise<Result>;
  /** Completions for the text before the cursor, as Tab computes them (live objects). */
  complete(before: string): Promise<{ from: number; candidates: string[] }>;
  /** `:inspect EXPR` as text (its Result: the view in `value`, or the error). */
  inspect(expression: string): Promise<Result>;
  /** Ctrl-C: stops the running entry. */
  interrupt(): void;
  /** Output that arrives outside an entry's result: timers, processes, revivals. */
  onOutput(listener: OutputListener): void;
  /** Entries and commands typed, oldest first (kept with the image, as the REPL's history). */
  history(): readonly string[];
  /** Where the image lives (for the banner), if it has a file. */
  readonly description: string;
  /** `:quit` was entered. */
  readonly quitRequested: boolean;
  /** Saves (when the image has a file) and ends. */
  close(): Promise<void>;
}

/**
 * Opens an image in this process and adapts its Engine. `onOutput` may be set later: output that
 * arrives before a listener is set goes to stderr.
 */
export async function openEngineBackend(
  options: EngineOptions & { autosaveSeconds?: number },
): Promise<KernelBackend> {
  let listener: OutputListener = (_stream, text) => process.stderr.write(`viv: ${text}\n`);
  const output: OutputListener = (stream, text) => listener(stream, text);
  const engine = await openSession({
    ...options,
    colors: false,
    onPrint: output,
    onProcess: ({ message }) => output('err', message),
    onRevive: (message) => output('err', message),
  });
  const notices = [
    ...engine.restoreFailures,
    ...engine.notices,
    ...(engine.replayStopReport() ? [engine.replayStopReport()!] : []),
  ];
  const seconds = options.store ? (options.autosaveSeconds ?? 0) : 0;
  const autosave = seconds > 0 ? startAutosave(engine, seconds, output) : undefined;
  return engineBackend(engine, notices, (l) => (listener = l), autosave);
}

/** As the REPL: every S seconds while the image has unsaved entries and nothing runs. */
function startAutosave(engine: Engine, seconds: number, output: OutputListener): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (!engine.dirty || engine.busy) return;
    engine.save().catch((error: Error) => output('err', `autosave failed: ${error.message}`));
  }, seconds * 1000);
  timer.unref();
  return timer;
}

function engineBackend(
  engine: Engine,
  notices: string[],
  setListener: (listener: OutputListener) => void,
  autosave: NodeJS.Timeout | undefined,
): KernelBackend {
  return {
    submit: (text) => engine.submit(text),
    complete: async (before) => completeCommand(before) ?? (await complete(engine, before)),
    // As `:inspect` typed at the prompt, without entering the REPL's history.
    inspect: (expression) => engine.exclusive(() => runCommand(engine, `:inspect ${expression}`)),
    interrupt: () => engine.interrupt(),
    history: () => engine.history,
    onOutput(listener) {
      setListener(listener);
      // What opening found (entries not replayed, a stopped replay) is said once, first.
      for (const notice of notices.splice(0)) listener('err', notice);
    },
    get description() {
      return engine.imagePath ?? 'a new image that is not saved';
    },
    get quitRequested() {
      return engine.quitRequested;
    },
    async close() {
      clearInterval(autosave);
      try {
        if (engine.imagePath && !engine.quitUnsaved) await engine.saveOnQuit();
      } catch (error) {
        process.stderr.write(
          `viv: the image was not saved: ${(error as Error).message}\n` +
            `viv: nothing is lost: every accepted entry is in ${engine.imagePath}.journal\n`,
        );
      } finally {
        await engine.close();
      }
    },
  };
}
