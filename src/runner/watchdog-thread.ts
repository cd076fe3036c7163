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

const ticks = new Map<number, string | undefined>();
parentPort!.on('message', ({ sequence, tick }: { sequence: number; tick?: string }) => {
  ticks.clear();
  ticks.set(sequence, tick);
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
  const report = { reason: message, tick: ticks.get(armed) };
  writeSync(2, `${prefix}${JSON.stringify(report)}\n`);
  end();
}, 100);
