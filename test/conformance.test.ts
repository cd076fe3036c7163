// A seeded sample of the test262 slice (../shared/test262), run as `npm run conformance` runs it:
// every test that plain V8 passes in a node:vm context must pass pasted into a fresh image as one
// grouped entry. The seed is printed so a failure can be run again with
// `npm run conformance -- --sample 60 --seed S`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compare, extractSuite, listTests, sample } from '../scripts/test262.ts';

const SAMPLE = 60;

test('test262: every natively passing test of a seeded sample passes through Vivarium', async (t) => {
  const seed = Number(process.env.CONFORMANCE_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (npm run conformance -- --sample ${SAMPLE} --seed ${seed})`);
  const root = extractSuite();
  const results = await compare(root, sample(listTests(root), SAMPLE, seed));
  const failures = results
    .filter((r) => r.native.pass && !r.vivarium.pass)
    .map((r) => `${r.name}: ${r.vivarium.pass ? '' : r.vivarium.reason}`);
  assert.ok(results.filter((r) => r.native.pass).length > SAMPLE / 2, 'most of the sample runs');
  assert.deepEqual(failures, [], `seed ${seed}`);
});
