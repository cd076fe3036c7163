// Live music over OSC, checked with real UDP sockets: a receiver on loopback decodes every bundle
// Vivarium sends, and a real scsynth (SuperCollider's synth server) executes them on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session, until } from './support/session.ts';
import { oscReceiver } from './support/osc-receiver.ts';
import { connectOsc, findOrInstallScsynth, startScsynth } from './support/scsynth.ts';

test('OSC events land on the beat grid across a pattern redefinition, a tempo change and a throwing pattern', async () => {
  const rx = await oscReceiver();
  try {
    // Each phase lasts a number of ticks, not of milliseconds: a slow machine makes it longer.
    const ticks = 'processes()[0].ticks';
    const r = await session([
      'const clock = once(new TempoClock(600))', // 100 ms a beat: a tick every 25 ms
      `const out = once(new OscOut({ port: ${rx.port}, latency: 0.05 }))`,
      "function pat(s, t) { out.send('/ev', [t.beat, 'a', t.n]) }",
      // late: 'catch-up', so a loaded machine makes ticks late, never skipped: this test is about
      // the grid (skipping is tested in save-music.test.ts).
      "spawn('m', { beats: 0.25, clock, step: pat, maxRestarts: 50, late: 'catch-up' })",
      until(`${ticks} >= 9`),
      "function pat(s, t) { out.send('/ev', [t.beat, 'b', t.n]) }", // mid-bar
      `const atB = ${ticks}`,
      until(`${ticks} >= atB + 9`),
      'clock.setTempo(300)', // 200 ms a beat: a tick every 50 ms
      `const atTempo = ${ticks}`,
      until(`${ticks} >= atTempo + 9`),
      "function pat(s, t) { if (t.beat % 1 === 0.5) throw new Error('bad step'); out.send('/ev', [t.beat, 'c', t.n]) }",
      `const atC = ${ticks}`,
      until(`${ticks} >= atC + 9`),
      'processes()[0].status',
    ]);
    assert.equal(r.results.at(-1)!.value, "'running'");
    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = rx.events.filter((e) => e.address === '/ev');
    const kinds = events.map((e) => e.args[1]);
    assert.deepEqual([...new Set(kinds)], ['a', 'b', 'c'], 'every version played, in order');

    // None missing or doubled: tick numbers go up by one and beats by a quarter, and the only
    // ticks missing are those the throwing pattern reported (which sent nothing).
    const thrown = new Set([...r.stderr.matchAll(/m: tick (\d+) threw/g)].map((m) => Number(m[1])));
    assert.ok(thrown.size > 0, 'the throwing pattern threw');
    for (let i = 1; i < events.length; i++) {
      const [beat, , n] = events[i]!.args as [number, string, number];
      const [previousBeat, , previousN] = events[i - 1]!.args as [number, string, number];
      assert.ok(n > previousN, `tick ${n} follows tick ${previousN} (none doubled)`);
      for (let missing = previousN + 1; missing < n; missing++) {
        assert.ok(
          thrown.has(missing),
          `tick ${missing} is missing but did not throw:\n${r.stderr}`,
        );
      }
      assert.equal(
        beat - previousBeat,
        (n - previousN) * 0.25,
        `beat ${beat} follows ${previousBeat}`,
      );
    }
    // Timetags exact to the tempo: 25 ms apart, then 50 ms, with one step in between that
    // crosses the tempo change; then 50 ms (or 100 ms over a skipped beat).
    const gaps = events.slice(1).map((e, i) => e.at - events[i]!.at);
    const exact = (gap: number, ms: number) => Math.abs(gap - ms) < 0.002;
    const odd = gaps.filter((g) => !exact(g, 25) && !exact(g, 50) && !exact(g, 100));
    assert.ok(odd.length <= 1, `gaps off the grid: ${odd.join(', ')}`);
    assert.ok(gaps.filter((g) => exact(g, 25)).length >= 15);
    assert.ok(gaps.filter((g) => exact(g, 50)).length >= 8);
    assert.match(r.stderr, /m: tick \d+ threw: Error: bad step; restarted, state kept/);
  } finally {
    await rx.close();
  }
});

test('OscOut refuses bad settings and arguments, saying what was wrong', async () => {
  const r = await session([
    'new OscOut({ port: 70000 })',
    'new OscOut({ latency: -1 })',
    "new OscOut().send('no-slash', [])",
    "new OscOut().send('/x', [{}])",
  ]);
  assert.deepEqual(
    r.results.map((x) => x.error?.message),
    [
      'OscOut: port must be a whole number 1..65535, got 70000',
      'OscOut: latency must be a number of seconds >= 0, got -1',
      'sendOSC: the address must be a string like /dirt/play (a "/" and printable characters, no spaces), not "no-slash"',
      "sendOSC(/x): argument 0 must be a number, string, boolean or { type: 'float' | 'integer' | 'string', value }",
    ],
  );
});

test(
  'a real scsynth plays what a process sends, on time, with no late bundles',
  { timeout: 300_000 },
  async (t) => {
    const found = await findOrInstallScsynth();
    if (!found.ok) {
      t.skip(`scsynth unavailable: ${found.reason}`);
      return;
    }
    const server = await startScsynth();
    const listener = await connectOsc(server.port);
    try {
      // Node notifications go to every client that asked for them: this test listens.
      listener.send({ address: '/notify', args: [{ type: 'integer', value: 1 }] });
      await listener.waitFor('/done', (m) => m.args[0]?.value === '/notify');
      listener.send({ address: '/status' });
      const status = await listener.waitFor('/status.reply');
      // /status.reply: 1, #ugens, #synths, #groups, #synthdefs, avg cpu, peak cpu, nominal sr, actual sr
      assert.equal(status.message.args[3]?.value, 1, 'only the default group exists yet');
      const r = await session([
        'const clock = once(new TempoClock(480))', // a tick every 62.5 ms
        // Half a second of latency and no skipping: a loaded machine may run a tick late, but
        // not half a second late, so every bundle reaches scsynth before its time.
        `const synth = once(new OscOut({ port: ${server.port}, latency: 0.5 }))`,
        // One group a tick, id 2000 + tick number: /g_new ID addAction(0: head) target(0: root).
        "function groups(s, t) { if (t.n < 12) synth.send('/g_new', [2000 + t.n, 0, 0]) }",
        "spawn('groups', { beats: 0.5, clock, step: groups, late: 'catch-up' })",
        until('processes()[0].ticks >= 12'),
      ]);
      assert.ok(
        r.results.every((x) => x.ok),
        r.stdout,
      );
      // The last bundle is due 500 ms (its latency) after it was sent: wait for its group.
      const go = () => listener.received.filter((m) => m.message.address === '/n_go');
      const deadline = Date.now() + 10_000;
      while (go().length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const started = go();
      const ids = started.map((m) => m.message.args[0]?.value);
      assert.deepEqual(
        ids,
        Array.from({ length: 12 }, (_, i) => 2000 + i),
        'every group, in order',
      );
      // The spacing of the notifications is not checked here: they cross a loaded machine (CI runs
      // several test files at once). The exact grid is checked on the wire by the receiver test
      // above; scsynth itself says whether a bundle came after its time.
      const late = server
        .output()
        .split('\n')
        .filter((l) => /\blate\b/i.test(l));
      assert.deepEqual(late, [], `scsynth reported late bundles:\n${server.output()}`);
    } finally {
      await listener.close();
      await server.stop();
    }
  },
);
