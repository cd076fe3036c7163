// Which redefinition probably made a process crash, to offer (or, with --auto-rollback, make)
// its rollback.
import type { Suspect } from '../../shared/types.ts';
import type { Definition } from '../definitions/namespace.ts';
import { stackOf, Error } from '../primordials.ts';
import { $includes } from '../primordials-methods.ts';

/**
 * The likely culprit of a crash: the function or class changed most recently since the process
 * last ran a clean tick (`lastGoodEntry`), preferring one the error's stack passes through.
 */
export function suspectOf(
  definitions: Definition[],
  lastGoodEntry: number,
  error: unknown,
): Suspect | undefined {
  const raw = error instanceof Error ? stackOf(error) : '';
  const stack = typeof raw === 'string' ? raw : '';
  let best: Suspect | undefined;
  let bestScore = -1;
  for (const def of definitions) {
    if (def.kind !== 'function' && def.kind !== 'class') continue;
    const last = def.events[def.events.length - 1];
    if (!last || last.entry <= lastGoodEntry || last.from === undefined) continue;
    const inStack = $includes(stack, def.name) ? 1e9 : 0;
    const score = inStack + last.entry;
    if (score > bestScore) {
      bestScore = score;
      best = { name: def.name, version: def.current, previous: last.from, entry: last.entry };
    }
  }
  return best;
}
