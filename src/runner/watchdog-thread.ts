// The watchdog thread's body (see watchdog.ts). Plain checks every 100 ms; it never touches the
// isolate, and needs nothing from the main thread to act.
//
// It runs as the text of this one function (a Worker with `eval`), not as a module: a module
// worker loads Node's ESM loader and strips this file's types first, which made it cost ~2x the
// CPU of the thread itself at every start of the runner. So it takes Node's modules from
// `process.getBuiltinModule` and nothing from around it.

/** What the thread is given (as `workerData`). */
export interface WatchdogData {
  /** 0, or the number of the stop asked for and not yet come back. */
  state: Int32Array;
  stuckMs: number;
  /** The session's pid: once this process has another parent, the session is gone. */
  parent: number;
  prefix: string;
  message: string;
}

export function watchdogThread(): void {
  const { writeSync } = process.getBuiltinModule('node:fs');
  const { parentPort, workerData } = process.getBuiltinModule('node:worker_threads');
  const { state, stuckMs, parent, prefix, message } = workerData as WatchdogData;

  /** The latest stop asked for, and the process whose tick it was stopping. */
  let last: { sequence: number; tick?: string } | undefined;
  parentPort!.on('message', (stop: { sequence: number; tick?: string }) => {
    last = stop;
  });

  let watched = 0;
  let since = 0;

  const end = (): never => {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  };

  setInterval(() => {
    // Reparented: the session died without closing us (SIGKILL, a harness's timeout).
    if (process.ppid !== parent) end();
    const armed = Atomics.load(state, 0);
    if (armed === 0 || armed !== watched) {
      watched = armed;
      since = performance.now();
      return;
    }
    if (performance.now() - since < stuckMs) return;
    const report = { reason: message, tick: last?.sequence === armed ? last.tick : undefined };
    writeSync(2, `${prefix}${JSON.stringify(report)}\n`);
    end();
  }, 100);
}
