// Processes that a performer can trust (issue 11): control calls and awaits in an entry that
// defines nothing never hold other processes' ticks; blame finds the culprit of a crash, values
// included, through intermittent failures; redefining a crashed process's code revives it; and
// `t.sleep` inside a step keeps logical time. In process, through the real engine and isolate;
// tests wait for conditions (the logical clock), never for a fixed time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, until, waitFor } from './support/session.ts';
import type { SessionRun } from './support/session.ts';
import { oscReceiver } from './support/osc-receiver.ts';

/** What an entry printed with console.log(JSON.stringify(...)), parsed. */
function logged(r: SessionRun, index: number): any {
  const result = r.results[index]!;
  assert.ok(result.ok, `entry ${index} failed: ${result.error?.name}: ${result.error?.message}`);
  return JSON.parse(result.printed.at(-1)!);
}

test('stop(); await sleep(); restart() in one entry does not hold the ticks of another process', async () => {
  // The entry awaits until vb has ticked 20 times during the await (a condition, not a time: a
  // loaded machine only makes it wait longer); held ticks would never satisfy it (10 s, then the
  // assertions fail).
  const r = await session([
    'const seen = once({ a: [] as number[], b: [] as any[], awaiting: false, from: 0, to: 0 })',
    "spawn('va', { every: 10, step: (s, t) => seen.a.push(t.time) })",
    "spawn('vb', { every: 10, step: (s, t) => seen.b.push({ n: t.n, time: t.time, awaiting: seen.awaiting }) })",
    until('seen.b.length > 3'),
    // No definition staged: the control calls and the await leave vb ticking on its grid.
    "seen.awaiting = true; seen.from = vivarium.now(); stop('va'); await sleep(50); " +
      until('seen.b.filter((t) => t.awaiting).length >= 20') +
      "; seen.to = vivarium.now(); seen.awaiting = false; restart('va')",
    until('seen.b.length > 3 + 40'),
    'console.log(JSON.stringify(seen))',
  ]);
  const seen = logged(r, 6);
  const b = seen.b as { n: number; time: number; awaiting: boolean }[];
  // vb: consecutive ticks on its grid, none skipped or doubled.
  b.forEach((tick, i) => {
    assert.equal(tick.n, b[0]!.n + i);
    assert.ok(Math.abs(tick.time - (b[0]!.time + (tick.n - b[0]!.n) * 10)) < 1e-6);
  });
  // vb ticked during the await (before the fix: not once), each tick on its grid time, none
  // stamped later than the await's end.
  const during = b.filter((t) => t.awaiting);
  assert.ok(during.length >= 20, `vb ticked during the await (${during.length} times)`);
  for (const tick of during) assert.ok(tick.time <= seen.to, `vb tick ${tick.n} ran by its time`);
  // va was stopped meanwhile: none of its ticks is due inside the await.
  const aInside = (seen.a as number[]).filter((t) => t >= seen.from + 20 && t <= seen.to);
  assert.deepEqual(aInside, []);
});

test('a failed entry that stopped a process while others ticked gives it back, without replaying ticks', async () => {
  const r = await session([
    'const seen = once({ a: [] as number[], b: 0, from: 0 })',
    "spawn('va', { every: 10, step: (s, t) => seen.a.push(t.n) })",
    "spawn('vb', { every: 10, step: () => seen.b++ })",
    until('seen.a.length > 3'),
    `stop('va'); seen.from = seen.b; ${until('seen.b > seen.from + 5')}; throw new Error('changed my mind')`,
    until('seen.a.length > 10'),
    'console.log(JSON.stringify([processes().map((p) => p.status), seen.a]))',
  ]);
  assert.equal(r.results[4]!.ok, false);
  const [statuses, a] = logged(r, 6);
  assert.deepEqual(statuses, ['running', 'running']);
  a.forEach((n: number, i: number) => assert.equal(n, i, 'va: every tick once, in order'));
});

/** A process that runs clean on rule v1 for a while. */
const CLEAN = [
  'function rule(n) { return n + 1 }',
  'function step(s, t) { s.v = rule(t.n) }',
  "const st = spawn('life', { every: 10, step })",
  until('st.v >= 10'),
];
const CRASHED = until("processes()[0].status === 'crashed'");

test('a version that throws only on some beats stays the suspect through the clean ticks between', async () => {
  const r = await session([
    ...CLEAN,
    'function rule(n) { if (n % 3 === 0) throw new Error("every third beat"); return n + 1 }',
    CRASHED,
    'processes()[0].suspect.name',
  ]);
  assert.equal(r.results.at(-1)!.value, "'rule'");
  assert.match(r.stderr, /changed rule \(now v2\)\. To go back: :rollback rule 1/);
});

/** A drum pattern as data: a bad pattern constant makes the step throw. */
const PATTERN = [
  "const pat = 'x..x'",
  'function drum(s, t) { const c = pat[t.n % pat.length]; if (c !== "x" && c !== ".") throw new Error(`no such step: ${c}`); s.hits = (s.hits ?? 0) + (c === "x" ? 1 : 0) }',
  "const st = spawn('drums', { every: 10, step: drum })",
  until('st.hits >= 5'),
  "const pat = 'x.?.'",
];

test('a bad pattern constant is named as the suspect, and the offer is its previous value', async () => {
  const r = await session([...PATTERN, CRASHED, 'processes()[0].suspect.name']);
  assert.equal(r.results.at(-1)!.value, "'pat'");
  assert.match(
    r.stderr,
    /changed pat \(now v2\)\. A value does not roll back in place .*enter its v1 again: const pat = 'x\.\.x' \(drums restarts by itself\)/,
  );
});

test("--auto-rollback enters a bad constant's previous value again, and the process goes on", async () => {
  const r = await session(
    [
      ...PATTERN,
      waitFor((stderr) => /auto-rollback: pat is back/.test(stderr)),
      'const back = st.hits',
      until('st.hits > back'),
      'JSON.stringify([processes()[0].status, pat])',
    ],
    { autoRollback: true },
  );
  assert.equal(r.results.at(-1)!.value, `'["running","x..x"]'`);
  assert.match(
    r.stderr,
    /auto-rollback: pat is back at the value of v1 \(entered again\); drums restarted/,
  );
});

test('redefining the step of a crashed process revives it; :ps shows the error only while current', async () => {
  const r = await session([
    ...CLEAN,
    'function step(s, t) { throw new Error("broken step") }',
    CRASHED,
    'processes()[0].lastError',
    'function step(s, t) { s.v = rule(t.n) }',
    'const back = st.v',
    until('st.v > back + 2'),
    'JSON.stringify([processes()[0].status, processes()[0].lastError ?? null])',
  ]);
  assert.equal(r.results[6]!.value, "'Error: broken step'");
  assert.deepEqual(r.results[7]!.printed, [
    '(life had crashed; its code was redefined: restarted)',
  ]);
  assert.equal(r.results.at(-1)!.value, `'["running",null]'`);
});

test('spawned with revive: false, a crashed process stays crashed when its code is redefined', async () => {
  const r = await session([
    'function step(s, t) { throw new Error("broken step") }',
    "spawn('life', { every: 10, step, revive: false })",
    CRASHED,
    'function step(s, t) { }',
    'processes()[0].status',
  ]);
  assert.deepEqual(r.results[3]!.printed, []);
  assert.equal(r.results.at(-1)!.value, "'crashed'");
});

test('await t.sleep(beats) inside a step keeps logical time: sends after it are stamped on the grid', async () => {
  const rx = await oscReceiver();
  try {
    const r = await session([
      'const clock = once(new TempoClock(600))', // 100 ms a beat
      `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
      // One tick a bar of 2 beats: a note on the tick, one a quarter beat later, one half a beat after that.
      "async function riff(s, t) { out.send('/n', [t.n, 0]); await t.sleep(0.25); out.send('/n', [t.n, 1]); await t.sleep(0.5); out.send('/n', [t.n, 2]) }",
      // Late ticks are played, not skipped (a loaded machine could make one late): the point here
      // is where each send is stamped.
      "spawn('riff', { beats: 2, clock, step: riff, late: 'catch-up' })",
      until('processes()[0].ticks >= 4'),
      "stop('riff')",
    ]);
    assert.ok(r.results.every((x) => x.ok));
    await until_(() => rx.events.filter((e) => e.address === '/n').length >= 9);
    const events = rx.events.filter((e) => e.address === '/n');
    const at = new Map(events.map((e) => [`${e.args[0]}.${e.args[1]}`, e.at]));
    for (const n of [0, 1, 2]) {
      const tick = at.get(`${n}.0`)!;
      assert.ok(Math.abs(at.get(`${n}.1`)! - tick - 25) < 0.002, `tick ${n}: a quarter beat later`);
      assert.ok(
        Math.abs(at.get(`${n}.2`)! - tick - 75) < 0.002,
        `tick ${n}: half a beat after that`,
      );
      if (n > 0)
        assert.ok(Math.abs(tick - at.get(`${n - 1}.0`)! - 200) < 0.002, 'ticks a bar apart');
    }
  } finally {
    await rx.close();
  }
});

/** Waits (in the test, not the guest) until `condition` holds, or 10 s. */
async function until_(condition: () => boolean): Promise<void> {
  for (const t0 = Date.now(); !condition() && Date.now() - t0 < 10_000;) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a process revived by a redefinition re-initialises its state if its strategy says reset', async () => {
  const r = await session([
    'function step(s, t) { s.n++; if (s.n > 3) throw new Error("too far") }',
    "const box = once({ st: spawn('life', { every: 10, step, restart: 'reset', maxRestarts: 0, init: () => ({ n: 100 }) }) })",
    until("processes()[0].status === 'crashed'"),
    'function step(s, t) { s.n++ }',
    until('processes()[0].ticks > 5'),
    'JSON.stringify([processes()[0].status, box.st.n < 100 + processes()[0].ticks])',
  ]);
  assert.equal(r.results.at(-1)!.value, `'["running",true]'`);
});
