// `viv`: the command line. Batch mode for scripts and tests; otherwise the interactive REPL. The
// options are read in cli-args.ts; here they open the image and run the session they ask for.
import { setTimeout as delay } from 'node:timers/promises';
import { resolve } from 'node:path';
import { Engine, OpenCancelled } from './engine/engine.ts';
import type { OpeningControl, Store } from './engine/engine.ts';
import { openStore } from './store/store.ts';
import { openReadOnlyStore } from './store/read-only.ts';
import { chooseImage, makeCopy } from './image-path.ts';
import { validateRecord } from './engine/journal-records.ts';
import { openSession } from './open-session.ts';
import { watchOpening, watchShutdown } from './signals.ts';
import { printedLine, runBatch } from './batch.ts';
import { loadUi } from '../ui/load-ui.ts';
import type { Printer } from '../ui/printer.ts';
import { stdlibEntries } from './stdlib.ts';
import { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { loadFile } from './code-io/load.ts';
import { renderResult } from './render.ts';
import { OpeningPort } from './opening-port.ts';
import type { Runner } from './guest/spawn.ts';
import { prepareServe, servedHint, serveUntil } from './serve/serve.ts';
import type { Server } from './serve/server.ts';
import { readCommandLine, usageError } from './cli-args.ts';
import { finalSave, skipEntry, startAutosave } from './image-upkeep.ts';

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
  const line = await readCommandLine(argv, serving);
  if (typeof line === 'number') return line;
  const {
    values,
    positionals,
    code,
    memoryMB,
    timeoutMs,
    autosave,
    skips,
    runFor,
    helloTimeoutMs,
    maxWaiting,
    listen,
  } = line;

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
  if (code?.command === 'export' && !(imagePath && hasImage(imagePath))) {
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
  // In the terminal, lines printed before the REPL is drawn are held and shown first in it.
  const printer: Printer = batch
    ? { print: (text) => process.stdout.write(text + '\n') }
    : { print: (text) => void printer.held!.push(text), held: [] };
  const say = (text: string) => {
    if (batch) process.stderr.write(`viv: ${text}\n`);
    else printer.print(text);
  };
  // The terminal UI's modules (ink, react: about 200 ms) load while the guest starts.
  const ui = batch ? undefined : loadUi();
  const prelude = stdlibEntries();
  if (!batch && (store?.payload || store?.journal.length)) {
    if (early) early.print(`opening ${imagePath}…`);
    else process.stdout.write(`opening ${imagePath}…\n`);
  }
  // Ctrl-C (or SIGINT) while opening stops the step being replayed; Ctrl-D, a second Ctrl-C,
  // SIGTERM or SIGHUP give up opening, writing nothing.
  const opening: OpeningControl = {};
  const openSignals = watchOpening(opening, early);
  const opened = openSession({
    memoryMB,
    timeoutMs,
    ...(values.timeout ? { openTimeoutMs: timeoutMs } : {}),
    store,
    colors,
    prelude,
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
  // The REPL draws itself at once and takes keys while the image opens; what needs the image
  // waits for it (opening-port.ts). It ends if the image cannot be opened; ended first, it gives
  // up the opening.
  const port = batch
    ? undefined
    : new OpeningPort(
        opened,
        { options: { memoryMB, colors, prelude }, imagePath: store?.path, readOnly: !!readOnly },
        openSignals,
      );
  const repl = port
    ? (async () => {
        const failed = port.opening.then(
          () => new Promise<never>(() => {}),
          () => undefined,
        );
        return (await ui!).runUi(port, printer, { early, colors, until: failed });
      })()
    : undefined;
  void repl?.then(
    () => port!.giveUp(),
    () => port!.giveUp(),
  );
  let engine: Engine;
  try {
    engine = await opened;
  } catch (error) {
    openSignals.stop();
    await repl?.catch(() => 0);
    // Said while opening, and not shown by a REPL that ended: printed as it ends.
    for (const text of printer.held?.splice(0) ?? []) process.stdout.write(text + '\n');
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
  // On stderr in batch mode; in the REPL, which may be drawn already.
  const announce = (text: string) => {
    if (batch) process.stderr.write(`viv: ${text}\n`);
    else printer.print(text);
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
    } else status = await repl!;
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

/** An image is there once its file or its journal is (one never saved has only a journal). */
function hasImage(path: string): boolean {
  return existsSync(path) || existsSync(`${path}.journal`);
}
