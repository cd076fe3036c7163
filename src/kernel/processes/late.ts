// Ticks that would sound late. A stall (a long entry, a migration) leaves ticks overdue; run as
// they are, their sends reach the synth after their timetags, in a burst. Tidal skips ahead when
// it falls behind and says so; a process here does the same by default when it sends OSC
// (`late: 'skip'`): a tick more than SKIP_AFTER_MS overdue is skipped (its schedule moves on, its
// step does not run), counted in `:ps`, and each stall is reported once when the process plays
// again. `late: 'catch-up'` (the default for a process that sends nothing: a simulation) runs
// every tick, late or not.
import type { GuestNotice } from '../../shared/notices.ts';
import type { Proc } from './proc.ts';

/** Past this, a tick's sends would arrive after their timetag (the default OSC latency). */
export const SKIP_AFTER_MS = 100;

/** Whether the tick of `proc` due `late` ms ago is skipped rather than run. */
export function skips(proc: Proc, late: number): boolean {
  if (late <= SKIP_AFTER_MS) return false;
  return (proc.spec.late ?? (proc.sendsOsc ? 'skip' : 'catch-up')) === 'skip';
}

/** Skips one tick: its schedule moves on, nothing runs. */
export function skipTick(proc: Proc): void {
  if (proc.spec.clock) proc.nextBeat += proc.spec.beats!;
  else proc.n++;
  proc.skipped++;
  proc.stall++;
}

/** Before a process plays again after skipping: says once how many ticks the stall cost it. */
export function reportStall(proc: Proc, send: (notice: GuestNotice) => void): void {
  if (proc.stall === 0) return;
  const n = proc.stall;
  proc.stall = 0;
  send({
    type: 'process',
    event: 'skipped',
    name: proc.name,
    message: `${proc.name}: ${n} late tick${n === 1 ? '' : 's'} skipped (they would have sounded after their time; late: 'catch-up' plays them instead)`,
  });
}
