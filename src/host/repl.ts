// The interactive REPL on a terminal: a plain line editor over the engine (the full-screen ink
// environment replaces it). Ctrl-C stops a running entry or clears the line; Ctrl-D quits.
import { createInterface } from 'node:readline';
import type { Engine } from './engine.ts';
import { EntryReader } from './entry-reader.ts';
import { renderResult } from './render.ts';

export async function runRepl(engine: Engine): Promise<number> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
  const reader = new EntryReader();
  let running = false;
  const prompt = () => {
    rl.setPrompt(reader.pending ? '... ' : 'viv> ');
    rl.prompt();
  };
  rl.on('SIGINT', () => {
    if (running) {
      engine.interrupt();
      return;
    }
    if (reader.pending || rl.line) {
      reader.clear();
      process.stdout.write('\n');
      prompt();
      return;
    }
    rl.close();
  });
  process.stdout.write('Vivarium. :help lists the commands, Ctrl-D quits.\n');
  prompt();
  for await (const line of rl) {
    const entry = reader.push(line);
    if (entry !== undefined) {
      running = true;
      const result = await engine.submit(entry);
      running = false;
      process.stdout.write(renderResult(result) + '\n');
      if (engine.quitRequested) break;
    }
    prompt();
  }
  rl.close();
  return 0;
}
