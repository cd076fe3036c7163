// User code runs in an isolate: no host reachable, bounded in time and memory, and a dying
// isolate (or a dying guest process) never takes the session or its definitions with it. What the
// kernel bounds runs in process; running out of memory and a dying guest process use the real CLI
// (isolated-vm can abort the whole process that hosts an isolate that runs out of memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { childOf, startCli, untilBusy } from './helpers.ts';
import { session, shown } from './support/session.ts';
import type { Result } from '../src/session/result.ts';

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

/**
 * One real CLI (`viv --batch --json --memory 64`) for the two tests of a dying guest below: an
 * isolate that runs out of memory, then the whole guest process aborting (after the first, on the
 * runner the session started in place of the dead one). A CLI start and a runner start less than a
 * CLI each. Started by the first test that runs; each writes its entries and waits for their
 * results.
 */
let dyingGuest: ReturnType<typeof startCli> | undefined;
const cli = () => (dyingGuest ??= startCli(['--batch', '--json', '--memory', '64']));
/** Writes `entries`; resolves with their results, once all have come. */
async function results(entries: string[]): Promise<Result[]> {
  const from = cli().lines().length;
  cli().child.stdin!.write(entries.join('\n') + '\n');
  await cli().waitForLines(from + entries.length);
  return cli()
    .lines()
    .slice(from)
    .map((l) => JSON.parse(l) as Result);
}

test('an isolate that runs out of memory is rebuilt from the definitions it had', async () => {
  const run = {
    results: await results([
      'function survivor() { return "still here" }',
      'class Box { constructor(public v: number) {} }',
      'const hog: number[][] = []; while (true) hog.push(new Array(1e6).fill(1))',
      'survivor()',
      'new Box(3).v',
    ]),
  };
  const died = run.results[2]!;
  assert.equal(died.ok, false);
  assert.equal(died.error!.name, 'GuestDied');
  assert.match(died.error!.message, /out of memory/);
  assert.match(died.error!.message, /Entry \d+ was dropped \(const hog/);
  assert.deepEqual(shown(run).slice(3), ["'still here'", '3']);
});

test('the session survives the whole guest process aborting', async () => {
  const [defined] = await results(['function alive() { return 42 }']);
  assert.equal(defined!.ok, true);
  // The guest runner is the CLI's child process: abort it as a fatal V8 error would, once it
  // is in the endless loop (it spends CPU time there; idle, it spends none).
  const runner = childOf(cli().child.pid!)!;
  const looping = results(['while (true) {}']);
  await untilBusy(runner);
  process.kill(runner, 'SIGABRT');
  const [aborted] = await looping;
  const [after] = await results(['alive()']);
  cli().child.stdin!.end();
  const status = await cli().closed;
  assert.equal(aborted!.ok, false);
  assert.match(aborted!.error!.message, /killed by SIGABRT/);
  assert.equal(after!.value, '42');
  assert.equal(status, 1);
});
