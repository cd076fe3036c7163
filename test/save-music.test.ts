// Saving never silences a process (issue 11, point 1): before the isolate encodes a snapshot, the
// ticks due during the encoding run ahead, each stamped on the grid, so the synth hears them on
// time; the snapshot is the state after them, and none of them runs twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, waitFor } from './support/session.ts';
import { tempDir } from './helpers.ts';
import { join } from 'node:path';

test('a save runs the ticks due while it encodes ahead of time, on the grid, each once', async () => {
  const dir = tempDir();
  try {
    const r = await session(
      [
        // `early`: how far ahead of logical now a tick ran (0 for a tick run when due or late).
        'function step(s: any, t: any) { s.ns.push(t.n); s.early = Math.max(s.early, t.time - vivarium.now()) }',
        'const big = once(Array.from({ length: 100_000 }, (_, i) => ({ i })))',
        "const st = spawn('p', { every: 20, state: { ns: [] as number[], early: 0 }, step })",
        'st.early',
        ':save',
        'st.early > 0',
        waitFor(() => false, 100),
        'new Set(st.ns).size === st.ns.length && st.ns.every((n: number, i: number) => n === i)',
      ],
      // No final save: the one :save above is what is tested (the final one would encode it all again).
      { image: join(dir.path, 'music.json'), noSave: true },
    );
    const shown = r.results.map((x) => (x.ok ? x.value : `!${x.error?.message}`));
    assert.equal(shown[5], 'true', `a tick ran ahead of its due time during :save: ${shown}`);
    assert.equal(shown[6], 'true', `every tick ran once, in order: ${shown}`);
  } finally {
    dir.remove();
  }
});

test("late ticks of a process that sends OSC are skipped and reported once; a simulation's catch up", async () => {
  const r = await session([
    "function play(s: any, t: any) { s.n++; vivarium.sendOSC('/n', [t.n], { port: 9 }) }",
    'function sim(s: any) { s.n++ }',
    "const music = spawn('music', { every: 20, state: { n: 0 }, step: play })",
    "const world = spawn('world', { every: 20, state: { n: 0 }, step: sim })",
    'await sleep(100)',
    'const t0 = Date.now(); while (Date.now() - t0 < 300) {}',
    'await sleep(100)',
    'const [m, w] = processes(); [m.skipped > 0, w.skipped, m.ticks + m.skipped >= w.ticks - 2, music.n === m.ticks]',
    "spawn('strict', { every: 20, late: 'sometimes', step: sim })",
  ]);
  const shown = r.results.map((x) => (x.ok ? x.value : `!${x.error?.message}`));
  assert.equal(shown[7], '[ true, 0, true, true ]', `${shown[7]}\n${r.stderr}`);
  // Reported once per stall, not once per tick: the 300 ms stall's ~15 late ticks are one report.
  // (A loaded machine adds stalls of its own, each reported once too: how many is not counted.)
  const reports = [...r.stderr.matchAll(/music: (\d+) late ticks? skipped/g)].map((m) => +m[1]!);
  assert.ok(reports.length >= 1, r.stderr);
  assert.ok(
    reports.some((n) => n >= 10),
    `the stall's ticks were reported together: ${r.stderr}`,
  );
  assert.match(shown[8]!, /options.late must be 'skip' or 'catch-up'/);
});
