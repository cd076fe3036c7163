// `viv`: the command line. Batch mode for scripts and tests; otherwise the interactive REPL.
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Engine } from './engine.ts';
import type { Store } from './engine.ts';
import { openStore } from './store/store.ts';
import { runBatch } from './batch.ts';
import type { Printer } from './ui/app.ts';
import { stdlibEntries } from './stdlib.ts';
import type { Runner } from './runner-spawn.ts';

const USAGE = `usage: viv [IMAGE] [options]

  --batch          read entries from standard input (no prompt)
  --json           with --batch: one JSON object per entry on stdout, nothing else
  --image PATH     the image to open or create (same as IMAGE); the REPL defaults to
                   images/default.json, batch mode to a fresh image that is not saved
  --autosave S     save every S seconds while the image has unsaved entries (default 60; 0: off)
  --memory MB      memory limit of the guest isolate (default 512)
  --timeout MS     stop an entry that runs longer, awaited promises included (default: none)
  --run-for S      with --batch: keep the processes running S seconds after the input ends
  --auto-rollback  when a redefinition makes a process crash past its restart limit, roll the
                   redefinition back and restart the process (default: only offer it)
  --help           this text`;

export const DEFAULT_IMAGE = fileURLToPath(new URL('../../images/default.json', import.meta.url));

/** The instant prompt `bin/viv.js` draws while the REPL loads (see there). */
export interface EarlyPrompt {
  print(text: string): void;
  handOver(): NodeJS.ReadableStream;
  cancel(): void;
}

export async function main(
  argv: string[],
  options: { early?: EarlyPrompt; prestarted?: Runner } = {},
): Promise<number> {
  const { early, prestarted } = options;
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        batch: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        image: { type: 'string' },
        autosave: { type: 'string' },
        memory: { type: 'string' },
        timeout: { type: 'string' },
        'run-for': { type: 'string' },
        'auto-rollback': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return usageError((error as Error).message);
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (positionals.length > 1) return usageError(`unexpected arguments: ${positionals.join(' ')}`);
  const memoryMB = numberOption('--memory', values.memory, 512, 16);
  const timeoutMs = numberOption('--timeout', values.timeout, 0, 1);
  const autosave = numberOption('--autosave', values.autosave, 60, 0);
  if (typeof memoryMB === 'string') return usageError(memoryMB);
  if (typeof timeoutMs === 'string') return usageError(timeoutMs);
  if (typeof autosave === 'string') return usageError(autosave);
  const runFor = values['run-for'] === undefined ? 0 : Number(values['run-for']);
  if (!(runFor >= 0))
    return usageError(`--run-for needs a number of seconds, not "${values['run-for']}"`);
  if (values.json && !values.batch) return usageError('--json needs --batch');
  if (positionals[0] && values.image) return usageError('give the image once: IMAGE or --image');

  const batch = values.batch || !process.stdin.isTTY;
  const imagePath = positionals[0] ?? values.image ?? (batch ? undefined : DEFAULT_IMAGE);
  let store: Store | undefined;
  try {
    store = imagePath ? await openStore(resolve(imagePath)) : undefined;
  } catch (error) {
    early?.cancel();
    process.stderr.write(`viv: ${(error as Error).message}\n`);
    return 2;
  }
  const printer: Printer = { print: (text) => process.stdout.write(text + '\n') };
  // The terminal UI's modules (ink, react: about 200 ms) load while the guest starts.
  const ui = batch ? undefined : import('./ui/run-ui.ts');
  if (!batch && store?.payload) {
    if (early) early.print(`opening ${imagePath}…`);
    else process.stdout.write(`opening ${imagePath}…\n`);
  }
  const engine = await Engine.open({
    memoryMB,
    timeoutMs,
    store,
    colors: !batch,
    prelude: stdlibEntries(),
    prestarted,
    autoRollback: values['auto-rollback'],
    onProgress: (progress) => printer.progress?.(progress),
    onProcess: ({ message, offer }) => {
      if (!batch) {
        printer.print(message);
        if (offer) printer.offer?.(offer);
      } else process.stderr.write(`viv: ${message}\n`);
    },
    onRevive: (message) => {
      if (batch) process.stderr.write(`viv: ${message}\n`);
      else printer.print(message);
    },
    onPrint: (stream, text) => {
      if (batch && values.json) return;
      if (!batch) printer.print(text);
      else (stream === 'err' ? process.stderr : process.stdout).write(text + '\n');
    },
  });
  for (const problem of engine.restoreFailures) process.stderr.write(`viv: ${problem}\n`);
  const timer = store && autosave > 0 ? startAutosave(engine, autosave) : undefined;
  let status = 0;
  try {
    if (batch) {
      status = await runBatch(engine, {
        json: values.json,
        input: process.stdin,
        output: process.stdout,
      });
      if (runFor > 0 && !engine.quitRequested) await delay(runFor * 1000);
    } else status = await (await ui!).runUi(engine, printer, early);
  } finally {
    clearInterval(timer);
    if (store && engine.dirty) {
      if (!batch) process.stdout.write(`saving ${engine.imagePath}…\n`);
      status = (await finalSave(engine)) || status;
    }
    await engine.close();
  }
  return status;
}

/** Autosave on the way out (:quit, end of input, Ctrl-D); the journal already holds everything. */
async function finalSave(engine: Engine): Promise<number> {
  try {
    await engine.save();
    return 0;
  } catch (error) {
    process.stderr.write(
      `viv: the image was not saved: ${(error as Error).message}\n` +
        `viv: nothing is lost: every accepted entry is in ${engine.imagePath}.journal and is replayed on open\n`,
    );
    return 1;
  }
}

function startAutosave(engine: Engine, seconds: number): NodeJS.Timeout {
  const timer = setInterval(() => {
    if (engine.dirty && !engine.busy) {
      engine.save().catch((error: Error) => {
        process.stderr.write(`viv: autosave failed: ${error.message}\n`);
      });
    }
  }, seconds * 1000);
  timer.unref();
  return timer;
}

function numberOption(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
): number | string {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    return `${flag} needs a whole number of at least ${min}, not "${value}"`;
  return n;
}

function usageError(message: string): number {
  process.stderr.write(`viv: ${message}\n\n${USAGE}\n`);
  return 2;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
