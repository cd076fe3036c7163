// `npm test`'s runner. Node's test runner starts one process per test file; for a file whose
// tests run in process (entries through test/support/session.ts, units, ink rendered in memory),
// that start (Node without its startup snapshot, then the engine's modules) costs more CPU than
// its tests. Those files (IN_ONE_PROCESS) run one after another in one process
// (--test-isolation=none); the others (the CLI, crashes, tmux, sockets, Jupyter) in a process
// each, as before, at the same time. Both outputs are shown, the shared process's when the rest
// is done, and the exit status is failure when either failed.
//
// A file belongs in IN_ONE_PROCESS only if it starts no process and changes nothing process-wide
// (environment, working directory, signal handlers, globals): the files share one process, so a
// file that did could make another pass or fail. A new file runs in its own process until it is
// listed here.
//
// Usage: node test/support/run-all.ts [FILE...]   (files given: they run in a process each)
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { basename } from 'node:path';

const IN_ONE_PROCESS = new Set([
  'analyze',
  'check',
  'classes',
  'complete',
  'conformance',
  'defs-panel',
  'editor-state',
  'frame-fit',
  'functions',
  'history',
  'inspect',
  'javascript-meaning',
  'keys',
  'migrations-exact',
  'migrations-fast-path',
  'music-stdlib',
  'output',
  'process-liveness',
  'protocol',
  'save-music',
  'shipped-images',
  'snapshot-codec',
  'status-line',
  'store-damage',
  'store-faults',
  'store-integrity',
  'transactions',
  'typescript',
  'untouchable',
]);

/** Test files run at once in their own processes, beside the shared one (2 cores here). */
const CONCURRENCY = 2;

const env = {
  ...process.env,
  // Isolates created in process need it (isolated-vm); a CLI a test starts drops it (helpers.ts).
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --no-node-snapshot`.trim(),
  NODE_COMPILE_CACHE: `${process.cwd()}/node_modules/.cache/node-compile-cache`,
};
const common = ['--no-wasm-code-gc', '--test', '--test-timeout=120000'];

const given = process.argv.slice(2);
const files = given.length > 0 ? given : globSync('test/**/*.test.ts').sort();
const name = (file: string) => basename(file).replace(/\.test\.ts$/, '');
const shared = given.length > 0 ? [] : files.filter((f) => IN_ONE_PROCESS.has(name(f)));
const separate = files.filter((f) => !shared.includes(f));

/** Runs node with `args`; its output goes to ours at once (`live`) or when it ends. */
function node(args: string[], live: boolean): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...common, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      if (live) process.stdout.write(d);
    });
    child.on('close', (status, signal) => resolve({ status: status ?? (signal ? 1 : 0), output }));
  });
}

const [one, each] = await Promise.all([
  shared.length > 0 ? node(['--test-isolation=none', ...shared], false) : undefined,
  separate.length > 0 ? node([`--test-concurrency=${CONCURRENCY}`, ...separate], true) : undefined,
]);
if (one) {
  process.stdout.write(`\n# ${shared.length} files in one process (test/support/run-all.ts):\n`);
  process.stdout.write(one.output);
}

/** The sum of a count ("ℹ tests 12") over both runs. */
const count = (what: string) =>
  [one, each].reduce((sum, run) => {
    const m = run && new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(run.output);
    return sum + (m ? Number(m[1]) : 0);
  }, 0);
process.stdout.write(
  `\n# all ${files.length} files: ${count('tests')} tests, ${count('pass')} passed, ` +
    `${count('fail')} failed, ${count('skipped')} skipped, ${count('cancelled')} cancelled\n`,
);
process.exitCode = (one?.status ?? 0) !== 0 || (each?.status ?? 0) !== 0 ? 1 : 0;
