// Images on disk: save and reopen of 1,000,000 small objects with cycles, against a plain-Node
// floor measured here on the same graph (walk + JSON.stringify + write + fsync; read + parse +
// rebuild), the file size against that floor's compact JSON, the journal's cost on an entry's
// round trip, and the longest pause of the session while a large snapshot is written.
import {
  closeSync,
  fsyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession } from '../src/session/open-session.ts';
import type { Engine } from '../src/session/engine/engine.ts';
import { openStore } from '../src/session/store/store.ts';

const N = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'viv-bench-'));
const line = (text: string) => process.stdout.write(text + '\n');
const ratio = (a: number, b: number) => (a / b).toFixed(2) + 'x';
const secs = (ms: number) => (ms / 1000).toFixed(2) + ' s';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The graph: a ring of small objects, each pointing to the next and back to a shared tag. */
const GRAPH = `const tag = { name: 'shared' }
const ring = Array.from({ length: ${N} }, (_, i) => ({ id: i, value: i * 0.5, next: null as any, tag }))
for (let i = 0; i < ring.length; i++) ring[i]!.next = ring[(i + 1) % ring.length]
0`;

// The plain-Node floor, on the same graph built here.
function plainFloor(): { save: number; reopen: number; bytes: number } {
  const tag = { name: 'shared' };
  const ring = Array.from({ length: N }, (_, i) => ({
    id: i,
    value: i * 0.5,
    next: null as unknown,
    tag,
  }));
  for (let i = 0; i < ring.length; i++) ring[i]!.next = ring[(i + 1) % ring.length];
  const path = join(dir, 'plain.json');
  const t0 = performance.now();
  const ids = new Map<object, number>();
  const queue: object[] = [];
  const idOf = (o: object) => {
    let id = ids.get(o);
    if (id === undefined) {
      id = queue.length;
      ids.set(o, id);
      queue.push(o);
    }
    return id;
  };
  idOf(ring);
  const table: unknown[] = [];
  for (let q = 0; q < queue.length; q++) {
    const o = queue[q]!;
    if (Array.isArray(o)) {
      table.push(o.map((x: object) => ({ r: idOf(x) })));
      continue;
    }
    const rec: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o))
      rec[k] = v && typeof v === 'object' ? { r: idOf(v) } : v;
    table.push(rec);
  }
  const text = JSON.stringify(table);
  const fd = openSync(path, 'w');
  writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
  const save = performance.now() - t0;
  const t1 = performance.now();
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>[];
  const objects = parsed.map((rec) => (Array.isArray(rec) ? [] : {}) as Record<string, unknown>);
  parsed.forEach((rec, i) => {
    const target = objects[i]!;
    for (const [k, v] of Object.entries(rec)) {
      target[k] =
        v && typeof v === 'object' && 'r' in (v as object) ? objects[(v as { r: number }).r] : v;
    }
  });
  const reopen = performance.now() - t1;
  return { save, reopen, bytes: statSync(path).size };
}

const floor = plainFloor();

const imagePath = join(dir, 'bench.json');
let engine = await openSession({ store: await openStore(imagePath) });
const build = await engine.submit(GRAPH);
if (!build.ok) throw new Error(JSON.stringify(build.error));

// The session's longest pause while the snapshot is taken and written.
let longestPause = 0;
let last = performance.now();
const ticker = setInterval(() => {
  const now = performance.now();
  longestPause = Math.max(longestPause, now - last - 1);
  last = now;
}, 1);
const t0 = performance.now();
await engine.save();
const save = performance.now() - t0;
clearInterval(ticker);
const bytes = statSync(imagePath).size;
await engine.close();

const t1 = performance.now();
engine = await openSession({ store: await openStore(imagePath) });
const reopen = performance.now() - t1;
const check = await engine.submit('ring[999_999].next === ring[0] && ring[5].tag === ring[6].tag');
if (check.value !== 'true')
  throw new Error('the reopened graph is wrong: ' + JSON.stringify(check));

// The journal's cost on an entry's round trip: with a store (append + fsync) vs without.
const trips = async (e: Engine) => {
  const xs: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    await e.submit('1+1');
    xs.push(performance.now() - t);
  }
  return median(xs) * 1000;
};
await engine.close();
// Both on a fresh, small image: only the journal differs.
const journaled = await openSession({ store: await openStore(join(dir, 'journal.json')) });
const withJournal = await trips(journaled);
await journaled.close();
const bare = await openSession({});
const withoutJournal = await trips(bare);
await bare.close();

line(
  `save, 1,000,000 objects with cycles: ${secs(save)} vs plain-Node walk+stringify+write+fsync ${secs(floor.save)}: ${ratio(save, floor.save)} (goal at most 1.5x)`,
);
line(
  `reopen: ${secs(reopen)} (new guest, parse, compile, rebuild) vs plain-Node read+parse+rebuild ${secs(floor.reopen)}: ${ratio(reopen, floor.reopen)} (goal at most 1.5x)`,
);
line(
  `file size: ${(bytes / 1e6).toFixed(1)} MB vs compact JSON ${(floor.bytes / 1e6).toFixed(1)} MB: ${ratio(bytes, floor.bytes)} (goal at most 1.2x)`,
);
line(
  `entry round trip with the journal (append + fsync) vs without: ${ratio(withJournal, withoutJournal)} (${withJournal.toFixed(0)} µs vs ${withoutJournal.toFixed(0)} µs, goal at most 1.5x)`,
);
line(
  `longest pause of the session while that snapshot was taken and written: ${longestPause.toFixed(0)} ms`,
);
rmSync(dir, { recursive: true, force: true });
