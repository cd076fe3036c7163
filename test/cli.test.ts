// The batch CLI contract that scripts and tests rely on: end to end through the real CLI (JSON
// lines, exit status, usage errors, how stdin is read, the text format); what an entry means and
// shows runs in process, through the same engine and a real isolate.
import { test } from 'node:test';
import { PassThrough } from 'node:stream';
import assert from 'node:assert/strict';
import { batch, run } from './helpers.ts';
import { session, shown as values, until } from './support/session.ts';
import { readArgs } from './support/command-line.ts';

test('--json prints exactly one JSON object per entry and nothing else', async () => {
  const r = await batch(['console.log("side effect"); 1 + 1', ':help', 'let s = "x"', 'missing()']);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(JSON.parse(lines[0]!), {
    ok: true,
    value: '2',
    defined: [],
    printed: ['side effect'],
  });
  assert.deepEqual(JSON.parse(lines[2]!), {
    ok: true,
    value: 'undefined',
    defined: [{ name: 's', kind: 'let', version: 1 }],
    printed: [],
  });
  const error = JSON.parse(lines[3]!);
  assert.equal(error.ok, false);
  assert.equal(error.error.name, 'ReferenceError');
  assert.equal(error.error.message, 'missing is not defined');
  assert.equal(error.error.line, 1);
  assert.equal(error.error.sourceLine, 'missing()');
});

/**
 * One CLI run whose entries all succeed, shared by the test of its output and that of the exit
 * status (a CLI start costs ~0.25 s of CPU): started by the first that asks.
 */
let timersRun: ReturnType<typeof run> | undefined;
const runTimers = () =>
  (timersRun ??= run(
    ['--batch', '--json'],
    [
      "let done = false; setTimeout(() => { console.log('later'); console.error('oops'); done = true }, 0); 1",
      until('done'),
      '2',
    ].join('\n') + '\n',
  ));

test('--json prints what timers and promises print after their entry as lines of their own', async () => {
  const r = await runTimers();
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  const printed = lines.filter((line) => line.source === 'timer');
  assert.deepEqual(printed, [
    { printed: ['later'], source: 'timer' },
    { printed: ['oops'], source: 'timer', stream: 'err' },
  ]);
  assert.deepEqual(
    lines.filter((line) => line.ok).map((line) => line.value),
    ['1', 'undefined', '2'],
  );
});

test('exit status is 0 when every entry succeeded and 1 when any failed', async () => {
  // (The run of the test above: its entries all succeed; the test checks them one by one.)
  assert.equal((await runTimers()).status, 0);
  assert.equal((await batch(['1', 'throw 1', '2'])).status, 1);
});

test('a usage error exits with 2 and says what was wrong', async () => {
  const cases = [['--memory', 'lots'], ['--bogus'], ['--json'], ['--timeout', '-5']];
  // Read in process (cli-args.ts, as cli.ts reads it)...
  for (const args of cases) {
    const r = await readArgs(args);
    assert.equal(r.status, 2, args.join(' '));
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^viv: .+\n/, args.join(' '));
  }
  // ...and one by the real CLI, which exits with that status.
  const r = await run(cases[0]!, '');
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^viv: --memory .+\n/);
});

test('values are shown as util.inspect shows them', async () => {
  const r = await session([
    '"text"',
    'class Point { constructor(public x: number, public y: number) {} }',
    'new Point(1, 2)',
    '({ a: [1, 2, { b: new Map([["k", 1]]) }], n: -0, big: 10n, u: undefined })',
    'Symbol("s")',
  ]);
  assert.deepEqual(values(r), [
    "'text'",
    'undefined',
    'Point { x: 1, y: 2 }',
    '{ a: [ 1, 2, { b: [Map] } ], n: -0, big: 10n, u: undefined }',
    'Symbol(s)',
  ]);
});

test('_ holds the last result and _error the last error', async () => {
  const r = await session(['21 * 2', '_ + 1', 'null.x', '_error instanceof TypeError']);
  assert.deepEqual(
    values(r).filter((_, i) => i !== 2),
    ['42', '43', 'true'],
  );
});

test('top-level await works and its last expression is the result', async () => {
  const r = await session([
    'const v = await Promise.resolve(7); v * 6',
    'await new Promise(r => setTimeout(() => r("later"), 20))',
  ]);
  assert.deepEqual(values(r), ['42', "'later'"]);
});

test('TypeScript entries: types, interfaces, generics, enums, as, !, modifiers, parameter properties', async () => {
  const r = await session([
    'interface Shape { area(): number }\ntype Id = number | string',
    'enum Color { Red, Green = 5, Blue }',
    'class Circle implements Shape {\n  private static count: number = 0\n  constructor(public readonly r: number, protected id?: Id) { Circle.count++ }\n  area(): number { return Math.round(Math.PI * this.r ** 2) }\n}',
    'function first<T>(xs: T[]): T { return xs[0]! }',
    '[new Circle(2).area(), Color.Blue, Color[5], first<string>(["a"]), (5 as unknown as number) + 1]',
  ]);
  assert.deepEqual(values(r).slice(-1), ["[ 13, 6, 'Green', 'a', 6 ]"]);
});

test('lines continue until the entry is complete, as in the Node REPL', async () => {
  // Line by line, as batch mode reads standard input (its reader: compile/entry-reader.ts).
  const r = await session(['function add(a, b) {', '  return a + b', '}', 'add(1,', ' 2)']);
  assert.deepEqual(
    r.results.map((x) => x.value),
    ['undefined', '3'],
  );
});

test('without --json, batch mode prints what the REPL would, without colours', async () => {
  const r = await run(
    ['--batch'],
    'function f() { return 1 }\nconsole.log("hi"); f()\nlet x = = 1\n',
  );
  assert.equal(
    r.stdout,
    [
      'f: function v1',
      'hi',
      '1',
      '1 | let x = = 1',
      '            ^',
      'Uncaught SyntaxError: Unexpected token (1:9)',
      '',
    ].join('\n'),
  );
  assert.doesNotMatch(r.stdout, /\u001b\[/);
});

test('an unknown command lists the commands', async () => {
  const r = await session([':frobnicate']);
  assert.match(
    r.results[0]!.error!.message,
    /unknown command :frobnicate\. Commands: :help :defs :history :diff :rollback :check :inspect :ps :stop :restart :forget :frame :save :replay :quit/,
  );
});

test(':help is generated from the command table', async () => {
  const r = await session([':help']);
  for (const usage of [
    ':defs',
    ':history NAME',
    ':diff NAME [A] [B]',
    ':rollback NAME [VERSION]',
    ':check ENTRY',
    ':quit',
  ]) {
    assert.ok(r.results[0]!.value!.includes(usage), usage);
  }
});

test('once() initialises state the first time and keeps it when the entry runs again', async () => {
  const entry = 'const world = once({ ticks: 0, agents: [] as string[] })\nworld.ticks++';
  const r = await session([
    entry,
    entry,
    entry,
    'world.ticks',
    'const world = { ticks: 100, agents: [] }',
    'world.ticks',
  ]);
  assert.deepEqual(values(r).slice(0, 4), ['0', '1', '2', '3']);
  assert.deepEqual(r.results[1]!.defined, [
    { name: 'world', kind: 'const', version: 1, kept: true },
  ]);
  assert.equal(values(r)[5], '100');
});

test('const definitions cannot be assigned, but can be redefined', async () => {
  const r = await session(['const c = 1', 'c = 2', 'const c = 3', 'c']);
  assert.deepEqual(values(r), [
    'undefined',
    '!TypeError: Assignment to constant variable.',
    'undefined',
    '3',
  ]);
});

/** bin/instant-prompt.js (plain JavaScript, as bin/viv.js loads it before anything else). */
type InstantPrompt = (
  stdin: NodeJS.ReadableStream & { setRawMode(mode: boolean): void },
  stdout: { write(text: string): boolean },
) => import('../src/session/early-prompt.ts').EarlyPrompt;

test('Ctrl-C and Ctrl-D typed at the instant prompt before the session listens reach the opening once it does', async () => {
  const url = new URL('../bin/instant-prompt.js', import.meta.url).href;
  const { instantPrompt } = (await import(url)) as { instantPrompt: InstantPrompt };
  const stdin = Object.assign(new PassThrough(), { setRawMode: () => {} });
  let shown = '';
  const early = instantPrompt(stdin, { write: (text) => ((shown += text), true) });
  const tick = () => new Promise((resolve) => setImmediate(resolve));
  stdin.write('ab');
  stdin.write('\u0004');
  stdin.write('\u0003c');
  await tick();
  const keys: string[] = [];
  early.onKey!((key) => keys.push(key));
  assert.deepEqual(keys, ['eof', 'interrupt'], 'told when the opening listens, in order');
  stdin.write('\u0003');
  await tick();
  assert.deepEqual(keys, ['eof', 'interrupt', 'interrupt']);
  assert.equal(shown, 'viv> abc', 'the typed text is echoed, the keys are not');
  // What was typed goes on to the REPL, without the keys the opening took.
  const input = early.handOver();
  let handed = '';
  input.on('data', (chunk: Buffer) => (handed += chunk.toString('utf8')));
  await tick();
  assert.equal(handed, 'abc');
  early.cancel();
});
