// The composition root of a session: an engine whose `:commands` go to the command table. The
// engine itself knows no commands (they are injected), so the two import nothing of each other.
import { Engine } from './engine/engine.ts';
import type { EngineOptions } from './engine/engine.ts';
import { runCommand } from './commands/commands.ts';

export async function openSession(options: EngineOptions = {}): Promise<Engine> {
  // Commands run only once the engine is open, so the closure finds it.
  const engine: Engine = await Engine.open({
    command: (text) => runCommand(engine, text),
    ...options,
  });
  return engine;
}
