// Saving keeps what came after, through SIGKILL at random (seeded) instants: a child appends
// entries, saves snapshots that hold all but the last ones appended (records accepted while the
// snapshot was taken), and appends while each save runs. After each kill, reopening must give
// the snapshot plus exactly the records not in it: every acknowledged entry once, nothing twice.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../src/session/store/image-file.ts';
import { readJournal } from '../src/session/store/journal-read.ts';
import { closed, seeded, testSeed, until } from './store-support.ts';
import { cliEnv } from './helpers.ts';

let root: string;
before(() => {
  root = fs.mkdtempSync(os.tmpdir() + '/viv-store-crash-');
});
after(() => {
  // The killed children's hard-link locks (see lock.ts) name images in `root`: remove them.
  const locks = join(os.tmpdir(), `vivarium-locks-${process.getuid?.()}`);
  for (const name of fs.existsSync(locks) ? fs.readdirSync(locks) : []) {
    let text: string;
    try {
      text = fs.readFileSync(join(locks, name), 'utf8');
    } catch {
      continue; // another test's session released its lock meanwhile
    }
    if (text.includes(JSON.stringify(join(root, 'x.json')))) fs.rmSync(join(locks, name));
  }
  fs.rmSync(root, { recursive: true, force: true });
});

const ROUNDS = Number(process.env.VIV_CRASH_ROUNDS) || 12;
const seed = testSeed();

/** The child: reopens the image, then appends and saves forever, saying what resolved. */
const CHILD = `import { ImageStore } from ${JSON.stringify(import.meta.resolve('../src/session/store/image-file.ts'))};
const [file, fillBytes] = process.argv.slice(2);
const store = await ImageStore.open(file);
const all = [...(store.payload ? JSON.parse(store.payload).entries : []), ...store.journal.map((r) => r.entry)];
let n = all.length ? all[all.length - 1] : 0;
const fill = 'x'.repeat(Number(fillBytes));
const append = async (k) => {
  await store.append({ type: 'entry', entry: k, source: 'const v' + k + ' = ' + k });
  all.push(k);
  process.stdout.write('ack ' + k + '\\n');
};
process.stdout.write('ready ' + n + '\\n');
for (;;) {
  for (let i = 0; i < 3; i++) await append(++n);
  // The snapshot holds all but the last two entries: they were accepted while it was taken.
  const upTo = n - 2;
  const saving = store.save(upTo, JSON.stringify({ entries: all.filter((e) => e <= upTo), fill }));
  const appending = append(++n);
  await saving;
  process.stdout.write('saved ' + upTo + '\\n');
  await appending;
}
`;

test(`saves and appends survive SIGKILL at ${ROUNDS} random instants (seed ${seed}; set VIV_SEED to repeat)`, async (t) => {
  const random = seeded(seed);
  const script = join(root, 'child.mjs');
  fs.writeFileSync(script, CHILD);
  const file = join(root, 'x.json');
  let lastAcked = 0;
  const stats = { saves: 0, torn: 0, betweenRenames: 0, acked: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    // Up to 1 MB of padding in each snapshot: saves long enough that kills land inside them (in
    // the temp file, between the renames) about as often as with 4 MB, at a quarter of the bytes.
    const fill = String(Math.floor(random() * 1_000_000));
    // Without npm test's --no-node-snapshot (the child makes no isolate): ~50 ms less CPU a start.
    const child = spawn(process.execPath, [script, file, fill], { env: cliEnv() });
    const done = closed(child);
    let out = '';
    let err = '';
    child.stdout!.on('data', (data: Buffer) => (out += data));
    child.stderr!.on('data', (data: Buffer) => (err += data));
    const acks = () => [...out.matchAll(/^ack (\d+)$/gm)].map((match) => Number(match[1]));
    await until(() => /^ready \d+\n/.test(out) || err !== '', 'the child to open the image');
    assert.equal(err, '', 'the child opened the image');
    // Kill at a random instant: after a random number of acknowledged entries, then a random
    // fraction of a save's time (the kill's place is random; no outcome depends on the timing).
    const target = 1 + Math.floor(random() * 12);
    await until(() => acks().length >= target, `${target} acknowledged entries`);
    await new Promise((wait) => setTimeout(wait, Math.floor(random() * 25)));
    child.kill('SIGKILL');
    assert.deepEqual((await done).slice(1), ['SIGKILL']);
    assert.equal(err, '', 'the child died by our kill only');
    const acked = acks();
    stats.acked += acked.length;
    stats.saves += [...out.matchAll(/^saved /gm)].length;
    if (acked.length > 0) lastAcked = acked[acked.length - 1]!;

    const journal = await readJournal(`${file}.journal`);
    const store = await ImageStore.open(file);
    try {
      if (store.notices.length > 0) stats.torn++;
      if (journal.marker && store.header && journal.marker.follows !== store.header.id) {
        stats.betweenRenames++;
      }
      const snapshot = store.payload ? (JSON.parse(store.payload) as { entries: number[] }) : null;
      const entries = [
        ...(snapshot?.entries ?? []),
        ...store.journal.map((record) => (record as { entry: number }).entry),
      ];
      const expected = Array.from({ length: entries.length }, (_, i) => i + 1);
      assert.deepEqual(entries, expected, `round ${round}: every entry once, in order`);
      assert.ok(
        entries.length === lastAcked || entries.length === lastAcked + 1,
        `round ${round}: ${entries.length} entries on disk, ${lastAcked} acknowledged (one more may have been in flight)`,
      );
      lastAcked = entries.length;
    } finally {
      await store.close();
    }
  }
  t.diagnostic(
    `seed ${seed}: ${ROUNDS} kills, ${stats.acked} acknowledged entries, ${stats.saves} saves, ${stats.torn} torn tails set aside, ${stats.betweenRenames} kills between a snapshot's rename and its journal's`,
  );
  const left = fs.readdirSync(root).filter((name) => name.endsWith('.tmp'));
  assert.deepEqual(left, [], 'stale temp files are removed on open');
});
