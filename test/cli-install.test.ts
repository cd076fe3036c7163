// The CLI's conventions and its install: --version, -v, -h, usage errors, the Node version check
// that runs before anything is loaded, the package's metadata (engines, files, pinned
// dependencies, LICENSE), and the Node REPL's dot commands (in process, as batch mode runs them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEnv, run, tempDir } from './helpers.ts';
import { session } from './support/session.ts';
import { stripColours } from '../src/ui/run-ui.ts';
import { readArgs } from './support/command-line.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const VIV = fileURLToPath(new URL('../bin/viv.js', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

test('viv --version and -v print the version; -h prints the usage', async () => {
  for (const flag of ['--version', '-v']) {
    const r = await run([flag], '');
    assert.deepEqual([r.status, r.stdout, r.stderr], [0, `viv ${pkg.version}\n`, ''], flag);
  }
  const help = await run(['-h'], '');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: viv/);
  assert.match(help.stdout, /-v, --version/);
});

test('a wrong command line exits 2 saying what was wrong, above the usage, and writes nothing', async () => {
  const dir = tempDir();
  try {
    const at = (name: string) => join(dir.path, name);
    const cases: [string[], RegExp][] = [
      [['--nosuch'], /^viv: Unknown option '--nosuch'/],
      [['--memory', 'x'], /^viv: --memory needs a whole number of at least 16, not "x"/],
      [['--autosave=-1'], /^viv: --autosave needs a whole number of at least 0, not "-1"/],
      [['--json', at('a.json')], /^viv: --json needs --batch/],
      [[at('a.json'), at('b.json')], /^viv: unexpected arguments: \S+a\.json \S+b\.json/],
      [[at('a.json'), '--image', at('b.json')], /^viv: give the image once: IMAGE or --image/],
      [['--skip-entry', '0', at('a.json')], /^viv: --skip-entry needs an entry number, not "0"/],
      [['serve', '--batch', at('a.json')], /^viv: viv serve reads no entries: --batch is not/],
      [['--listen', at('s'), at('a.json')], /^viv: --listen is an option of viv serve/],
      [['export', at('a.json')], /^viv: usage: viv export IMAGE DIR/],
    ];
    // Each read in process (cli-args.ts, as cli.ts reads it) ...
    for (const [args, message] of cases) {
      const r = await readArgs(args);
      const what = args.join(' ');
      assert.equal(r.status, 2, what);
      assert.equal(r.stdout, '', what);
      assert.match(r.stderr, message, what);
      assert.match(r.stderr, /\n\nusage: viv \[IMAGE\] \[options\]\n/, what);
    }
    // ... and one by the real CLI: bin/viv.js and cli.ts (its `serve`) hand it over, exit 2.
    const [args, message] = cases.find(([args]) => args[0] === 'serve')!;
    const r = await run(args, '1 + 1\n');
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.match(r.stderr, /\n\nusage: viv \[IMAGE\] \[options\]\n/);
    assert.deepEqual(readdirSync(dir.path), []);
  } finally {
    dir.remove();
  }
});

const OLD_NODE = '/usr/bin/node';
const oldNode = existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
  : '';
const tooOld = /^(1\d|2[01])\.|^22\.(\d|1[0-7])\.|^23\./.test(oldNode);

test(
  'bin/viv.js under an older Node says which Node it needs before loading anything',
  {
    skip: tooOld ? false : `no Node older than 22.18 at ${OLD_NODE} (found: ${oldNode || 'none'})`,
  },
  () => {
    const r = spawnSync(OLD_NODE, [VIV, '--version'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(
      r.stderr,
      /^viv: Vivarium needs Node 24 \(or 22\.18\+\); run it with npm start, or install Node 24/,
    );
    assert.doesNotMatch(r.stderr, /SyntaxError/);
  },
);

test('package.json: precise engines, pinned dependencies, a files list; LICENSE, .nvmrc and .node-version', () => {
  assert.equal(pkg.engines.node, '^22.18.0 || >=24');
  for (const [name, range] of Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })) {
    assert.match(range as string, /^\d+\.\d+\.\d+$/, `${name} is pinned`);
  }
  assert.match(readFileSync(new URL('../LICENSE', import.meta.url), 'utf8'), /^MIT License/);
  assert.match(
    readFileSync(new URL('../LICENSE', import.meta.url), 'utf8'),
    /Copyright \(c\) 2026 Vivarium contributors/,
  );
  for (const file of ['../.nvmrc', '../.node-version']) {
    assert.equal(readFileSync(new URL(file, import.meta.url), 'utf8').trim(), '24', file);
  }
});

test('npm pack ships the program, not test/, bench/, .ci/ or scripts/', () => {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    // (Without npm test's --no-node-snapshot, which only slows npm.)
    env: cliEnv(),
  });
  assert.equal(r.status, 0, r.stderr);
  const files: string[] = JSON.parse(r.stdout)[0].files.map((f: { path: string }) => f.path);
  for (const needed of ['bin/viv.js', 'src/session/cli.ts', 'stdlib/prelude.ts', 'LICENSE']) {
    assert.ok(files.includes(needed), needed);
  }
  const tops = new Set(files.map((f) => f.split('/')[0]));
  for (const left of ['test', 'bench', '.ci', 'scripts']) assert.ok(!tops.has(left), left);
  assert.ok(!files.includes('images/default.json'));
});

test('Node REPL dot commands: .help, .load FILE and .exit work, .editor points to what to use', async () => {
  // In process: the entries as batch mode runs them (the dot commands are the engine's).
  const r = await session(['.help', '.editor', '.load x.ts', '.5 + 1', '.exit', '1']);
  assert.equal(r.results.length, 5, 'nothing runs after .exit');
  assert.match(r.results[0]!.value!, /^Commands:/);
  assert.equal(r.results[1]!.error?.name, 'UnknownCommand');
  assert.match(r.results[1]!.error!.message, /:\{ .* :\}/);
  assert.match(r.results[2]!.error!.message, /^cannot load x\.ts: no such file/);
  assert.equal(r.results[3]!.value, '1.5');
  assert.equal(r.results[4]!.value, 'bye');
});

test('stripColours drops colours and keeps inverse, bold and dim', () => {
  const rows: [string, string][] = [
    ['\u001b[32mok\u001b[39m', 'ok'],
    ['\u001b[7ma\u001b[27m', '\u001b[7ma\u001b[27m'],
    ['\u001b[1;31mx\u001b[0m', '\u001b[1mx\u001b[0m'],
    ['\u001b[38;5;208mx\u001b[38;2;1;2;3;4my', 'x\u001b[4my'],
    ['\u001b[2m\u001b[93mdim\u001b[39m\u001b[22m', '\u001b[2mdim\u001b[22m'],
  ];
  for (const [input, expected] of rows) assert.equal(stripColours(input), expected);
});
