// Every call into the guest is bounded and the host's resources too (issue 10, points 2-6): a
// runner never outlives its session, a death is reported once with its cause and a process whose
// tick killed the guest is stopped, output and OSC have budgets, bad OSC destinations are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { CLI, cliEnv, startCli, untilBusy } from './helpers.ts';
import { session, shown } from './support/session.ts';

/** The pids of runner processes whose parent is `pid`. */
function runnersOf(pid: number): number[] {
  try {
    const out = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' });
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('a runner never outlives its session, even while guest code spins', async () => {
  const child = spawn(process.execPath, [CLI, '--batch', '--timeout', '60000'], {
    env: cliEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  // A first entry answered: the runner has started (which spends CPU time too), and is idle.
  child.stdin.write('1\n');
  while (!stdout.includes('\n') && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const runners = runnersOf(child.pid!);
  assert.equal(runners.length, 1, 'the session started one runner');
  child.stdin.write('for (;;) {}\n');
  // The session is killed once its runner spins in the loop (it spends CPU time there; idle, none).
  await untilBusy(runners[0]!, 50);
  child.kill('SIGKILL');
  // It goes within a second or two on an idle machine (its watchdog thread looks every 100 ms);
  // the deadline is generous so that a loaded machine cannot fail the test, only a runner that stays.
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && alive(runners[0]!)) await new Promise((r) => setTimeout(r, 50));
  assert.equal(alive(runners[0]!), false, 'the runner was gone');
});

test('a tick that kills the guest is reported once with its cause, and its process is stopped', async () => {
  // Input stays open until the report has come (a loaded machine only makes that later); then
  // the session ends, and whatever it printed in between is counted.
  const cli = startCli(['--batch', '--memory', '64']);
  let stderr = '';
  cli.child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  cli.child.stdin.write(
    [
      'const hoard = once([] as number[][])',
      // One tick alone goes far past the 64 MB (the guest dies inside it, whatever else runs
      // between ticks: with less, the limit could be reached in the next query instead).
      'function grow(s: any) { for (let i = 0; i < 2_000; i++) hoard.push(new Array(100_000).fill(i)) }',
      "spawn('hog', { every: 50, step: grow })",
    ].join('\n') + '\n',
  );
  while (!/hog is stopped/.test(stderr)) await new Promise((r) => setTimeout(r, 20));
  cli.child.stdin.end('1 + 1\n');
  await cli.closed;
  // Its cause: out of memory, or, when the tick's bound asked it to stop as it neared the limit
  // (a loaded machine makes the tick slower than its bound), that it did not stop when told to.
  const deaths = stderr.match(/ran out of memory|did not stop when told to \(out of memory/g) ?? [];
  assert.equal(deaths.length, 1, `reported once: ${stderr}`);
  assert.match(stderr, /during a tick of process hog: hog is stopped/);
});

test('an entry keeps at most 10,000 lines of output and says how many it dropped', async () => {
  const r = await session(['for (let i = 0; i < 50_000; i++) console.log(i); 1']);
  assert.equal(r.results[0]!.printed.length, 10_001);
  assert.match(r.results[0]!.printed.at(-1)!, /^\(40000 more lines of output dropped/);
  assert.equal(shown(r)[0], '1');
});

test('bad OSC destinations and addresses are refused at the API, and a burst is bounded', async () => {
  const r = await session([
    "vivarium.sendOSC('/x', [], { host: 'a\\u0000b' })",
    "new OscOut({ host: 'bad host' })",
    "vivarium.sendOSC('no slash', [])",
    "vivarium.sendOSC('/a b', [])",
    "for (let i = 0; i < 5000; i++) vivarium.sendOSC('/n', [i], { port: 9 }); 'sent'",
  ]);
  const [nul, space, slash, blank, burst] = shown(r);
  assert.match(nul!, /^!TypeError: sendOSC: host must be a host name or an IP address/);
  assert.match(space!, /^!TypeError: OscOut: host must be a host name or an IP address/);
  assert.match(slash!, /^!TypeError: sendOSC: the address must be a string like \/dirt\/play/);
  assert.match(blank!, /^!TypeError: sendOSC: the address must be/);
  assert.equal(burst, "'sent'");
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.match(r.stderr, /OSC: 904 messages dropped \(at most 4096 leave in one tick or entry\)/);
});

test('a signal that comes before an awaiting entry reaches the guest still stops it (no hang)', async () => {
  const { openSession } = await import('../src/session/open-session.ts');
  const { InProcessGuest } = await import('../src/session/guest/in-process.ts');
  const { openStore } = await import('../src/session/store/store.ts');
  const { validateRecord } = await import('../src/session/engine/journal-records.ts');
  const { tempDir } = await import('./helpers.ts');
  const { join } = await import('node:path');
  const dir = tempDir();
  try {
    const store = await openStore(join(dir.path, 'img.json'), { validate: validateRecord });
    const engine = await openSession({ guest: InProcessGuest.start, store });
    // As the signal handler does, at once: the entry's begin record is still being written.
    const pending = engine.submit('await new Promise(() => {})');
    engine.requestQuit();
    engine.interrupt();
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      pending,
      new Promise<'hung'>((r) => (timer = setTimeout(() => r('hung'), 20_000))),
    ]);
    clearTimeout(timer);
    assert.notEqual(result, 'hung', 'the entry was stopped');
    assert.equal((result as { ok: boolean }).ok, false);
    await engine.close();
  } finally {
    dir.remove();
  }
});

/**
 * A runner that dies under a session that still talks to it, in a process of its own (an
 * unhandled 'error' there once ended the process), for the two tests below: one runner started
 * from the sources instead of one each. The session asks the stopped runner (SIGSTOP) how big its
 * heap is, the runner is killed (SIGKILL) with the question in flight, and before the session's
 * event loop has seen it die (its pipe closed, it still looks connected) it is sent two
 * interrupts. What the child prints: the heap question's answer (a JSON line), then "went on".
 */
let dyingRunner: SpawnSyncReturns<string> | undefined;
function runnerDiesUnderTheSession() {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = `
    import { ChildGuest } from ${JSON.stringify(join(here, '../src/session/guest/child-guest.ts'))};
    import { execFileSync } from 'node:child_process';
    const guest = await ChildGuest.start({ memoryMB: 64, onNotice: () => {} });
    const runner = Number(execFileSync('pgrep', ['-P', String(process.pid)], { encoding: 'utf8' }).trim().split('\\n')[0]);
    if (!(runner > 0)) throw new Error('the runner was not started');
    // Stopped, the runner cannot answer; then it dies with the question in flight.
    process.kill(runner, 'SIGSTOP');
    const heap = guest.heap();
    process.kill(runner, 'SIGKILL');
    // Dead, its pipe closed, before this process's event loop has seen any of it.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    guest.interrupt();
    guest.interrupt();
    await guest.died;
    const answered = await Promise.race([heap, new Promise((r) => setImmediate(() => r('waiting')))]);
    process.stdout.write(JSON.stringify(answered) + '\\n');
    await new Promise((r) => setTimeout(r, 100));
    process.stdout.write('went on');
    process.exit(0);`;
  return (dyingRunner ??= spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: cliEnv(),
    timeout: 60_000,
  }));
}

test("a heap question in flight when the runner dies is answered, not left waiting (an entry's save waits for it)", () => {
  const child = runnerDiesUnderTheSession();
  const answered = JSON.parse(child.stdout.split('\n')[0]!) as unknown;
  assert.deepEqual(answered, { used: 0, limit: 64 * 1024 * 1024 }, child.stderr);
});

test('a message to a runner that has just died (still looking connected) ends nothing: no EPIPE error goes unhandled', () => {
  const child = runnerDiesUnderTheSession();
  assert.equal(child.stdout.split('\n').at(-1), 'went on', child.stderr);
  assert.equal(child.status, 0, child.stderr);
});
