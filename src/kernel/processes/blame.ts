// Which redefinition probably made a process crash, to offer (or, with --auto-rollback, make)
// its rollback.
import type { Suspect } from '../../shared/types.ts';
import type { Definition } from '../definitions/namespace.ts';
import { safe, stackOf, Error } from '../primordials.ts';
import { $includes } from '../primordials-methods.ts';

/**
 * The likely culprit of a crash: the definition changed most recently since the process last ran
 * clean for a while (`lastGoodEntry`), preferring one the error's stack passes through. Values
 * count too (a pattern is data: `const pat = 'x.x.'` can break a step as surely as a function);
 * `once` values are state, kept on re-evaluation, never a change of code.
 */
export function suspectOf(
  definitions: Definition[],
  lastGoodEntry: number,
  error: unknown,
): Suspect | undefined {
  const raw = error instanceof Error ? stackOf(error) : '';
  const stack = typeof raw === 'string' ? raw : '';
  let best: Definition | undefined;
  let bestScore = -1;
  for (const def of safe(definitions)) {
    if (def.once || def.transient) continue;
    const last = def.events[def.events.length - 1];
    if (!last || last.entry <= lastGoodEntry || last.from === undefined) continue;
    // Re-evaluating a buffer enters unchanged definitions again: not a change.
    if (def.versions[def.current - 1]?.source === def.versions[last.from - 1]?.source) continue;
    const inStack = $includes(stack, def.name) ? 1e9 : 0;
    const score = inStack + last.entry;
    if (score > bestScore) {
      bestScore = score;
      best = def;
    }
  }
  return best && suspectFrom(best);
}

function suspectFrom(def: Definition): Suspect {
  const last = def.events[def.events.length - 1]!;
  const suspect: Suspect = {
    name: def.name,
    version: def.current,
    previous: last.from!,
    entry: last.entry,
    kind: def.kind === 'function' || def.kind === 'class' ? def.kind : 'value',
  };
  const previous = def.versions[last.from! - 1];
  if (suspect.kind === 'value' && previous) suspect.source = previous.source;
  return suspect;
}
