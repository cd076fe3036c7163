// `:check ENTRY` changes nothing anywhere and reports what the real run would do: it runs the
// entry for real in a scratch guest restored from a snapshot of the image, then discards it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { session } from './support/session.ts';
import { renderResult } from '../src/session/render.ts';
import type { Result } from '../src/session/result.ts';

const SETUP = [
  'const shared: number[] = []',
  'const index = new Set<object>()',
  "class Item { constructor(public price: number, public meta = { tag: 'a' }) { index.add(this) } }",
  'const items = [new Item(1), new Item(2), new Item(3)]',
];
/** Everything the cases below could change, as one value. */
const PROBE =
  '[shared, items.map((i) => [i.meta.tag, Object.keys(i)]), typeof (globalThis as any).leak, Item.prototype.hasOwnProperty("v2")]';

/** What the real run gave, in the shape of a check's report. */
function outcome(result: Result) {
  return result.ok
    ? { ok: true, value: result.value, printed: result.printed }
    : { ok: false, error: result.error!.message, printed: result.printed };
}

/** Runs `entry` as `:check`, then for real; answers both results and the probes around them. */
async function checkThenRun(entry: string) {
  const run = await session([...SETUP, PROBE, `:check ${entry}`, PROBE, entry]);
  const [before, check, after, real] = run.results.slice(SETUP.length);
  const would = check!.check!;
  return {
    before: before!.value,
    after: after!.value,
    check: check!,
    would: would.ok
      ? { ok: true, value: would.value, printed: would.printed }
      : { ok: false, error: would.error!.message, printed: would.printed },
    real: outcome(real!),
  };
}

const CASES: [string, string][] = [
  [
    "an upgrade's change to a nested object",
    "class Item { constructor(public price: number, public meta = { tag: 'a' }) {} v2() {} static upgrade(i: Item) { i.meta.tag = 'b' } }",
  ],
  [
    'a static block setting a global',
    "class Item { constructor(public price: number, public meta = { tag: 'a' }) {} v2() {} static { (globalThis as any).leak = 1 } }",
  ],
  [
    'pushes to a shared array',
    "class Item { constructor(public price: number, public meta = { tag: 'a' }) {} v2() {} static upgrade(i: Item) { shared.push(i.price) } }; shared.length",
  ],
  [
    'an upgrade that finds the instance in an index',
    "class Item { constructor(public price: number, public meta = { tag: 'a' }) {} v2() {} static upgrade(i: any) { if (!index.has(i)) throw new Error('not indexed'); i.seen = true } }; items.map((i: any) => i.seen)",
  ],
  [
    'an upgrade that fails on one instance after changing others',
    "class Item { constructor(public price: number, public meta = { tag: 'a' }) {} v2() {} static upgrade(i: Item) { i.meta.tag = 'c'; shared.push(1); if (i.price === 2) throw new Error('two') } }",
  ],
  ['an entry that prints and gives a value', "console.log('hi', shared.length); items.length * 2"],
];

for (const [what, entry] of CASES) {
  test(`:check of ${what} changes nothing and reports what the real run then does`, async () => {
    const r = await checkThenRun(entry);
    assert.ok(r.check.ok, `the check ran: ${JSON.stringify(r.check.error)}`);
    assert.equal(r.after, r.before, 'the live image is as before');
    assert.deepEqual(r.would, r.real);
  });
}

test(':check counts every instance that would migrate or fail', async () => {
  const r = await checkThenRun(CASES[4]![1]);
  assert.deepEqual(
    r.check.migrations!.map((m) => [m.name, m.instances, m.migrated, m.failed]),
    [['Item', 3, 2, 1]],
  );
  assert.match(r.real.error!, /threw on instance 2 of 3 .*Error: two\. Nothing was changed\./);
});

test(':check reads as a report in the terminal and batch mode', async () => {
  const run = await session([...SETUP, `:check ${CASES[3]![1]}`]);
  assert.equal(
    renderResult(run.results[4]!),
    [
      'check (dry run in a copy of the image; nothing was changed):',
      '  Item v1 -> v2: 3 instance(s), 3 would migrate, 0 would fail',
      '  the entry would succeed (Item v2): [ true, true, true ]',
    ].join('\n'),
  );
});

test(':check of an entry that would run forever reports it and leaves the session usable', async () => {
  // (The bound is what the endless entry spins for: short, as the other entries take ~1 ms.)
  const run = await session([...SETUP, PROBE, ':check shared.push(1); for (;;) {}', PROBE], {
    timeoutMs: 250,
  });
  const check = run.results[5]!;
  assert.ok(check.ok);
  assert.equal(check.check?.error?.name, 'TimeoutError');
  assert.equal(run.results[6]!.value, run.results[4]!.value);
});

test(':check refuses, saying why, when the image cannot be copied (an unsaveable closure)', async () => {
  const run = await session([
    'const f = (() => { let c = 0; return () => c++ })()',
    ':check f()',
    'f()',
  ]);
  assert.equal(run.results[1]!.error?.name, 'CheckError');
  assert.match(
    run.results[1]!.error!.message,
    /cannot be copied now .*cannot save f: it is a closure/,
  );
  assert.equal(run.results[2]!.value, '0');
});
