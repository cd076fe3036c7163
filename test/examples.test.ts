// The shipped examples run as batch mode runs them (line by line through the entry reader, the
// engine and a real isolate, in process) and show what they claim, so they never rot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { session } from './support/session.ts';
import { run as runCli } from './helpers.ts';
import { dirtParams, oscReceiver } from './support/osc-receiver.ts';

const example = (name: string) =>
  readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8');

/** Runs a file's text as `viv --batch --json < file` does: its lines, read into entries. */
const run = (text: string) => session(text.split('\n'));

test('examples/hot-functions.ts: a timer picks up a redefinition', async () => {
  const r = await run(example('hot-functions.ts'));
  assert.equal(r.status, 0, JSON.stringify(r.results.filter((x) => !x.ok)));
  assert.ok(r.results.some((x) => x.value === 'true'));
});

test('examples/ledger.ts: two migrations, a dry run and a rollback', async () => {
  const r = await run(example('ledger.ts'));
  assert.equal(r.status, 0, JSON.stringify(r.results.filter((x) => !x.ok)));
  const shown = r.results.map((x) => x.value);
  assert.ok(shown.includes("[ 'ada: 125.00 EUR', 'bob: 50.00 EUR' ]"));
  assert.equal(
    shown.at(-1),
    "[\n  Account { owner: 'ada', balance: 125 },\n  Account { owner: 'bob', balance: 50 }\n]",
  );
});

test('examples/transactions.ts: the failing migration changes nothing', async () => {
  const r = await run(example('transactions.ts'));
  const results = r.results;
  assert.equal(results[2]!.error!.name, 'MigrationError');
  assert.equal(results[3]!.value, "[ undefined, [ 'id', 'reading' ] ]");
});

/** The status, tick count and restarts of process `name` in the text of `:ps`. */
function psRow(text: string, name: string) {
  const row = new RegExp(`^${name}\\s+(\\w+)\\s+\\S+ (?:ms|beat)\\s+(\\d+)\\s+(\\d+)`, 'm').exec(
    text,
  );
  assert.ok(row, `:ps shows ${name}:\n${text}`);
  return { status: row[1], ticks: Number(row[2]), restarts: Number(row[3]) };
}

/** The values of `:ps` entries (their text starts with the header). */
const psValues = (shown: (string | undefined)[]) =>
  shown.filter((v): v is string => v?.startsWith('name ') ?? false);

test('examples/drum-and-bass.ts: SuperDirt gets its bundles through two redefinitions and a tempo change', async () => {
  const rx = await oscReceiver();
  try {
    // Defined first, `out` is kept by the example's own `once(new OscOut())`.
    const input =
      `const out = once(new OscOut({ port: ${rx.port} }))\n` + example('drum-and-bass.ts');
    const r = await run(input);
    assert.equal(r.status, 0, JSON.stringify(r.results.filter((x) => !x.ok)) + r.stderr);
    const shown = r.results.map((x) => x.value);
    const [before, after] = psValues(shown).map((v) => psRow(v, 'dnb'));
    assert.equal(before!.status, 'running');
    assert.deepEqual([after!.status, after!.restarts], ['running', 0], 'never restarted');
    assert.ok(
      after!.ticks >= before!.ticks + 40,
      `ticks went on: ${before!.ticks} -> ${after!.ticks}`,
    );
    assert.match(shown.at(-1)!, /^ho {3}[.xX_]{16}$/m, 'the frame shows the new break');
    assert.match(shown.at(-1)!, /176 bpm$/);

    await new Promise((resolve) => setTimeout(resolve, 100));
    const events = rx.events
      .filter((e) => e.address === '/dirt/play')
      .map((e) => ({ ...e, args: dirtParams(e) }));
    const sounds = events.map((e) => e.args.s);
    const firstOpenHat = sounds.indexOf('ho'); // only the second break has ho
    const firstCutoff = events.findIndex((e) => 'cutoff' in e.args); // only the second step
    assert.ok(firstOpenHat > 10, 'the first break played first');
    assert.deepEqual([...new Set(sounds.slice(0, firstOpenHat))].sort(), [
      'bd',
      'hh',
      'sn',
      'supersaw',
    ]);
    assert.ok(firstCutoff > firstOpenHat, 'then the new step, in the order they were entered');
    // Every bundle is on the sixteenth grid: one sixteenth apart at 172 bpm, then at 176 bpm.
    const times = [...new Set(events.map((e) => e.at))].sort((a, b) => a - b);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    const sixteenth = (bpm: number) => 60000 / bpm / 4;
    const count = (bpm: number) => gaps.filter((g) => Math.abs(g - sixteenth(bpm)) < 0.01).length;
    assert.ok(count(172) >= 10 && count(176) >= 10, `gaps: ${gaps.join(', ')}`);
  } finally {
    await rx.close();
  }
});

test('examples/life.ts: a process steps the board on through a change of rules', async () => {
  const r = await run(example('life.ts'));
  assert.equal(r.status, 0, JSON.stringify(r.results.filter((x) => !x.ok)) + r.stderr);
  const shown = r.results.map((x) => x.value);
  const frames = shown.filter((v): v is string => v?.startsWith('generation') ?? false);
  assert.equal(frames.length, 2);
  const generations = frames.map((f) => Number(/^generation (\d+)/.exec(f)![1]));
  assert.ok(generations[0]! >= 12 && generations[1]! >= 21, `generations ${generations}`);
  for (const frame of frames) {
    const rows = frame.split('\n').slice(1);
    assert.equal(rows.length, 12);
    for (const row of rows) assert.match(row, /^[·█]{24}$/);
    assert.ok(frame.includes('█'), 'live cells are drawn');
  }
  assert.deepEqual(psRow(psValues(shown)[0]!, 'life'), {
    status: 'stopped',
    ticks: generations[1],
    restarts: 0,
  });
  assert.equal(shown.at(-1), String(generations[1]));
});

test('examples/boids.ts: the live particles get the new field, and the process never restarts', async () => {
  const input =
    example('boids.ts') +
    '\nsky.flock.every((p) => p instanceof Particle && p.age === first.age && p.age > 0)\n';
  const r = await run(input);
  assert.equal(r.status, 0, JSON.stringify(r.results.filter((x) => !x.ok)) + r.stderr);
  const shown = r.results.map((x) => x.value);
  const [before, after] = psValues(shown).map((v) => psRow(v, 'boids'));
  assert.ok(
    after!.ticks >= before!.ticks + 20,
    `ticks went on: ${before!.ticks} -> ${after!.ticks}`,
  );
  assert.equal(after!.restarts, 0);
  const [first, same] = [shown.at(-2)!, shown.at(-1)];
  const age = Number(/^\[ true, (\d+), 0 \]$/.exec(first)?.[1]);
  assert.ok(age > 0, `the same particle, with an age counted since its upgrade: ${first}`);
  assert.equal(same, 'true', 'every particle was migrated');
  const frames = shown.filter((v): v is string =>
    /^([·o<>^v]{32}\n){11}[·o<>^v]{32}$/.test(v ?? ''),
  );
  assert.equal(frames.length, 2);
  assert.match(frames[0]!, /o/, 'drawn with the old glyph');
  assert.doesNotMatch(frames[1]!, /o/, 'the same particles drawn by the new method');
  assert.match(frames[1]!, /[<>^v]/);
});

test("README's Thirty seconds: examples/tour.ts prints what the README shows", async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = readme.split('## Thirty seconds')[1]!.split('```')[1]!;
  const expected = block
    .split('\n')
    .slice(2) // the opening fence's rest of line, and the command
    .filter((l) => l.trim() !== '')
    .map((l) => l.slice(0, 42).trimEnd());
  const input = readFileSync(new URL('../examples/tour.ts', import.meta.url), 'utf8');
  const r = await runCli(['--batch'], input);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trimEnd().split('\n'), expected);
});
