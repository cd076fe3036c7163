// `npm test`'s runner. Node's test runner starts one process per test file, and for most files
// that start (Node without its startup snapshot, then the engine's modules: 0.3-0.5 s of CPU)
// costs as much as their tests or more. The files listed in SHARED run one after another in one
// process per list (--test-isolation=none); the others in a process each, as before: ui (it
// listens for unhandled rejections and sets process.env) and the longest (durability,
// terminal-e2e, serve, packages: mostly waiting on terminals, crashes and npm), longest first.
// All run at the same time. The shared processes' output is shown when the rest is done, then
// the counts of all. A whole run also type-checks the project (tsc --noEmit) at the same time.
// The exit status is failure when any run or the type check failed.
//
// A file belongs in SHARED only if it leaves nothing changed process-wide (environment, working
// directory, signal handlers, globals): the files of a list share one process, one file after
// another, so a file that did could make another pass or fail. (code-io, code-io-attack,
// code-io-audit and serve-attack set editors and PATH in process.env for a test, and put them back
// when it ends, passed or failed.) A new file runs in its own process until it is listed here.
//
// Usage: node test/support/run-all.ts [FILE...]   (files given: they run in a process each, and
// nothing is type-checked)
import { spawn } from 'node:child_process';
import { globSync } from 'node:fs';
import { basename } from 'node:path';

/** Each list runs in one process of its own; the lists run at the same time. */
const SHARED: string[][] = [
  // In process: units, ink rendered in memory, entries through test/support/session.ts.
  [
    'analyze',
    'check',
    'classes',
    'complete',
    'conformance',
    'defs-panel',
    'disk-full',
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
    'protocol',
    'save-music',
    'shipped-images',
    'snapshot-codec',
    'status-line',
    'store-damage',
    'store-faults',
    'store-integrity',
    'string-width',
    'transactions',
    'typescript',
    'untouchable',
  ],
  // A few CLI starts each, besides tests in process.
  [
    'bounded',
    'cli',
    'cli-install',
    'image',
    'sandbox',
    'shared-files',
    'start-caches',
    'store',
    'store-crash',
    'store-immutable',
    'store-lock',
  ],
  // End to end, one after another: the bundle, Jupyter; and errors as the user sees them.
  ['bundle', 'jupyter', 'errors'],
  // Code in and out (these put back what they set in process.env), the examples (which mostly
  // wait for their processes' ticks), viv serve's autosave and peers, and processes' liveness.
  // (The lists are balanced to end together: measured, a file moved from the list that ended last.)
  ['code-io', 'code-io-attack', 'code-io-audit', 'examples', 'serve-audit', 'process-liveness'],
  // End to end: crashes, processes that play while the CLI quits, attacks on a served image, OSC
  // over real UDP, the runner's watchdog.
  ['crash', 'processes', 'quit-reopen', 'serve-attack', 'osc', 'watchdog'],
];

/**
 * The files run a process each start longest first (as measured here: most of their time is
 * waiting, for terminals, crashes, timeouts and sockets), so that none of them starts last and
 * waits on alone after everything else has finished. Files not named here start after these, in name order.
 */
const LONGEST_FIRST = ['terminal-e2e', 'durability', 'serve', 'packages', 'ui'];

/**
 * Test files run at once in their own processes, beside the shared ones: three, though there are 2
 * cores here, since these files mostly wait (a third fills the cores they leave idle).
 */
const CONCURRENCY = 3;

const env = {
  ...process.env,
  // Isolates created in process need it (isolated-vm); a CLI a test starts drops it (helpers.ts).
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --no-node-snapshot`.trim(),
  NODE_COMPILE_CACHE: `${process.cwd()}/node_modules/.cache/node-compile-cache`,
};
// exit-guard.ts: every test process leaves without Node's teardown, where isolated-vm can abort.
const guard = new URL('./exit-guard.ts', import.meta.url).href;
const common = ['--no-wasm-code-gc', '--import', guard, '--test', '--test-timeout=120000'];

const given = process.argv.slice(2);
const files = given.length > 0 ? given : globSync('test/**/*.test.ts').sort();
const name = (file: string) => basename(file).replace(/\.test\.ts$/, '');
const groups = given.length > 0 ? [] : SHARED.map((g) => files.filter((f) => g.includes(name(f))));
const rank = (file: string) => {
  const at = LONGEST_FIRST.indexOf(name(file));
  return at < 0 ? LONGEST_FIRST.length : at;
};
const separate = files
  .filter((f) => !groups.some((g) => g.includes(f)))
  .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));

/** Runs node with `args`; its output goes to ours at once (`live`) or when it ends. */
function node(
  args: string[],
  live: boolean,
): Promise<{ status: number; output: string; ended: string }> {
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
    child.on('close', (status, signal) =>
      resolve({
        status: status ?? (signal ? 1 : 0),
        output,
        ended: signal ? `killed by ${signal}` : `exit status ${status}`,
      }),
    );
  });
}

/**
 * The type check (`tsc --noEmit`) of a whole run, beside the tests rather than before them: on one
 * thread (--singleThreaded: ~0.3 s of CPU less; the tests keep the cores busy meanwhile), and
 * incremental (what it found kept in node_modules/.cache: ~1.6 -> ~0.6 s of CPU when few files
 * changed; a clean checkout checks everything).
 */
function typeCheck(): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const tsc = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
    const info = new URL('../../node_modules/.cache/vivarium/tsbuildinfo', import.meta.url)
      .pathname;
    const args = [
      '--noEmit',
      '-p',
      '.',
      '--singleThreaded',
      '--incremental',
      '--tsBuildInfoFile',
      info,
    ];
    const child = spawn(process.execPath, [tsc, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('close', (status) => resolve({ status: status ?? 1, output }));
  });
}

const typed = given.length > 0 ? undefined : typeCheck();
const [each, ...ones] = await Promise.all([
  separate.length > 0 ? node([`--test-concurrency=${CONCURRENCY}`, ...separate], true) : undefined,
  ...groups.map((g) => (g.length > 0 ? node(['--test-isolation=none', ...g], false) : undefined)),
]);
ones.forEach((one, i) => {
  if (!one) return;
  process.stdout.write(
    `\n# ${groups[i]!.length} files in one process (test/support/run-all.ts):\n`,
  );
  process.stdout.write(one.output);
});
const runs = [each, ...ones];

/** The sum of a count ("ℹ tests 12") over all runs. */
const count = (what: string) =>
  runs.reduce((sum, run) => {
    const m = run && new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(run.output);
    return sum + (m ? Number(m[1]) : 0);
  }, 0);
process.stdout.write(
  `\n# all ${files.length} files: ${count('tests')} tests, ${count('pass')} passed, ` +
    `${count('fail')} failed, ${count('skipped')} skipped, ${count('cancelled')} cancelled\n`,
);
// A process that failed with no test failing or cancelled (a crash at exit, a signal) says how it
// ended. A test stopped by its timeout counts as cancelled, not failed: its process is not listed.
runs.forEach((run, i) => {
  if (!run || run.status === 0 || /^ℹ (fail|cancelled) [1-9]/m.test(run.output)) return;
  const what = i === 0 ? 'the files run one per process' : `${groups[i - 1]!.join(', ')}`;
  process.stdout.write(`# failed with no test failing (${run.ended}): ${what}\n`);
});
const types = await typed;
if (types) {
  process.stdout.write(
    types.status === 0
      ? '# type check (tsc --noEmit): no errors\n'
      : `# type check (tsc --noEmit) failed:\n${types.output}`,
  );
}
process.exitCode =
  runs.some((run) => run && run.status !== 0) || (types && types.status !== 0) ? 1 : 0;
