// The runner process: owns the isolate (runner/core.ts) and talks to the session over IPC.
// isolated-vm warns that some out-of-memory cases abort the whole Node process (its issue #527),
// so the isolate lives here and the session (engine, store, terminal) lives in the parent, which
// survives this process dying.
import type { ParentMessage, RunnerMessage } from '../shared/runner-messages.ts';
import { GuestRunner, STUCK_MS } from './core.ts';
import { startWatchdog } from './watchdog.ts';

/**
 * Leaves at once. A normal exit runs isolated-vm's destructors, which wait for the isolate's
 * thread; if that thread is in a synchronous callback into this one (the clock, a notice), the
 * two wait for each other forever. The session owns all state: nothing here needs flushing.
 */
function exitNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
}

function send(message: RunnerMessage, then?: () => void): void {
  if (process.connected) process.send!(message, undefined, {}, () => then?.());
  else then?.();
}

const runner = new GuestRunner({
  memoryMB: Number(process.env.VIV_MEMORY_MB) || 512,
  onNotice: (notice) => send({ type: 'notice', notice }),
  onDeath: (reason, tick) => send({ type: 'died', reason, tick }, exitNow),
  // Later than the core's own give-up: a main thread that still runs reports the death itself.
  watchdog: startWatchdog(STUCK_MS + 1500),
});

process.on('message', async (message: ParentMessage) => {
  switch (message.type) {
    case 'interrupt':
      return runner.interrupt();
    case 'configure':
      return runner.configure(message.callbackMs);
    case 'heap':
      return send({ type: 'heap', id: message.id, ...(await runner.heap()) });
    case 'request': {
      const outcome = await runner.request(message.request, message.bound);
      send({ type: 'outcome', id: message.id, outcome });
    }
  }
});

process.on('uncaughtException', (error) => {
  process.stderr.write(`viv runner: ${error.stack ?? error}\n`);
  exitNow();
});

// The session has gone (or closed us): nothing is left to do, even mid-tick.
process.on('disconnect', exitNow);
// Signals to the whole process group (Ctrl-C in a shell, a terminal closing) are the session's to
// handle: it stops the running entry, saves, and then closes this process.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => {});
send({ type: 'ready' });
