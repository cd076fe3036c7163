// `await t.sleep(amount)` inside a step keeps logical time, as Sonic Pi's `sleep` does: the step
// resumes at a time on the grid (the tick's due time plus what it slept, at the process's tempo),
// and what it sends then is stamped with that time, not with the host time it happened to resume.
// `amount` is in beats for a process on a clock, in milliseconds for one that runs `every` ms.
import type { Timers } from '../capabilities.ts';
import type { Proc } from './proc.ts';
import { ownerKey } from './proc.ts';
import type { Tick } from './spec.ts';
import { Number, Promise, String, TypeError } from '../primordials.ts';

export interface SleepHost {
  timers: () => Timers;
  /** Host milliseconds from now until logical time `time` (0 if it is past). */
  delayUntil: (time: number) => number;
  /** The step resumes at `time`: OSC sent until the next call into the kernel is stamped with it. */
  resumeAt: (time: number) => void;
}

/** The `sleep` of one tick: each call sleeps on from where the previous one ended. */
export function tickSleep(
  host: SleepHost,
  proc: Proc,
  tick: Tick,
): (amount: unknown) => Promise<number> {
  const { clock } = proc.spec;
  let beat = tick.beat ?? 0;
  let time = tick.time;
  return (amount: unknown) => {
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) {
      throw new TypeError(
        `t.sleep(${clock ? 'beats' : 'ms'}): a finite number >= 0, not ${String(amount)}`,
      );
    }
    if (clock) {
      beat += amount;
      time = clock.timeAt(beat);
    } else time += amount;
    const target = time;
    const owner = { key: ownerKey(proc), label: `process ${proc.name} (t.sleep)` };
    return new Promise<number>((resolve) => {
      host.timers().after(
        host.delayUntil(target),
        () => {
          host.resumeAt(target);
          resolve(target);
        },
        owner,
      );
    });
  };
}
