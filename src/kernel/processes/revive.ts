// What ties a process to the definitions it runs: which crashed processes redefining a name
// revives (as re-evaluating a Sonic Pi live_loop restarts it), and the note that an inline step
// cannot be saved. Reads only the kernel's own records (no user getter runs).
import { safe } from '../primordials.ts';
import type { ProcessSpec } from './spec.ts';
import type { Proc } from './proc.ts';
import { definitionNameOf } from '../definitions/classes.ts';
import { $filter, $includes, $join, $push, $some } from '../primordials-methods.ts';

/**
 * The crashed processes that `names` (the definitions an entry committed) revive: those whose
 * step, init or view is one of them, or whose crash named one of them as the suspect (a class the
 * step calls, a pattern constant), unless spawned with `revive: false`.
 */
export function revivable(procs: MapIterator<Proc>, names: string[]): Proc[] {
  const out: Proc[] = [];
  for (const proc of safe(procs)) {
    if (proc.status !== 'crashed' || proc.spec.revive === false) continue;
    if ($some(codeNamesOf(proc), (name) => $includes(names, name))) $push(out, proc);
  }
  return out;
}

/** The definitions a process runs, and the suspect of its crash. */
function codeNamesOf(proc: Proc): string[] {
  const names: string[] = [];
  for (const fn of safe([proc.spec.step, proc.spec.init, proc.spec.view])) {
    const name = fn && definitionNameOf(fn);
    if (name) $push(names, name);
  }
  if (proc.suspect) $push(names, proc.suspect.name);
  return names;
}

/** Only top-level definitions are saved: say so at once, not at the next save. */
export function inlineFunctionsNote(name: string, spec: ProcessSpec): string | undefined {
  const inline = $filter(
    ['step', 'init', 'view'] as const,
    (key) => spec[key] && definitionNameOf(spec[key]) === undefined,
  );
  if (inline.length === 0) return undefined;
  const many = inline.length > 1;
  return (
    `note: ${name}'s ${$join(inline, ' and ')} ${many ? 'are inline functions' : 'is an inline function'}: ` +
    `the process runs, but the image cannot be saved until ${many ? 'they are top-level functions' : 'it is a top-level function'}` +
    ($includes(inline, 'init') ? ' (or use state: { ... } for plain initial data)' : '')
  );
}
