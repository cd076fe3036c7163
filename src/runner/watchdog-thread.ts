// The watchdog thread's body (see watchdog.ts). Plain checks every 100 ms; it never touches the
// isolate, and needs nothing from the main thread to act.
import { writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';

const { state, stuckMs, parent, prefix, message } = workerData as {
  state: Int32Array;
  stuckMs: number;
  parent: number;
  prefix: string;
  message: string;
};

/** The latest stop asked for, and the process whose tick it was stopping. */
let last: { sequence: number; tick?: string } | undefined;
parentPort!.on('message', (message: { sequence: number; tick?: string }) => {
  last = message;
});

let watched = 0;
let since = 0;

function end(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

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
