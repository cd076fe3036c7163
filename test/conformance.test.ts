// A seeded sample of the test262 slice (../shared/test262), run as `npm run conformance` runs it:
// every test that plain V8 passes in a node:vm context must pass pasted into a fresh image as one
// grouped entry. The seed is printed so a failure can be run again with
// `npm run conformance -- --sample 60 --seed S`. The failures not fixed yet are listed, with their
// reasons, in conformance-known-failures.txt.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { compare, extractSuite, listTests, sample } from '../scripts/test262.ts';

const SAMPLE = 60;

/** The failures not fixed yet (issue 10), each with its reason: any other one fails the test. */
const KNOWN = new Set(
  readFileSync(new URL('./conformance-known-failures.txt', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('\t')[0]!),
);

test('test262: every natively passing test of a seeded sample passes through Vivarium', async (t) => {
  // A fixed seed by default, so that the suite is the same on every run; CONFORMANCE_SEED draws
  // another sample.
  const seed = Number(process.env.CONFORMANCE_SEED ?? 262);
  t.diagnostic(`seed ${seed} (npm run conformance -- --sample ${SAMPLE} --seed ${seed})`);
  const root = extractSuite();
  const results = await compare(root, sample(listTests(root), SAMPLE, seed));
  const failures = results
    .filter((r) => r.native.pass && !r.vivarium.pass && !KNOWN.has(r.name))
    .map((r) => `${r.name}: ${r.vivarium.pass ? '' : r.vivarium.reason}`);
  assert.ok(results.filter((r) => r.native.pass).length > SAMPLE / 2, 'most of the sample runs');
  assert.deepEqual(failures, [], `seed ${seed}`);
});
