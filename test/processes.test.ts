// Processes through the engine and a real isolate (in process), on real timers: drift-free ticks,
// redefinition between ticks, supervision with restart intensity, the rollback offer, timers with
// owners, and processes saved with the image. Tests wait for a number of ticks (a logical clock),
// never for a fixed time, so a loaded machine only makes them slower. --run-for is the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run, tempDir } from './helpers.ts';
import { session, shown as values, until, waitFor } from './support/session.ts';
import type { SessionRun } from './support/session.ts';

/** An entry that ends in JSON.stringify(...): its value, parsed (it is shown as a quoted string). */
function json(r: SessionRun, index: number): any {
  const result = r.results[index]!;
  assert.ok(result.ok, `entry ${index} failed: ${result.error?.name}: ${result.error?.message}`);
  const shown = result.value!;
  assert.match(shown, /^'.*'$/s, 'the value is a string');
  return JSON.parse(shown.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\'));
}

/**
 * What an entry printed with console.log(JSON.stringify(...)), parsed. For logs that grow with
 * time (ticks run while entries do): a returned string is shown cut at 10,000 characters, as Node
 * does, and a loaded machine runs more ticks; what is printed is not cut.
 */
function logged(r: SessionRun, index: number): any {
  const result = r.results[index]!;
  assert.ok(result.ok, `entry ${index} failed: ${result.error?.name}: ${result.error?.message}`);
  return JSON.parse(result.printed[0]!);
}

/** Ticks must be consecutive and exactly on the grid start + n * period. */
function assertOnGrid(log: { n: number; time: number }[], period: number): void {
  assert.ok(log.length > 5, `enough ticks ran (${log.length})`);
  const start = log[0]!.time - log[0]!.n * period;
  log.forEach((tick, i) => {
    assert.equal(
      tick.n,
      log[0]!.n + i,
      `tick ${i} follows the one before (none skipped or doubled)`,
    );
    assert.ok(Math.abs(tick.time - (start + tick.n * period)) < 1e-6, `tick ${tick.n} on the grid`);
  });
}

test('ticks are due at start + n·period, never drifting, and a redefinition lands between ticks', async () => {
  const ran = (version: number) => until(`seen.log.filter((t) => t.a === ${version}).length >= 6`);
  const r = await session([
    'function a() { return 1 }',
    'function b() { return 1 }',
    'const seen = once({ log: [] as any[] })',
    'function step(s, t) { seen.log.push({ n: t.n, time: t.time, a: a(), b: b() }); for (let i = 0; i < 2e5; i++); }',
    "spawn('p', { every: 10, step })",
    ran(1),
    // One entry redefines both: every tick sees both old or both new, never one of each.
    'function a() { return 2 }\nfunction b() { return 2 }',
    ran(2),
    'function a() { return 3 }\nfunction b() { return 3 }',
    ran(3),
    'console.log(JSON.stringify(seen.log))',
  ]);
  const log = logged(r, r.results.length - 1) as {
    n: number;
    time: number;
    a: number;
    b: number;
  }[];
  assertOnGrid(log, 10);
  for (const tick of log) assert.equal(tick.a, tick.b, `tick ${tick.n} saw one version of both`);
  const versions = [...new Set(log.map((t) => t.a))];
  assert.deepEqual(versions, [1, 2, 3], 'every version ran, in order');
});

test('re-evaluating the entry that started a process does not start a second one', async () => {
  const r = await session([
    'const box = once({ ticks: 0 })',
    'function count(s) { box.ticks++ }',
    "spawn('counter', { every: 20, step: count })",
    "spawn('counter', { every: 20, step: count })",
    "spawn('counter', { every: 20, step: count })",
    until('box.ticks >= 10'),
    'JSON.stringify({ ticks: box.ticks, own: processes()[0].ticks, n: processes().length })',
  ]);
  const { ticks, own, n } = json(r, 6);
  assert.equal(n, 1);
  assert.ok(ticks >= 10, `it ticked (${ticks})`);
  // Every tick that counted was the one process's own: a second (or a replaced) process would
  // have counted ticks that are not its.
  assert.equal(ticks, own, 'the box counted exactly the ticks of the one process');
});

test('a throwing tick restarts the process, keeping or resetting its state, within the intensity', async () => {
  const r = await session([
    'const thrown = once(new Set())',
    // Throws once per process, on its third tick.
    'function flaky(s, t) { s.n++; if (s.n === 3 && !thrown.has(t.name)) { thrown.add(t.name); throw new Error("once") } }',
    "const kept = spawn('kept', { every: 10, step: flaky, init: () => ({ n: 0 }) })",
    "const reset = spawn('reset', { every: 10, step: flaky, restart: 'reset', init: () => ({ n: 0 }) })",
    until('processes().every((p) => p.ticks > 10)'),
    'JSON.stringify(processes().map(p => [p.name, p.status, p.restarts, p.lastError]))',
    'JSON.stringify([kept.n, reset.n, processes().map(p => p.ticks)])',
  ]);
  // The error is no longer current once a clean tick followed the restart: `:ps` drops it.
  assert.deepEqual(json(r, 5), [
    ['kept', 'running', 1, null],
    ['reset', 'running', 1, null],
  ]);
  // The thrown tick counts too; kept went on from 3, reset started over from 0 after it.
  const [keptN, resetN, [keptTicks, resetTicks]] = json(r, 6);
  assert.ok(keptTicks > 10, `kept ran on (${keptTicks} ticks)`);
  assert.equal(keptN, keptTicks, 'kept counted every tick: its state was kept');
  assert.equal(resetN, resetTicks - 3, 'reset counted from 0 again after its third tick');
  assert.match(r.stderr, /reset: tick 2 threw: Error: once; restarted, state re-initialised/);
  assert.match(r.stderr, /kept: tick 2 threw: Error: once; restarted, state kept/);
});

test('past its restart intensity a process stops with its last error; never a restart loop', async () => {
  const r = await session([
    'function bad(s) { s.n = (s.n ?? 0) + 1; throw new TypeError("tick " + s.n) }',
    "const st = spawn('bad', { every: 5, step: bad, maxRestarts: 2, withinSeconds: 10 })",
    // Crashed; then 20 more periods in which a restart loop would show itself.
    `${until("processes()[0].status === 'crashed'")}; await sleep(100)`,
    'JSON.stringify([st.n, processes()[0]])',
  ]);
  const [ticks, info] = json(r, 3);
  assert.equal(ticks, 3, 'two restarts, then the third crash stops it');
  assert.equal(info.status, 'crashed');
  assert.equal(info.lastError, 'TypeError: tick 3');
  assert.match(
    r.stderr,
    /bad: tick 2 threw: TypeError: tick 3\. It stopped: 3 crashes within 10 s/,
  );
});

/** A process runs clean for a while, then a redefinition breaks its rule. */
const BREAK = [
  'function rule(x) { return x + 1 }',
  'function step(s) { s.v = rule(s.v ?? 0) }',
  "const st = spawn('life', { every: 10, step })",
  until('st.v >= 10'),
  'function rule(x) { throw new Error("broken rule") }',
];
/** ... and it crashes past its restart intensity. */
const BREAKS = [...BREAK, until("processes()[0].status === 'crashed'")];

test('a redefinition that makes a process crash is named, and the rollback is offered', async () => {
  const r = await session([...BREAKS, "processes()[0].status + ' ' + processes()[0].suspect.name"]);
  assert.equal(values(r).at(-1), "'crashed rule'");
  assert.match(
    r.stderr,
    /It ran clean until entry \d+ changed rule \(now v2\)\. To go back: :rollback rule 1 \(life restarts by itself\)/,
  );
  // Taking the offer: the rollback restarts the process on the old rule.
  const taken = await session([
    ...BREAKS,
    ':rollback rule 1',
    'const before = st.v',
    until('st.v > before'),
    'JSON.stringify([processes()[0].status, st.v > before])',
  ]);
  assert.deepEqual(taken.results.at(-4)!.printed, ['life restarted']);
  assert.deepEqual(json(taken, taken.results.length - 1), ['running', true]);
});

test('--auto-rollback rolls the breaking redefinition back and the process goes on', async () => {
  const r = await session(
    [
      ...BREAK,
      // The rollback is made between entries: wait for it there, not in an entry that awaits.
      waitFor((stderr) => /auto-rollback: rule is back/.test(stderr)),
      'const back = st.v',
      until('st.v > back'),
      'JSON.stringify([processes()[0].status, st.v > back, st.v > 10])',
      ':history rule',
    ],
    { autoRollback: true },
  );
  assert.deepEqual(json(r, 7), ['running', true, true]);
  assert.match(r.stderr, /auto-rollback: rule is back at v1; life restarted/);
  assert.match(values(r).at(-1)!, /rolled back from v2 to v1/);
});

test(':ps, :stop and :restart; stopping is journaled and survives reopening', async () => {
  const dir = tempDir();
  const image = join(dir.path, 'ps.json');
  try {
    const first = await session(
      [
        'function inc(s) { s.n = (s.n ?? 0) + 1 }',
        "const a = spawn('a', { every: 10, step: inc })",
        "const b = spawn('b', { every: 10, step: inc })",
        until('a.n >= 3 && b.n >= 3'),
        ':stop a',
        ':ps',
        ':stop nosuch',
      ],
      { image },
    );
    assert.match(values(first)[4]!, /^a stopped after \d+ ticks$/);
    assert.match(values(first)[5]!, /^name\s+status\s+every\s+ticks\s+restarts\s+late p99/m);
    assert.match(values(first)[5]!, /^a\s+stopped\s+10 ms/m);
    assert.match(values(first)[5]!, /^b\s+running\s+10 ms/m);
    assert.match(values(first)[6]!, /^!Error: there is no process nosuch \(processes: a, b\)/);

    const second = await session(
      [
        // b keeps the time: while it ticks 10 times, a (stopped) must not tick at all.
        'const a0 = a.n; const b0 = b.n',
        until('b.n >= b0 + 10'),
        'JSON.stringify([a.n === a0, processes().map(p => p.status)])',
        ':restart a',
        until('a.n > a0'),
        'a.n > a0',
      ],
      { image },
    );
    assert.deepEqual(json(second, 2), [true, ['stopped', 'running']]);
    assert.equal(values(second)[3], 'a restarted');
    assert.equal(values(second)[5], 'true');
  } finally {
    dir.remove();
  }
});

test('processes are saved with the image and resume where they were, in logical time', async () => {
  const dir = tempDir();
  const image = join(dir.path, 'resume.json');
  try {
    const first = await session(
      [
        'function rec(s, t) { s.log.push([t.n, t.time]) }',
        "const st = spawn('rec', { every: 25, step: rec, state: { log: [] } })",
        until('st.log.length >= 8'),
        ':save',
        'st.log.length',
      ],
      { image },
    );
    const saved = Number(values(first)[4]);
    // Closed for 12 periods: it resumes in logical time, with no tick skipped for the gap.
    await new Promise((r) => setTimeout(r, 300));
    const second = await session(
      [until(`st.log.length >= ${saved + 5}`), 'console.log(JSON.stringify(st.log))'],
      { image },
    );
    const log = logged(second, 1) as [number, number][];
    assert.ok(log.length >= saved + 5, 'it went on ticking after reopening');
    assertOnGrid(
      log.map(([n, time]) => ({ n, time })),
      25,
    );
  } finally {
    dir.remove();
  }
});

test('a save and a migration of many instances delay ticks but never skip or double one', async () => {
  const dir = tempDir();
  try {
    const r = await session(
      [
        'class P { x = 1 }',
        'const ps = once(Array.from({ length: 50000 }, () => new P()))',
        'const seen = once({ log: [] as any[] })',
        "spawn('rec', { every: 5, step: (s, t) => seen.log.push({ n: t.n, time: t.time, late: t.late }) })",
        until('seen.log.length >= 5'),
        'class P { x = 1; y = 0; static upgrade(p) { p.y = p.x * 2 } }',
        ':save',
        'const afterSave = seen.log.length',
        until('seen.log.length >= afterSave + 5'),
        "spawn('rec', { every: 5, step: (s, t) => seen.log.push({ n: t.n, time: t.time, late: t.late }) }); 0",
        // Printed, not returned: a returned string is shown cut at 10,000 characters, as Node does.
        'console.log(JSON.stringify(seen.log))',
      ],
      // No final save: it would fail as the :save did (the inline step), after the log was
      // printed (a third pass over the 50,000 instances, for nothing asserted).
      { image: join(dir.path, 'm.json'), noSave: true },
    );
    assert.match(
      values(r)[6]!,
      /^!SnapshotError: cannot save process rec: its step is an inline function, and only top-level definitions are saved/,
      'an inline step cannot be saved: said so',
    );
    const log = logged(r, 10);
    assertOnGrid(log, 5);
    assert.ok(Math.max(...log.map((t: any) => t.late)) > 5, 'the migration made some ticks late');
  } finally {
    dir.remove();
  }
});

test('an entry that awaits holds ticks only once it has staged a definition; a failed one is never seen', async () => {
  const r = await session([
    'function ver() { return 1 }',
    'const seen = once({ v: [] as number[] })',
    "spawn('w', { every: 5, step: () => seen.v.push(ver()) })",
    until('seen.v.length > 2'),
    'const during = seen.v.length',
    'function ver() { return 2 }\nawait sleep(80)\nthrow new Error("changed my mind")',
    'JSON.stringify([during > 2, seen.v.includes(2)])',
  ]);
  assert.deepEqual(json(r, 6), [true, false]);
});

test('timers belong to their owner: re-evaluating replaces them, a failed entry takes its own back', async () => {
  const r = await session([
    'const hits = once({ n: 0 })',
    'setInterval(() => hits.n++, 10)',
    'setInterval(() => hits.n++, 10)',
    'setInterval(() => hits.n++, 10)',
    'setTimeout(() => {}, 100000); throw new Error("no")',
    ':ps',
    'const poll = setInterval(() => {}, 50)',
    'const poll = setInterval(() => {}, 60)',
    ':ps',
  ]);
  assert.deepEqual(r.results[2]!.printed, [
    '(1 timer left by an earlier evaluation of this entry was cleared)',
  ]);
  const ps = values(r)[5]!;
  assert.equal(ps.match(/interval/g)?.length, 1, `one interval is left:\n${ps}`);
  assert.doesNotMatch(ps, /timeout/, 'the failed entry took its timer back');
  const later = values(r)[8]!;
  assert.match(later, /#\d+\s+interval\s+60 ms\s+\d+\s+entry defining poll/);
  assert.doesNotMatch(later, /50 ms/);
});

test('a process that stops takes its timers with it', async () => {
  const r = await session([
    "spawn('parent', { every: 1000, step: () => { setInterval(() => {}, 1000) } })",
    until('processes()[0].ticks >= 1'),
    ':ps',
    ':stop parent',
    ':ps',
  ]);
  assert.match(values(r)[2]!, /interval\s+1000 ms\s+\d+\s+process parent/);
  assert.doesNotMatch(values(r)[4]!, /timers:/);
});

test(':frame prints the current text frame of a process', async () => {
  const r = await session([
    "const c = spawn('counter', { every: 10, step: s => s.n++, init: () => ({ n: 0 }), view: s => 'count: ' + s.n })",
    until('c.n >= 3'),
    ':frame counter',
    ':frame nosuch',
    "spawn('plain', { every: 10, step: () => {} }); 0",
    ':frame plain',
  ]);
  assert.match(values(r)[2]!, /^count: \d+$/);
  assert.match(values(r)[3]!, /no process nosuch/);
  assert.match(values(r)[5]!, /plain has no view/);
});

test('bad spawn options are refused with what was wrong', async () => {
  const r = await session([
    "spawn('x', { every: 10 })",
    "spawn('x', { step: () => {} })",
    "spawn('x', { every: -1, step: () => {} })",
    "spawn('x', { every: 10, beats: 1, step: () => {} })",
    "spawn('x', { beats: 1, clock: {}, step: () => {} })",
    "spawn('x', { every: 10, step: () => {}, restart: 'sometimes' })",
    'processes().length',
  ]);
  assert.deepEqual(values(r), [
    "!TypeError: spawn('x', options): options.step must be a function (state, tick) => void",
    "!TypeError: spawn('x', options): give either every: MILLISECONDS or beats: N with a clock",
    "!TypeError: spawn('x', options): options.every must be a positive number, not -1",
    "!TypeError: spawn('x', options): give either every: MILLISECONDS or beats: N with a clock",
    "!TypeError: spawn('x', options): options.clock must be a clock (a TempoClock: it has timeAt and beatAt)",
    "!TypeError: spawn('x', options): options.restart must be 'keep' or 'reset'",
    '0',
  ]);
});

test('batch mode: processes run while the input lasts and --run-for seconds after', async () => {
  const input =
    "spawn('hello', { every: 250, step: (s) => console.log('tick', s.n = (s.n ?? 0) + 1) })\n";
  const [short, long] = await Promise.all([
    run(['--batch'], input),
    // Ticks at 0, 250, 500 and 750 ms are all due before the end, however slow the machine.
    run(['--batch', '--run-for', '1'], input),
  ]);
  const count = (out: string) => out.match(/^tick \d+$/gm)?.length ?? 0;
  assert.ok(count(short.stdout) <= 1, short.stdout);
  assert.ok(count(long.stdout) >= 4, long.stdout);
  const bad = await run(['--batch', '--run-for', 'soon'], '');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--run-for needs a number of seconds, not "soon"/);
});

test(':forget removes a process from the image, so an unsaveable one no longer blocks saving', async () => {
  const dir = tempDir();
  try {
    const r = await session(
      [
        "spawn('inline', { every: 50, step: (s) => {} }); 0",
        ':save',
        ':forget inline',
        ':save',
        'processes().length',
        ':forget inline',
      ],
      { image: join(dir.path, 'f.json') },
    );
    assert.deepEqual(r.results[0]!.printed, [
      "note: inline's step is an inline function: the process runs, but the image cannot be saved until it is a top-level function",
    ]);
    assert.match(values(r)[1]!, /^!SnapshotError: cannot save process inline/);
    assert.match(values(r)[2]!, /^inline is gone \(it had run \d+ ticks\)$/);
    assert.match(values(r)[3]!, /^saved /);
    assert.equal(values(r)[4], '0');
    assert.match(values(r)[5]!, /there is no process inline \(no processes yet\)/);
  } finally {
    dir.remove();
  }
});
