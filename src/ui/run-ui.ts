// Starts the terminal environment on an engine and resolves when the person quits.
import { createElement as h } from 'react';
import { render } from 'ink';
import { basename } from 'node:path';
import type { SessionPort } from '../session/port.ts';
import { App } from './app.ts';
import type { Printer } from './printer.ts';

export async function runUi(
  engine: SessionPort,
  printer: Printer,
  options: {
    early?: { handOver(): NodeJS.ReadableStream };
    colors?: boolean;
    /** Ends the UI when it resolves (an attached terminal whose server went away). */
    until?: Promise<unknown>;
  } = {},
): Promise<number> {
  const { early, colors = true } = options;
  // After the instant prompt, ink reads its stream: everything typed so far, then the keys.
  const stdin = early?.handOver() as NodeJS.ReadStream | undefined;
  const instance = render(
    h(App, {
      engine,
      printer,
      imageName: engine.imagePath ? basename(engine.imagePath) : '(no image file)',
    }),
    // ink turns itself non-interactive when CI=true is in the environment and then draws
    // nothing until exit; the REPL only runs on a terminal, so it is always interactive.
    {
      exitOnCtrlC: false,
      interactive: Boolean(process.stdout.isTTY),
      ...(stdin ? { stdin } : {}),
      stdout: terminalOut(process.stdout, colors),
    },
  );
  const exited = instance.waitUntilExit().then(() => true);
  const ended = await (options.until
    ? Promise.race([exited, options.until.then(() => false)])
    : exited);
  // Ended from outside (the image could not be opened, the server went away): the prompt and
  // the status line are erased, not left on the screen as if the REPL were still there.
  if (!ended) instance.clear();
  instance.unmount();
  return 0;
}

/** SGR parameters that set a colour: 30-39, 40-49, 90-97, 100-107, and 38/48 with their operands. */
const COLOUR = /^(3\d|4\d|9[0-7]|10[0-7])$/;

/**
 * The terminal as ink is given it.
 *
 * A terminal that reports no size (0x0: a serial console, `script` run from a pipe) is taken as
 * 80x24, as ink would take it. Left to ink, every frame asked the terminal-size package, which
 * opened /dev/tty and never closed it: a file descriptor lost per frame (190 after 40 keys), until
 * the session could open no more files.
 *
 * Without colours (NO_COLOR, FORCE_COLOR=0, TERM=dumb): ink's colours are dropped from what it
 * writes, while inverse (the cursor), bold and dim stay, since they are not colours. ink colours
 * through chalk, which does not read NO_COLOR.
 */
export function terminalOut(stdout: NodeJS.WriteStream, colors: boolean): NodeJS.WriteStream {
  const write = (chunk: unknown, ...rest: unknown[]) =>
    Reflect.apply(stdout.write, stdout, [
      typeof chunk === 'string' ? stripColours(chunk) : chunk,
      ...rest,
    ]) as boolean;
  return new Proxy(stdout, {
    get(target, property) {
      if (property === 'write' && !colors) return write;
      if (property === 'columns') return target.columns || 80;
      if (property === 'rows') return target.rows || 24;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The text with colour parameters removed from its SGR sequences (an emptied one goes). */
export function stripColours(text: string): string {
  return text.replace(/\u001b\[([0-9;]*)m/g, (whole, params: string) => {
    if (params === '') return whole;
    const kept: string[] = [];
    const parts = params.split(';');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (p === '38' || p === '48') {
        i += parts[i + 1] === '5' ? 2 : 4;
        continue;
      }
      if (!COLOUR.test(p)) kept.push(p);
    }
    return kept.length ? `\u001b[${kept.join(';')}m` : '';
  });
}
