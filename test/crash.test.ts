// Killing the process at any instant loses no shown entry, doubles none, reproduces every value
// an entry showed, and never leaves an image that does not open: a short run of the crash harness
// (`npm run crash` runs a long one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReport, runCrashHarness } from './support/crash-harness.ts';

const RUNS = 5;
const SEED = process.env.VIV_CRASH_SEED ? Number(process.env.VIV_CRASH_SEED) : undefined;

test(`SIGKILL at ${RUNS} seeded random instants (entries, saves, autosaves, opening)`, async (t) => {
  const report = await runCrashHarness({ runs: RUNS, seed: SEED });
  t.diagnostic(describeReport(report));
  assert.deepEqual(report.problems, [], describeReport(report));
  assert.equal(report.runs, RUNS);
  assert.ok(report.shown > RUNS, 'the runs showed entries');
});
