// Starts the terminal environment on an engine and resolves when the person quits.
import { createElement as h } from 'react';
import { render } from 'ink';
import { basename } from 'node:path';
import type { Engine } from '../engine.ts';
import { App } from './app.ts';
import type { Printer } from './app.ts';

export async function runUi(engine: Engine, printer: Printer): Promise<number> {
  const instance = render(
    h(App, {
      engine,
      printer,
      imageName: engine.imagePath ? basename(engine.imagePath) : '(no image file)',
    }),
    // ink turns itself non-interactive when CI=true is in the environment and then draws
    // nothing until exit; the REPL only runs on a terminal, so it is always interactive.
    { exitOnCtrlC: false, interactive: Boolean(process.stdout.isTTY) },
  );
  await instance.waitUntilExit();
  return 0;
}
