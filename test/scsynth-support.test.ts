// Checks the scsynth test support: a private JACK + scsynth pair answers OSC and executes
// timestamped bundles on time. Skips when scsynth cannot be found or installed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateToTimetag } from 'osc-min';
import { PERIOD_MS, connectOsc, findOrInstallScsynth, startScsynth } from './support/scsynth.ts';

test(
  'scsynth: /status, and a bundle 100 ms ahead starts a group on time',
  { timeout: 300_000 },
  async (t) => {
    const found = await findOrInstallScsynth();
    if (!found.ok) {
      t.skip(`scsynth unavailable: ${found.reason}`);
      return;
    }

    const server = await startScsynth();
    const osc = await connectOsc(server.port);
    try {
      osc.send({ address: '/notify', args: [{ type: 'integer', value: 1 }] });
      await osc.waitFor('/done', (m) => m.args[0]?.value === '/notify');

      osc.send({ address: '/status' });
      const status = await osc.waitFor('/status.reply');
      // /status.reply: 1, #ugens, #synths, #groups, #synthdefs, avg cpu, peak cpu, nominal sr, actual sr
      assert.equal(status.message.args.length, 9);
      assert.equal(status.message.args[3]?.value, 1, 'only the default group exists');

      const due = Date.now() + 100;
      osc.send({
        timetag: dateToTimetag(new Date(due)),
        elements: [
          {
            address: '/g_new',
            args: [
              { type: 'integer', value: 1000 },
              { type: 'integer', value: 0 },
              { type: 'integer', value: 0 },
            ],
          },
        ],
      });
      const go = await osc.waitFor('/n_go', (m) => m.args[0]?.value === 1000, 5000);
      // scsynth computes a whole JACK period at once, so it may act up to one period early
      // (measured: one period + ~2.5 ms when idle, + ~5.5 ms under heavy CPU load); allow one
      // period + 15 ms. A bundle executed on arrival, ignoring its timetag, would be ~100 ms early.
      const early = due - go.at;
      assert.ok(
        early <= PERIOD_MS + 15,
        `/n_go arrived ${early.toFixed(1)} ms before its timetag (allowed: ${PERIOD_MS.toFixed(1)} + 15)`,
      );
      assert.ok(go.at - due < 1000, `/n_go arrived ${go.at - due} ms after its timetag`);

      const late = server
        .output()
        .split('\n')
        .filter((l) => /\blate\b/i.test(l));
      assert.deepEqual(late, [], `scsynth reported late bundles:\n${server.output()}`);
    } finally {
      await osc.close();
      await server.stop();
    }
  },
);
