// Starts the terminal environment on an engine and resolves when the person quits.
import { createElement as h } from 'react';
import { render } from 'ink';
import { basename } from 'node:path';
import type { Engine } from '../session/engine/engine.ts';
import { App } from './app.ts';
import type { Printer } from './app.ts';

export async function runUi(
  engine: Engine,
  printer: Printer,
  early?: { handOver(): NodeJS.ReadableStream },
): Promise<number> {
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
    { exitOnCtrlC: false, interactive: Boolean(process.stdout.isTTY), ...(stdin ? { stdin } : {}) },
  );
  await instance.waitUntilExit();
  return 0;
}
