// Quitting while processes play, then reopening: every tick is heard exactly once, and its state
// changes are kept (the final save pauses the processes' clock before it takes the snapshot). A
// real UDP receiver counts what was sent; the image is large enough that writing its snapshot takes
// many periods of the process, so a tick that ran during it would be heard twice. And `:save`
// followed by a crash: the ticks that run again after reopening are reported, with their numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCli, tempDir } from './helpers.ts';
import { session, shown, until, waitFor } from './support/session.ts';
import { oscReceiver } from './support/osc-receiver.ts';

test('quit while a process plays, then reopen: each tick number is heard once, state kept', async () => {
  const dir = tempDir();
  const rx = await oscReceiver();
  const image = join(dir.path, 'quit.json');
  try {
    await session(
      [
        'const big = once(Array.from({ length: 200_000 }, (_, i) => ({ i, s: "x" + i })))',
        `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
        "function beat(s, t) { s.count++; out.send('/tick', [t.n, s.count]) }",
        "const st = spawn('p', { every: 2, step: beat, state: { count: 0 } })",
        until('st.count >= 20'),
      ],
      { image },
    );
    const atQuit = rx.events.length;
    const second = await session(
      [until(`st.count >= ${atQuit + 20}`), 'JSON.stringify([st.count, processes()[0].ticks])'],
      { image, noSave: true },
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagrams, on loopback
    const heard = rx.events.filter((e) => e.address === '/tick').map((e) => e.args as number[]);
    const numbers = heard.map(([n]) => n!);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i),
      'tick numbers 0, 1, 2, ... each heard once, none doubled or lost across quit and reopen',
    );
    // Each tick saw the state every tick before it left: the count it sent is its number + 1.
    assert.deepEqual(
      heard.map(([, count]) => count),
      numbers.map((n) => n + 1),
    );
    const [count, ticks] = JSON.parse(shown(second)[1]!.slice(1, -1)) as number[];
    assert.ok(count! >= atQuit + 20);
    assert.equal(ticks, count, 'the tick counter and the state agree');
  } finally {
    await rx.close();
    dir.remove();
  }
});

/** The tick counts of `name` in the journal's `ticks` records, oldest first. */
function recordedTicks(journal: string, name: string): number[] {
  let text = '';
  try {
    text = readFileSync(journal, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { type?: string; ticks?: Record<string, number> })
    .filter((r) => r.type === 'ticks' && r.ticks?.[name] !== undefined)
    .map((r) => r.ticks![name]!);
}

test(':save then a crash: reopening says which ticks ran past the snapshot and run again', async () => {
  const dir = tempDir();
  const rx = await oscReceiver();
  const image = join(dir.path, 'crash.json');
  const journal = image + '.journal';
  try {
    await session(
      [
        `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
        "function beat(s, t) { s.count++; out.send('/tick', [t.n, s.count]) }",
        "const st = spawn('p', { every: 5, step: beat, state: { count: 0 } })",
        until('st.count >= 10'),
        ':save',
        // Between entries the session journals the tick counts; wait for two records after the save.
        waitFor(() => recordedTicks(journal, 'p').length >= 2, 20_000),
      ],
      { image, noSave: true, engine: { tickRecordMs: 20 } },
    );
    const recorded = recordedTicks(journal, 'p').at(-1)!;
    const before = rx.events.length;
    const second = await session([until(`st.count >= ${recorded + 5}`)], { image });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagrams, on loopback
    const report =
      /process p had run (\d+) ticks? past the snapshot \(ticks (\d+) to (\d+), as last recorded/.exec(
        second.stderr,
      );
    assert.ok(report, `reopening reports the ticks past the snapshot; it said: ${second.stderr}`);
    const [, past, from, to] = report.map(Number) as number[];
    assert.equal(to, recorded - 1, 'up to the last recorded tick');
    assert.equal(past, recorded - from!);
    assert.match(second.stderr, /they run again from the snapshot's state/);
    const numbers = (events: typeof rx.events) =>
      events.filter((e) => e.address === '/tick').map((e) => (e.args as number[])[0]!);
    const first = numbers(rx.events.slice(0, before));
    const again = numbers(rx.events.slice(before));
    // Before the crash every tick up to the last recorded one was heard once; after reopening the
    // reported ones are heard again, starting with the first, from the snapshot's state.
    assert.deepEqual(first.slice(0, recorded), [...Array(recorded).keys()]);
    assert.equal(again[0], from, 'the process resumes at the first reported tick');
    const counts = rx.events.slice(before).filter((e) => e.address === '/tick');
    assert.equal((counts[0]!.args as number[])[1], from! + 1, 'with the state the snapshot held');
  } finally {
    await rx.close();
    dir.remove();
  }
});

test('SIGTERM to the CLI while a process plays (runner in its own process), then reopen: each tick heard once', async () => {
  const dir = tempDir();
  const rx = await oscReceiver();
  const image = join(dir.path, 'term.json');
  const ticks = () => rx.events.filter((e) => e.address === '/tick');
  try {
    // 60,000 objects: writing the snapshot takes long enough (~0.1 s) that, without the paused clock,
    // the runner (its own process) sends ticks meanwhile that are heard again after reopening.
    const cli = startCli(['--batch', '--json', '--image', image]);
    cli.child.stdin.write(
      [
        'const big = once(Array.from({ length: 60_000 }, (_, i) => ({ i, s: "x" + i })))',
        `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
        "function beat(s, t) { s.count++; out.send('/tick', [t.n, s.count]) }",
        // Late ticks are played, not skipped (a process that sends skips a tick over 100 ms late:
        // on a loaded machine that is a gap in the numbers, which is not what this test is about).
        "const st = spawn('p', { every: 2, step: beat, state: { count: 0 }, late: 'catch-up' }); 0",
      ].join('\n') + '\n',
    );
    await cli.waitForLines(4);
    while (ticks().length < 30) await new Promise((resolve) => setTimeout(resolve, 10));
    cli.child.kill('SIGTERM');
    assert.equal(await cli.closed, 143);
    const atQuit = ticks().length;
    // Reopened in process (the same engine and store): what is tested here is the quit.
    const second = await session([until(`st.count >= ${atQuit + 20}`), 'st.count'], { image });
    assert.equal(second.status, 0, second.stderr);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagrams, on loopback
    const heard = ticks().map((e) => e.args as number[]);
    const numbers = heard.map(([n]) => n!);
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i),
      'tick numbers 0, 1, 2, ... each heard once across SIGTERM and reopen',
    );
    assert.deepEqual(
      heard.map(([, count]) => count),
      numbers.map((n) => n + 1),
      'each tick saw the state of every tick before it',
    );
  } finally {
    await rx.close();
    dir.remove();
  }
});

test('a guest that dies after :save says which ticks run again from the snapshot', async () => {
  const dir = tempDir();
  const image = join(dir.path, 'died.json');
  const journal = image + '.journal';
  try {
    const cli = startCli(['--batch', '--json', '--memory', '64', '--image', image]);
    cli.child.stdin.write(
      [
        'function count(s) { s.count++ }',
        // A tick every 50 ms: the 2 s until the first record are 40 ticks, not 400 (CPU).
        "const st = spawn('p', { every: 50, step: count, state: { count: 0 } }); 0",
        ':save',
      ].join('\n') + '\n',
    );
    await cli.waitForLines(3);
    // The session journals the tick counts at most every 2 s, between entries.
    while (recordedTicks(journal, 'p').length === 0) await new Promise((r) => setTimeout(r, 20));
    const recorded = recordedTicks(journal, 'p').at(-1)!;
    cli.child.stdin.end(
      'const hog: number[][] = []; while (true) hog.push(new Array(1e6).fill(1))\n',
    );
    assert.equal(await cli.closed, 1);
    const died = JSON.parse(cli.lines()[3]!) as { ok: boolean; error: { message: string } };
    assert.equal(died.ok, false);
    const report =
      /process p had run (\d+) ticks? past the snapshot \(ticks (\d+) to (\d+), as last recorded; up to 2 s more may have run\) when the isolate died: they run again from the snapshot's state/.exec(
        died.error.message,
      );
    assert.ok(report, died.error.message);
    assert.equal(Number(report[3]), recorded - 1);
  } finally {
    dir.remove();
  }
});

test('SIGTERM while a tick runs lets that tick finish: its note is heard and its state is saved (only an entry is stopped)', async () => {
  const dir = tempDir();
  const rx = await oscReceiver();
  const image = join(dir.path, 'mid-tick.json');
  const heard = (address: string) => rx.events.filter((e) => e.address === address);
  try {
    const cli = startCli(['--batch', '--json', '--image', image]);
    cli.child.stdin.write(
      [
        `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
        // A tick that says it started, is busy for 400 ms (under the 2 s callback bound), then
        // plays. Busy blocked in Atomics.wait, not spinning: the runner is held just the same (a
        // synchronous tick), without 0.4 s of CPU.
        "function beat(s, t) { out.send('/start', [t.n]); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400); s.count++; out.send('/tick', [t.n, s.count]) }",
        "const st = spawn('p', { every: 60_000, step: beat, state: { count: 0 } }); 0",
      ].join('\n') + '\n',
    );
    await cli.waitForLines(3);
    for (const t0 = Date.now(); heard('/start').length === 0 && Date.now() - t0 < 10_000;)
      await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(heard('/start').length, 1, 'the first tick started');
    cli.child.kill('SIGTERM');
    assert.equal(await cli.closed, 143);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the last datagram, on loopback
    assert.deepEqual(
      heard('/tick').map((e) => e.args),
      [[0, 1]],
      'the tick that was running finished and played',
    );
    const reopened = await session(['st.count', 'processes()[0].ticks'], { image, noSave: true });
    assert.deepEqual(shown(reopened), ['1', '1'], 'and its state was saved with it');
  } finally {
    await rx.close();
    dir.remove();
  }
});
