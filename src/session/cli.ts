// `viv`: the command line. Batch mode for scripts and tests; otherwise the interactive REPL.
import { parseArgs } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { resolve } from 'node:path';
import { DEFAULT_OPEN_BOUND_MS, Engine, OpenCancelled } from './engine/engine.ts';
import type { OpeningControl, Store } from './engine/engine.ts';
import { openStore } from './store/store.ts';
import { openReadOnlyStore } from './store/read-only.ts';
import { chooseImage, makeCopy } from './image-path.ts';
import { validateRecord } from './engine/journal-records.ts';
import { openSession } from './open-session.ts';
import { watchOpening, watchShutdown } from './signals.ts';
import { printedLine, runBatch } from './batch.ts';
import type { Printer } from '../ui/app.ts';
import { stdlibEntries } from './stdlib.ts';
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { loadFile } from './code-io/load.ts';
import { renderResult } from './render.ts';
import type { Runner } from './guest/spawn.ts';
import { listenFlag, prepareServe, servedHint, serveUntil, SERVE_USAGE } from './serve/serve.ts';
import type { Server } from './serve/server.ts';

const USAGE = `usage: viv [IMAGE] [options]
       viv export IMAGE DIR    write the image's code to DIR (.ts files and vivarium.json)
       viv import IMAGE PATH   apply a file or an exported folder to the image (one transaction)

  --batch          read entries from standard input (no prompt)
  --json           with --batch: one JSON object per entry on stdout, and one per line printed
                   between entries ({"printed":[...],"source":"timer"}), nothing else
  --image PATH     the image to open or create (same as IMAGE); the REPL defaults to
                   default.json in $XDG_DATA_HOME/vivarium (~/.local/share/vivarium), batch
                   mode to a fresh image that is not saved. A shipped example image (viv life,
                   or a path into images/) opens as a copy there
  --in-place       open a shipped example image itself, not a copy
  --read-only      write nothing (no journal, no save): entries live in memory only
  --autosave S     save every S seconds while the image has unsaved entries (default 60; 0: off)
  --memory MB      memory limit of the guest isolate (default 512)
  --timeout MS     stop an entry that runs longer, awaited promises included (default: none);
                   also bounds each step of opening an image (default ${DEFAULT_OPEN_BOUND_MS / 1000} s)
  --load FILE      apply a .ts/.js file (one transaction) once the image is open, then go on
  --skip-entry N   leave journaled entry N out for good when replaying (after a replay stopped
                   at it); recorded in the journal
  --run-for S      with --batch: keep the processes running S seconds after the input ends
  --auto-rollback  when a redefinition makes a process crash past its restart limit, roll the
                   redefinition back and restart the process (default: only offer it)
  -h, --help       this text (viv jupyter --help: the Jupyter kernel)
  -v, --version    the version of Vivarium

${SERVE_USAGE}`;

export type { EarlyPrompt } from './early-prompt.ts';
import type { EarlyPrompt } from './early-prompt.ts';

export async function main(
  argv: string[],
  options: { early?: EarlyPrompt; prestarted?: Runner } = {},
): Promise<number> {
  const { early, prestarted } = options;
  // `viv jupyter ...`: the Jupyter kernel and its kernelspec (session/jupyter/main.ts).
  if (argv[0] === 'jupyter') {
    early?.cancel();
    return (await import('./jupyter/main.ts')).jupyterMain(argv.slice(1));
  }
  if (argv[0] === 'attach') return (await import('./serve/attach.ts')).attachMain(argv.slice(1));
  const serving = argv[0] === 'serve';
  if (serving) argv = argv.slice(1);
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
        'read-only': { type: 'boolean', default: false },
        'in-place': { type: 'boolean', default: false },
        'skip-entry': { type: 'string', multiple: true },
        load: { type: 'string' },
        listen: { type: 'string' },
        'listen-anywhere': { type: 'boolean', default: false },
        'hello-timeout': { type: 'string' },
        'max-waiting': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
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
  if (values.version) {
    process.stdout.write(`viv ${await version()}\n`);
    return 0;
  }
  // `viv export IMAGE DIR` / `viv import IMAGE PATH`: that one command, in batch mode.
  const code = codeSubcommand(positionals, values);
  if (typeof code === 'string') return usageError(code);
  if (code) positionals.splice(0, positionals.length, code.image);
  if (positionals.length > 1) return usageError(`unexpected arguments: ${positionals.join(' ')}`);
  const memoryMB = numberOption('--memory', values.memory, 512, 16);
  const timeoutMs = numberOption('--timeout', values.timeout, 0, 1);
  const autosave = numberOption('--autosave', values.autosave, 60, 0);
  if (typeof memoryMB === 'string') return usageError(memoryMB);
  if (typeof timeoutMs === 'string') return usageError(timeoutMs);
  if (typeof autosave === 'string') return usageError(autosave);
  const skips = (values['skip-entry'] ?? []).map(Number);
  const badSkip = values['skip-entry']?.find((v) => !/^[1-9]\d*$/.test(v));
  if (badSkip !== undefined)
    return usageError(`--skip-entry needs an entry number, not "${badSkip}"`);
  const runFor = values['run-for'] === undefined ? 0 : Number(values['run-for']);
  if (!(runFor >= 0))
    return usageError(`--run-for needs a number of seconds, not "${values['run-for']}"`);
  if (values.json && !values.batch) return usageError('--json needs --batch');
  if (positionals[0] && values.image) return usageError('give the image once: IMAGE or --image');
  const helloTimeoutMs = numberOption('--hello-timeout', values['hello-timeout'], 10_000, 1);
  const maxWaiting = numberOption('--max-waiting', values['max-waiting'], 16, 1);
  if (typeof helloTimeoutMs === 'string') return usageError(helloTimeoutMs);
  if (typeof maxWaiting === 'string') return usageError(maxWaiting);
  const serveFlag = ['listen', 'listen-anywhere', 'hello-timeout', 'max-waiting'].find(
    (flag) => values[flag as keyof typeof values] && !serving,
  );
  if (serveFlag) return usageError(`--${serveFlag} is an option of viv serve`);
  if (serving && values.batch)
    return usageError('viv serve reads no entries: --batch is not for it');
  let listen;
  try {
    listen = listenFlag(values.listen, values['listen-anywhere']);
  } catch (error) {
    return usageError((error as Error).message);
  }

  // A served image has no terminal of its own: it runs as batch mode does, without input.
  const batch = values.batch || serving || !process.stdin.isTTY || !!code;
  // Colours as Node's REPL decides them: NO_COLOR, FORCE_COLOR, NODE_DISABLE_COLORS and TERM.
  const colors = !batch && process.stdout.hasColors?.() === true;
  // Exporting writes nothing to the image.
  const readOnly = values['read-only'] || code?.command === 'export';
  const choice = chooseImage(positionals[0] ?? values.image, {
    batch: batch && !serving,
    inPlace: values['in-place'],
  });
  // Read-only reads a shipped image where it is: nothing is copied, nothing written.
  const imagePath = readOnly && choice.copyFrom ? choice.copyFrom : choice.path;
  if (code?.command === 'export' && !(imagePath && existsSync(imagePath))) {
    process.stderr.write(`viv: no image at ${imagePath ?? code.image}: nothing to export\n`);
    return 2;
  }
  let store: Store | undefined;
  let server: Server | undefined;
  try {
    if (!readOnly && choice.notice) {
      makeCopy(choice);
      if (batch) process.stderr.write(`viv: ${choice.notice}\n`);
      else if (early) early.print(choice.notice);
      else process.stdout.write(`${choice.notice}\n`);
    }
    const open = readOnly ? openReadOnlyStore : openStore;
    store = imagePath ? await open(resolve(imagePath), { validate: validateRecord }) : undefined;
    for (const entry of skips) {
      if (!store) return usageError('--skip-entry needs an image');
      await skipEntry(store, entry);
    }
    if (serving) {
      server = prepareServe(store!.path, {
        address: listen,
        helloTimeoutMs,
        maxWaiting,
      });
    }
  } catch (error) {
    early?.cancel();
    await store?.close().catch(() => {});
    process.stderr.write(`viv: ${(error as Error).message}\n`);
    // The process that holds it may be `viv serve`: then there is a way in.
    if ((error as Error).name === 'ImageLockedError' && imagePath) {
      const served = servedHint(resolve(imagePath));
      if (served) process.stderr.write(`viv: ${served}\n`);
    }
    return 2;
  }
  const printer: Printer = { print: (text) => process.stdout.write(text + '\n') };
  const say = (text: string) => {
    if (batch) process.stderr.write(`viv: ${text}\n`);
    else printer.print(text);
  };
  // The terminal UI's modules (ink, react: about 200 ms) load while the guest starts.
  const ui = batch ? undefined : import('../ui/run-ui.ts');
  if (!batch && (store?.payload || store?.journal.length)) {
    if (early) early.print(`opening ${imagePath}…`);
    else process.stdout.write(`opening ${imagePath}…\n`);
  }
  // Ctrl-C (or SIGINT) while opening stops the step being replayed; Ctrl-D, a second Ctrl-C,
  // SIGTERM or SIGHUP give up opening, writing nothing.
  const opening: OpeningControl = {};
  const openSignals = watchOpening(opening, early);
  let engine: Engine;
  try {
    engine = await openSession({
      memoryMB,
      timeoutMs,
      ...(values.timeout ? { openTimeoutMs: timeoutMs } : {}),
      store,
      colors,
      prelude: stdlibEntries(),
      prestarted,
      opening,
      autoRollback: values['auto-rollback'],
      onProgress: (progress) => {
        printer.progress?.(progress);
        server?.progress(progress);
      },
      onProcess: ({ message, offer }) => {
        server?.notice(message, offer);
        if (!batch) {
          printer.print(message);
          if (offer) printer.offer?.(offer);
        } else process.stderr.write(`viv: ${message}\n`);
      },
      onRevive: (message) => {
        server?.notice(message);
        say(message);
      },
      onPrint: (stream, text) => {
        if (server) server.print(stream, text);
        else if (batch && values.json) process.stdout.write(printedLine(stream, text) + '\n');
        else if (!batch) printer.print(text);
        else (stream === 'err' ? process.stderr : process.stdout).write(text + '\n');
      },
    });
  } catch (error) {
    openSignals.stop();
    early?.cancel();
    await store?.close().catch(() => {});
    if (error instanceof OpenCancelled) {
      process.stderr.write(`viv: ${error.message}\n`);
      return 130;
    }
    process.stderr.write(`viv: ${(error as Error).message}\n`);
    return 2;
  }
  openSignals.stop();
  // Before the REPL draws itself: above the instant prompt (or on stderr in batch mode).
  const announce = (text: string) => {
    if (batch) process.stderr.write(`viv: ${text}\n`);
    else if (early) early.print(text);
    else process.stdout.write(text + '\n');
  };
  for (const problem of engine.restoreFailures) announce(problem);
  for (const notice of engine.notices) announce(notice);
  const stopped = engine.replayStopReport();
  if (stopped && batch) {
    // A script cannot choose: say where and how, write nothing, and let the person decide.
    process.stderr.write(
      `viv: ${stopped}\nviv: batch mode writes nothing now; choose in the terminal (viv ${imagePath}), or run again with --skip-entry ${engine.replayStop!.entry}\n`,
    );
    await engine.close();
    return 2;
  }
  if (stopped) announce(stopped);

  const timer = store && autosave > 0 ? startAutosave(engine, autosave) : undefined;
  const shutdown = watchShutdown(engine, batch);
  let status = 0;
  try {
    if (values.load !== undefined) {
      const loaded = await loadFile(engine, values.load);
      if (!loaded.ok) status = 1;
      if (batch && values.json) process.stdout.write(JSON.stringify(loaded) + '\n');
      else if (batch) process.stdout.write(renderResult(loaded) + '\n');
      else announce(renderResult(loaded));
    }
    if (server) status = (await serveUntil(server, engine, shutdown.stopped)) || status;
    else if (batch) {
      status =
        (await runBatch(engine, {
          json: values.json,
          input: code ? Readable.from([code.entry]) : process.stdin,
          output: process.stdout,
          stopped: shutdown.stopped,
        })) || status;
      if (runFor > 0 && !engine.quitRequested)
        await Promise.race([delay(runFor * 1000), shutdown.stopped]);
    } else status = await (await ui!).runUi(engine, printer, { early, colors });
  } finally {
    clearInterval(timer);
    if (store && !engine.quitUnsaved) {
      if (!batch && engine.dirty) process.stdout.write(`saving ${engine.imagePath}…\n`);
      status = (await finalSave(engine)) || status;
    }
    await engine.close();
    shutdown.dispose();
  }
  return shutdown.signalStatus() ?? status;
}

/** `viv export IMAGE DIR` and `viv import IMAGE PATH`, or an error, or undefined (neither). */
function codeSubcommand(
  positionals: string[],
  values: { image?: string; batch?: boolean },
): { command: 'export' | 'import'; image: string; entry: string } | string | undefined {
  const command = positionals[0];
  if (command !== 'export' && command !== 'import') return undefined;
  const what = command === 'export' ? 'DIR' : 'PATH';
  if (positionals.length !== 3 || values.image) {
    return `usage: viv ${command} IMAGE ${what}`;
  }
  const [, image, target] = positionals as [string, string, string];
  if (/\n/.test(target)) return `${what} cannot hold a line break`;
  return { command, image, entry: `:${command} ${target}\n` };
}

/** `--skip-entry N`: journals that entry N is left out (it must be in the journal). */
async function skipEntry(store: Store, entry: number): Promise<void> {
  const known = store.journal.some((r) => (r as { entry?: number }).entry === entry);
  if (!known) {
    throw new Error(`--skip-entry ${entry}: the journal of ${store.path} holds no entry ${entry}`);
  }
  await store.append({ type: 'skip', entry });
  (store.journal as object[]).push({ type: 'skip', entry });
}

/**
 * The save on the way out (:quit, end of input, Ctrl-D, a signal): the processes' clock stops first
 * (see Engine.saveOnQuit); the journal already holds every entry.
 */
async function finalSave(engine: Engine): Promise<number> {
  try {
    await engine.saveOnQuit();
    return 0;
  } catch (error) {
    const message = (error as Error).message;
    const saved = /the snapshot is saved/.test(message);
    process.stderr.write(
      `viv: ${saved ? '' : 'the image was not saved: '}${message}\n` +
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

/**
 * The last line of defence: an error nobody expected is reported in one line (the stack only with
 * VIV_DEBUG=1), and the exit status says so. The journal already holds every accepted entry.
 */
export async function runMain(
  argv: string[],
  options?: Parameters<typeof main>[1],
): Promise<number> {
  try {
    return await main(argv, options);
  } catch (error) {
    const e = error as Error;
    process.stderr.write(
      `viv: internal error: ${e?.message ?? String(error)}` +
        (process.env.VIV_DEBUG ? `\n${e?.stack}` : ' (VIV_DEBUG=1 shows where)') +
        '\n',
    );
    return 70;
  }
}

if (import.meta.main) {
  process.exitCode = await runMain(process.argv.slice(2));
}

/** The version in package.json (read only when asked: it is not needed to start). */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = new URL('../../package.json', import.meta.url);
  return (JSON.parse(await readFile(pkg, 'utf8')) as { version: string }).version;
}
