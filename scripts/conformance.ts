// `npm run conformance [-- --sample N] [--seed S] [--filter SUBSTR]`: runs the test262 slice
// (../shared/test262) in plain V8 and through Vivarium and prints how many pass each way, then
// every test that V8 passes and Vivarium does not, with the reason. The goal is none.
import { parseArgs } from 'node:util';
import { compare, extractSuite, listTests, sample } from './test262.ts';

const { values } = parseArgs({
  options: {
    sample: { type: 'string' },
    seed: { type: 'string' },
    filter: { type: 'string' },
    verbose: { type: 'boolean' },
  },
});

const root = extractSuite();
let names = listTests(root).filter((n) => !values.filter || n.includes(values.filter));
if (values.sample) {
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
  console.log(`sample of ${values.sample}, seed ${seed}`);
  names = sample(names, Number(values.sample), seed);
}

const started = performance.now();
let done = 0;
const results = await compare(root, names, (c) => {
  done++;
  if (values.verbose) console.log(`${c.vivarium.pass ? 'ok  ' : 'FAIL'} ${c.name}`);
  else if (done % 200 === 0) process.stderr.write(`${done}/${names.length}\n`);
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const native = results.filter((r) => r.native.pass);
const through = results.filter((r) => r.vivarium.pass);
const regressions = native.filter((r) => !r.vivarium.pass);

console.log(
  `tests: ${results.length} (of ${names.length}; the rest are flagged module, onlyStrict, raw or CanBlockIsTrue)`,
);
console.log(`passed natively (node:vm): ${native.length}`);
console.log(`passed through Vivarium: ${through.length}`);
console.log(`pass natively, fail through Vivarium: ${regressions.length}  (${seconds} s)`);
for (const r of regressions) {
  console.log(`  ${r.name}\n    ${r.vivarium.pass ? '' : r.vivarium.reason.split('\n')[0]}`);
}
process.exitCode = regressions.length ? 1 : 0;
