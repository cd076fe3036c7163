// Signals and keys around a session: while the image opens (Ctrl-C stops the step being
// replayed; Ctrl-D, a second Ctrl-C, SIGTERM or SIGHUP give up, writing nothing), and while it
// runs (SIGTERM, SIGHUP, and SIGINT in batch mode end it as Ctrl-D does; so does a closed output).
import type { Engine, OpeningControl } from './engine/engine.ts';
import type { EarlyPrompt } from './early-prompt.ts';

/** Keys and signals while the image opens (see `main`). */
export function watchOpening(opening: OpeningControl, early: EarlyPrompt | undefined) {
  let interrupts = 0;
  const onInterrupt = () => {
    if (interrupts++ === 0) opening.interrupt?.();
    else opening.cancel?.();
  };
  const onCancel = () => opening.cancel?.();
  early?.onKey?.((key) => {
    if (key === 'interrupt') onInterrupt();
    if (key === 'eof') onCancel();
  });
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onCancel);
  process.on('SIGHUP', onCancel);
  return {
    /** Ctrl-C in the REPL drawn while the image opens (opening-port.ts). */
    interrupt: onInterrupt,
    /** Giving up in the REPL (Ctrl-D, or it ended) while the image opens. */
    cancel: onCancel,
    stop() {
      early?.onKey?.(undefined);
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onCancel);
      process.off('SIGHUP', onCancel);
    },
  };
}

const SIGNAL_STATUS: Record<string, number> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

/**
 * SIGTERM and SIGHUP (and SIGINT in batch mode) end the session as Ctrl-D does: the running entry
 * is stopped, no more input is read, the image is saved and the lock released. A closed or full
 * standard output (EPIPE) ends batch mode the same way, with a message on stderr.
 */
export function watchShutdown(engine: Engine, batch: boolean) {
  let signal: string | undefined;
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = (name: string) => {
    if (signal) return;
    signal = name;
    process.stderr.write(`viv: ${name}: stopping${engine.dirty ? ' and saving the image' : ''}\n`);
    engine.requestQuit();
    // Only an entry (or command, or save) is stopped. A process's tick in flight finishes: stopped,
    // its note was lost and its number used up, with its state not saved (a gap across the
    // reopen). A runaway tick is stopped by its own bound.
    if (engine.busy) engine.interrupt();
    stop();
  };
  const signals = batch ? ['SIGTERM', 'SIGHUP', 'SIGINT'] : ['SIGTERM', 'SIGHUP'];
  const handlers = signals.map((name) => {
    const handler = () => onSignal(name);
    process.on(name, handler);
    return [name, handler] as const;
  });
  const onOutputError = (error: NodeJS.ErrnoException) => {
    if (signal) return;
    signal = 'EPIPE';
    process.stderr.write(
      `viv: standard output was closed (${error.code ?? error.message}): stopped reading entries\n`,
    );
    engine.requestQuit();
    stop();
  };
  process.stdout.on('error', onOutputError);
  return {
    stopped,
    signalStatus: (): number | undefined =>
      signal === 'EPIPE' ? 1 : signal ? SIGNAL_STATUS[signal] : undefined,
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
    },
  };
}
