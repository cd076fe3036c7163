// Supervision, as OTP does it: a tick that throws restarts its process (keeping its state, or
// re-initialising it), at most `maxRestarts` times within `withinSeconds`; past that it stops with
// its last error and the redefinition that probably broke it is named (blame.ts).
//
// Which entries a process has run clean on is decided here too: a change is trusted only once the
// process has run clean for CLEAN_MS of logical time after it (and after its last crash), so a
// version that throws only on some beats stays the suspect through the clean ticks in between.
import type { GuestNotice } from '../../shared/notices.ts';
import type { Definition } from '../definitions/namespace.ts';
import { errorText } from '../definitions/migrate.ts';
import { initialState } from './spec.ts';
import type { Proc } from './proc.ts';
import { suspectOf } from './blame.ts';
import { safe, Object, ownKeys } from '../primordials.ts';
import { $filter, $push, $shift } from '../primordials-methods.ts';

/** How long (logical ms) a process must run clean after a change before the change is trusted. */
export const CLEAN_MS = 10_000;

export interface Supervisor {
  send: (notice: GuestNotice) => void;
  definitions: () => Definition[];
  /** Timers a process's ticks set go with it when it crashes. */
  clearTimersOf: (proc: Proc) => void;
  /** The logical time now (when a crash has no tick due time to count on). */
  now: () => number;
}

/**
 * A clean tick due at `due`, `committedEntry` the newest entry. Each entry the process runs on is
 * on trial from its first clean tick; one that has stayed clean for CLEAN_MS (no crash since) is
 * trusted: it becomes the last good entry, and blame looks only at changes after it. A clean tick
 * also ends the story of the last error: `:ps` no longer shows it.
 */
export function ranClean(proc: Proc, due: number, committedEntry: number): void {
  proc.lastError = undefined;
  const trials = proc.trials;
  const newest = trials.length ? trials[trials.length - 1]!.entry : proc.lastGoodEntry;
  if (committedEntry > newest) $push(trials, { entry: committedEntry, since: due });
  while (trials.length && due - trials[0]!.since >= CLEAN_MS) {
    proc.lastGoodEntry = $shift(trials)!.entry;
  }
}

export function crash(
  host: Supervisor,
  proc: Proc,
  error: unknown,
  what = `tick ${proc.ticks - 1} threw`,
): void {
  if (proc.status !== 'running') return;
  proc.lastError = errorText(error);
  // The clean run that would clear the suspect starts again after this crash.
  proc.trials = [];
  host.clearTimersOf(proc);
  // Restart intensity counts crashes on the process's own schedule (the due time of the tick
  // that crashed): a tick stopped after seconds still counts as the tick it was.
  const now = proc.lastDue ?? host.now();
  const window = proc.spec.withinSeconds * 1000;
  proc.recent = $filter(proc.recent, (t) => t > now - window);
  $push(proc.recent, now);
  if (proc.recent.length > proc.spec.maxRestarts) {
    proc.status = 'crashed';
    proc.suspect = suspectOf(host.definitions(), proc.lastGoodEntry, error);
    host.send({
      type: 'process',
      event: 'crashed',
      name: proc.name,
      message:
        `${proc.name}: ${what}: ${proc.lastError}. It stopped: ${proc.recent.length} crashes ` +
        `within ${proc.spec.withinSeconds} s (at most ${proc.spec.maxRestarts} restarts).`,
      suspect: proc.suspect,
    });
    return;
  }
  proc.restarts++;
  let how = 'state kept';
  if (proc.spec.restart === 'reset') {
    try {
      reinit(proc);
      how = 'state re-initialised';
    } catch (initError) {
      proc.status = 'crashed';
      proc.lastError = errorText(initError);
      host.send({
        type: 'process',
        event: 'crashed',
        name: proc.name,
        message: `${proc.name}: ${what}, and its init threw when restarting: ${proc.lastError}. It stopped.`,
      });
      return;
    }
  }
  host.send({
    type: 'process',
    event: 'restarted',
    name: proc.name,
    message:
      `${proc.name}: ${what}: ${proc.lastError}; restarted, ${how} ` +
      `(${proc.recent.length} of ${proc.spec.maxRestarts} within ${proc.spec.withinSeconds} s)`,
  });
}

/** Keeps the state object (others may hold it) and gives it init()'s fields. */
export function reinit(proc: Proc): void {
  const fresh = initialState(proc.name, proc.spec);
  for (const key of safe(ownKeys(proc.state)))
    delete (proc.state as Record<PropertyKey, unknown>)[key];
  Object.assign(proc.state, fresh);
}
