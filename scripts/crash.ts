// `npm run crash [-- --runs N --seed S]`: the long run of the crash harness (at least 200 runs).
import { parseArgs } from 'node:util';
import { describeReport, runCrashHarness } from '../test/support/crash-harness.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '200' }, seed: { type: 'string' } },
});
const report = await runCrashHarness({
  runs: Number(values.runs),
  seed: values.seed === undefined ? undefined : Number(values.seed),
  log: (line) => process.stdout.write(line + '\n'),
});
process.stdout.write(describeReport(report) + '\n');
for (const problem of report.problems) process.stdout.write(`  ${problem}\n`);
process.exitCode = report.problems.length === 0 ? 0 : 1;
