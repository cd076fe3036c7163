// An immutable journal (chattr +i: every write and truncate fails with EPERM, and nothing lands):
// the refused append's message says only why, never that a partial line is left, on the
// synchronous append path (the common one) as on the queued one; once writable, appends work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { join } from 'node:path';
import { ImageFileError, ImageStore } from '../src/session/store/image-file.ts';
import { Journal, readJournal } from '../src/session/store/journal.ts';
import { FaultyDisk, scratchDirs } from './store-support.ts';
import type { Plan } from './store-support.ts';

const dir = scratchDirs('store-immutable');

const entry = (n: number) => ({ type: 'entry', entry: n, source: `const v${n} = ${n}` });

/** EPERM at every write and truncate from the next (after `skip` writes) on. */
function immutable(disk: FaultyDisk, skip = 0): Plan[] {
  return [
    { kind: 'write', at: disk.counts.write + skip + 1, fault: 'EPERM' },
    { kind: 'truncate', at: disk.counts.truncate + 1, fault: 'EPERM' },
  ];
}

/** The refusal of an append to an immutable journal: the cause, and nothing about a partial line. */
function refusedCleanly(error: unknown, file: string): true {
  assert.ok(error instanceof ImageFileError, `not an ImageFileError: ${String(error)}`);
  assert.equal(
    error.message,
    `${file}.journal: cannot append to it: operation not permitted (EPERM)`,
  );
  return true;
}

test('EPERM at the write and at the cut (an immutable file), synchronous path: the message says only why', async () => {
  const file = join(dir(), 'x.json');
  const disk = new FaultyDisk();
  const state = { follows: null, lines: [], exists: false, imageId: '0123456789abcdef' };
  const journal = new Journal(`${file}.journal`, state, disk);
  await journal.append(entry(1)); // opens the file: from now on appendSync may run
  journal.appendSync(entry(2));
  const before = fs.readFileSync(`${file}.journal`);
  disk.plans = immutable(disk);
  assert.throws(
    () => journal.appendSync(entry(3)),
    (error) => refusedCleanly(error, file),
  );
  assert.deepEqual(fs.readFileSync(`${file}.journal`), before, 'nothing landed');
  assert.ok(journal.idle, 'not dirty: nothing to cut, so the next append may run at once');
  assert.throws(
    () => journal.appendSync(entry(4)),
    (error) => refusedCleanly(error, file),
  );
  disk.heal();
  journal.appendSync(entry(5));
  await journal.close();
  assert.deepEqual((await readJournal(`${file}.journal`)).records, [entry(1), entry(2), entry(5)]);
});

test('the same through the store, on its synchronous and its queued append paths', async () => {
  for (const path of ['synchronous', 'queued'] as const) {
    const file = join(dir(), 'x.json');
    const disk = new FaultyDisk();
    const store = await ImageStore.open(file, { disk });
    await store.append(entry(1));
    const writes = disk.counts.write;
    await store.save(1, '{"upTo":1}');
    const perSave = disk.counts.write - writes;
    await store.append(entry(2));
    // Queued: the append waits for a save, whose writes come first (the faults come after them).
    disk.plans = immutable(disk, path === 'queued' ? perSave : 0);
    const saving = path === 'queued' ? store.save(2, '{"upTo":2}') : null;
    await assert.rejects(store.append(entry(3)), (error) => refusedCleanly(error, file));
    await saving;
    await assert.rejects(store.append(entry(4)), (error) => refusedCleanly(error, file));
    disk.heal();
    await store.append(entry(5));
    await store.close();
    const reopened = await ImageStore.open(file);
    const upTo = (JSON.parse(reopened.payload!) as { upTo: number }).upTo;
    const entries = reopened.journal.map((record) => (record as { entry: number }).entry);
    assert.deepEqual(
      [upTo, entries],
      [path === 'queued' ? 2 : 1, path === 'queued' ? [5] : [2, 5]],
    );
    await reopened.close();
  }
});

test('a real immutable journal (chattr +i) refuses the append cleanly; -i and it works again', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root for chattr +i');
  const file = join(dir(), 'x.json');
  const store = await ImageStore.open(file);
  await store.append(entry(1));
  const chattr = (flag: string) =>
    spawnSync('chattr', [flag, `${file}.journal`], { encoding: 'utf8' });
  const set = chattr('+i');
  if (set.status !== 0) {
    await store.close();
    return t.skip(`chattr +i is not supported here: ${set.stderr || set.error}`);
  }
  try {
    await assert.rejects(store.append(entry(2)), (error) => refusedCleanly(error, file));
    await assert.rejects(store.append(entry(3)), (error) => refusedCleanly(error, file));
  } finally {
    chattr('-i');
  }
  await store.append(entry(4));
  await store.close();
  const reopened = await ImageStore.open(file);
  assert.deepEqual(reopened.journal, [entry(1), entry(4)]);
  await reopened.close();
});
