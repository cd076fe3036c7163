// The runner's watchdog thread (runner/watchdog.ts): when the main thread does not come back from
// a stop (isolated-vm can wedge it for good), the thread still reports the death with the tick it
// was stopping and ends the process; the session reads that line. (That it ends a runner whose
// session is gone is in bounded.test.ts, through the real CLI.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { STUCK_MESSAGE, wedgedReport } from '../src/shared/wedged.ts';
import { cliEnv } from './helpers.ts';

const WATCHDOG = new URL('../src/runner/watchdog.ts', import.meta.url).href;

test('a main thread wedged after a stop is reported, with its tick, and the process ends', () => {
  // Armed for a stop of the tick of `beat`, then the main thread never returns.
  const script = `
    import { startWatchdog } from ${JSON.stringify(WATCHDOG)};
    const dog = startWatchdog(300);
    dog.arm('beat');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: cliEnv(),
    timeout: 30_000,
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  assert.deepEqual(wedgedReport(child.stderr), { reason: STUCK_MESSAGE, tick: 'beat' });
});

test('a stop that comes back in time is not reported', () => {
  // Armed, disarmed (the call came back), then the main thread is busy for longer than the bound.
  const script = `
    import { startWatchdog } from ${JSON.stringify(WATCHDOG)};
    const dog = startWatchdog(200);
    dog.arm('beat');
    dog.disarm();
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
    process.stdout.write('came back');
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: cliEnv(),
    timeout: 30_000,
  });
  assert.equal(child.signal, null, child.stderr);
  assert.equal(child.stdout, 'came back');
  assert.equal(wedgedReport(child.stderr), undefined);
});
