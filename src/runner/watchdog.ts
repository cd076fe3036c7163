// The runner's second thread. isolated-vm can deadlock the runner's main thread: an isolate that
// reaches its memory limit while the watchdog asks it (through its inspector session) to stop
// tears itself down holding a lock the main thread then waits for, forever. Nothing on the main
// thread runs again: no timer, no IPC, no 'disconnect'. This thread still does, and ends the
// process when (a) the session that started it is gone, or (b) a stop was asked for and the main
// thread has not come back from it. Before (b) it writes one line to stderr, which the session
// reads to report the death with its cause and the process whose tick caused it.
import type { Worker } from 'node:worker_threads';
import { STUCK_MESSAGE, WEDGED } from '../shared/wedged.ts';
import { watchdogThread, type WatchdogData } from './watchdog-thread.ts';

export interface Watchdog {
  /** A stop was asked of the isolate; `tick` names the process whose tick it is stopping. */
  arm(tick: string | undefined): void;
  /** The call the stop was for has come back. */
  disarm(): void;
}

/**
 * The watchdog, whose thread starts at the first stop (`arm`). Until then the main thread has
 * never been asked to stop, cannot be wedged by one, and sees its session go ('disconnect'); a
 * thread started with the runner cost ~65 ms of CPU (a second Node environment, without Node's
 * snapshot) at every start, for runners that mostly never stop anything. Started at `arm`, the
 * thread needs nothing from the main thread to come up and act, so a wedge at that very stop is
 * still caught, once the thread has booted (~50 ms) and `stuckMs` have passed.
 */
export function startWatchdog(stuckMs: number): Watchdog {
  const state = new Int32Array(new SharedArrayBuffer(4));
  let sequence = 0;
  let worker: Worker | undefined;
  const workerData: WatchdogData = {
    state,
    stuckMs,
    parent: process.ppid,
    prefix: WEDGED,
    message: STUCK_MESSAGE,
  };
  return {
    arm(tick) {
      sequence++;
      if (!worker) {
        // (Taken here: loading worker_threads at start cost the runner's start too.)
        const { Worker } = process.getBuiltinModule('node:worker_threads');
        worker = new Worker(`(${watchdogThread})()`, { eval: true, workerData });
        worker.unref();
      }
      worker.postMessage({ sequence, tick });
      Atomics.store(state, 0, sequence);
    },
    disarm() {
      Atomics.store(state, 0, 0);
    },
  };
}
