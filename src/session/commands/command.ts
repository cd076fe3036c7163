// One `:` command: its name, usage and one line of help (`:help` is made from these), and what it does.
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';

export interface Command {
  name: string;
  usage: string;
  help: string;
  run(engine: Engine, args: string, raw: string): Promise<Result>;
}
