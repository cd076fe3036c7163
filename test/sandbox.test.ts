// User code runs in an isolate: no host reachable, bounded in time and memory, and a dying
// isolate (or a dying guest process) never takes the session or its definitions with it. What the
// kernel bounds runs in process; running out of memory and a dying guest process use the real CLI
// (isolated-vm can abort the whole process that hosts an isolate that runs out of memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { batch, childOf, CLI, cliEnv, untilBusy, values } from './helpers.ts';
import { session, shown } from './support/session.ts';

test('the guest has no process, require, file system or network, and cannot reach the host', async () => {
  const run = await session([
    '[typeof process, typeof require, typeof fetch, typeof Buffer, typeof module, typeof import.meta]'.replace(
      ', typeof import.meta',
      '',
    ),
    '({}).constructor.constructor("return typeof process + typeof require")()',
    'const g = (function () { return this })(); [typeof g.process, typeof g.require, Object.keys(g).filter(k => /ivm|host|Reference|ExternalCopy/i.test(k))]',
    // The kernel's staging API is no global (issue 10): nothing of the kernel to climb from.
    "typeof (globalThis as any)['__' + 'viv']",
    'try { eval("import(\'node:fs\')").catch(e => "rejected: " + e.message) } catch (e) { "threw: " + e.message }',
  ]);
  const values = shown(run);
  assert.equal(values[0], "[ 'undefined', 'undefined', 'undefined', 'undefined', 'undefined' ]");
  assert.equal(values[1], "'undefinedundefined'");
  assert.equal(values[2], "[ 'undefined', 'undefined', [] ]");
  assert.equal(values[3], "'undefined'");
  assert.doesNotMatch(values[4]!, /\[Module/);
});

test('the entry bound (--timeout) stops an infinite loop and the image stays usable', async () => {
  const run = await session(['function keep() { return "kept" }', 'while (true) {}', 'keep()'], {
    timeoutMs: 300,
  });
  assert.deepEqual(shown(run).slice(2), ["'kept'"]);
  assert.equal(run.results[1]!.error!.name, 'TimeoutError');
  assert.match(run.results[1]!.error!.message, /longer than 300 ms/);
  assert.equal(run.status, 1);
});

test('the entry bound (--timeout) also bounds an entry that awaits a promise that never settles', async () => {
  const started = Date.now();
  const run = await session(
    [
      'function f() { return 1 }',
      'function f() { return 2 }\nawait new Promise(() => {})\nconsole.log("never")',
      'f()',
    ],
    { timeoutMs: 400 },
  );
  assert.equal(run.results[1]!.error!.name, 'TimeoutError');
  assert.match(run.results[1]!.error!.message, /still awaiting/);
  assert.deepEqual(shown(run).slice(2), ['1']);
  assert.ok(Date.now() - started < 10_000);
});

test('an isolate that runs out of memory is rebuilt from the definitions it had', async () => {
  const run = await batch(
    [
      'function survivor() { return "still here" }',
      'class Box { constructor(public v: number) {} }',
      'const hog: number[][] = []; while (true) hog.push(new Array(1e6).fill(1))',
      'survivor()',
      'new Box(3).v',
    ],
    ['--memory', '64'],
  );
  const died = run.results[2]!;
  assert.equal(died.ok, false);
  assert.equal(died.error!.name, 'GuestDied');
  assert.match(died.error!.message, /out of memory/);
  assert.match(died.error!.message, /Entry \d+ was dropped \(const hog/);
  assert.deepEqual(values(run).slice(3), ["'still here'", '3']);
});

test('the session survives the whole guest process aborting', async () => {
  const child = spawn(process.execPath, [CLI, '--batch', '--json'], {
    env: cliEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const lines = () => stdout.split('\n').filter(Boolean);
  const waitFor = async (n: number) => {
    while (lines().length < n) await new Promise((r) => setTimeout(r, 20));
  };
  child.stdin.write('function alive() { return 42 }\n');
  await waitFor(1);
  // The guest runner is the CLI's child process: abort it as a fatal V8 error would, once it
  // is in the endless loop (it spends CPU time there; idle, it spends none).
  const runner = childOf(child.pid!)!;
  child.stdin.write('while (true) {}\n');
  await untilBusy(runner);
  process.kill(runner, 'SIGABRT');
  await waitFor(2);
  child.stdin.end('alive()\n');
  const status = await new Promise((r) => child.on('close', r));
  const results = lines().map((l) => JSON.parse(l));
  assert.equal(results[1].ok, false);
  assert.match(results[1].error.message, /killed by SIGABRT/);
  assert.equal(results[2].value, '42');
  assert.equal(status, 1);
});
