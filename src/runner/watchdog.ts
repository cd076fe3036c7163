// The runner's second thread. isolated-vm can deadlock the runner's main thread: an isolate that
// reaches its memory limit while the watchdog asks it (through its inspector session) to stop
// tears itself down holding a lock the main thread then waits for, forever. Nothing on the main
// thread runs again: no timer, no IPC, no 'disconnect'. This thread still does, and ends the
// process when (a) the session that started it is gone, or (b) a stop was asked for and the main
// thread has not come back from it. Before (b) it writes one line to stderr, which the session
// reads to report the death with its cause and the process whose tick caused it.
import { Worker } from 'node:worker_threads';
import { STUCK_MESSAGE, WEDGED } from '../shared/wedged.ts';
import { watchdogThread, type WatchdogData } from './watchdog-thread.ts';

export interface Watchdog {
  /** A stop was asked of the isolate; `tick` names the process whose tick it is stopping. */
  arm(tick: string | undefined): void;
  /** The call the stop was for has come back. */
  disarm(): void;
}

/** Starts the watchdog thread; it gives up on the main thread `stuckMs` after `arm`. */
export function startWatchdog(stuckMs: number): Watchdog {
  const state = new Int32Array(new SharedArrayBuffer(4));
  let sequence = 0;
  const workerData: WatchdogData = {
    state,
    stuckMs,
    parent: process.ppid,
    prefix: WEDGED,
    message: STUCK_MESSAGE,
  };
  const worker = new Worker(`(${watchdogThread})()`, { eval: true, workerData });
  worker.unref();
  return {
    arm(tick) {
      sequence++;
      worker.postMessage({ sequence, tick });
      Atomics.store(state, 0, sequence);
    },
    disarm() {
      Atomics.store(state, 0, 0);
    },
  };
}
