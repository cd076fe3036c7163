// Processes in the image: what a snapshot keeps of each (spec, state, status, schedule) with the
// logical time of the save, and the processes rebuilt from it when the image opens.
import { errorText } from '../definitions/migrate.ts';
import { readSpec } from './spec.ts';
import type { ProcessSpec } from './spec.ts';
import { newProc } from './proc.ts';
import type { Proc } from './proc.ts';
import { safe, Object } from '../primordials.ts';
import { $push } from '../primordials-methods.ts';

/** What the snapshot keeps: every process with its state, and the logical time. */
export function savedProcesses(procs: MapIterator<Proc>, now: number): object {
  const out: Record<string, unknown> = {};
  for (const p of safe(procs)) {
    out[p.name] = {
      spec: { ...p.spec },
      state: p.state,
      status: p.status,
      ticks: p.ticks,
      restarts: p.restarts,
      lastError: p.lastError,
      anchor: p.anchor,
      n: p.n,
      nextBeat: p.nextBeat,
    };
  }
  return { now, processes: out };
}

/**
 * The processes as saved, and the logical time to resume from. One whose saved options no longer
 * read (its clock is no longer a clock, say) is reported and left out; the others come back.
 */
export function restoreProcesses(
  saved: unknown,
  committedEntry: number,
): { now: number; procs: Proc[]; failures: string[] } {
  const { now, processes } = (saved ?? {}) as { now?: number; processes?: Record<string, any> };
  const procs: Proc[] = [];
  const failures: string[] = [];
  for (const pair of safe(Object.entries(processes ?? {}))) {
    const name = pair[0];
    const s = pair[1];
    let spec: ProcessSpec;
    try {
      spec = readSpec(name, s.spec);
    } catch (error) {
      $push(failures, `process ${name} was not restored: ${errorText(error)}`);
      continue;
    }
    const { state, status, ticks, restarts, lastError, anchor, n, nextBeat } = s;
    $push(
      procs,
      newProc(name, spec, committedEntry, {
        state,
        status,
        ticks,
        restarts,
        lastError,
        anchor,
        n,
        nextBeat,
      }),
    );
  }
  return { now: typeof now === 'number' ? now : 0, procs, failures };
}
