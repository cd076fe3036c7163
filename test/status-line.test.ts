// The terminal's status line (views.ts statusText): counts read right, "saved" shows the last
// save's time only while nothing is unsaved, and the line never reaches the last column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { statusText } from '../src/ui/views.ts';
import type { StatusInfo } from '../src/ui/views.ts';
import { join } from 'node:path';
import { tempDir } from './helpers.ts';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { stdlibEntries } from '../src/session/stdlib.ts';

const base: StatusInfo = {
  image: 'default.json',
  dirty: false,
  heapUsed: 3 * 1024 * 1024,
  heapLimit: 512 * 1024 * 1024,
  definitions: 1,
  processes: 1,
};

test('statusText(status, columns) says 1 process and 1 definition, 2 processes and 2 definitions', () => {
  assert.match(statusText(base, 200), / · 1 definition · 1 process · /);
  assert.match(
    statusText({ ...base, definitions: 2, processes: 2 }, 200),
    / · 2 definitions · 2 processes · /,
  );
});

test('statusText(status, columns) shows the last save time only while nothing is unsaved', () => {
  const savedAt = new Date(2026, 0, 1, 12, 34, 56);
  assert.match(statusText({ ...base, savedAt }, 200), / · saved 12:34:56 · /);
  assert.match(statusText({ ...base, savedAt, dirty: true }, 200), / · unsaved changes · /);
  assert.doesNotMatch(statusText({ ...base, savedAt, dirty: true }, 200), /12:34/);
  assert.match(statusText(base, 200), / · not saved yet · /);
  assert.match(statusText({ ...base, savedAt, readOnly: true }, 200), / · read-only · /);
});

test('statusText(status, columns) fits in columns - 1, dropping hints before what matters', () => {
  for (const columns of [80, 60, 40]) {
    for (const image of [
      'default.json',
      '/home/someone/.local/share/vivarium/a-long-image-name.json',
    ]) {
      const text = statusText({ ...base, image, definitions: 123, processes: 45 }, columns);
      assert.ok(text.length <= columns - 1, `${columns}: ${text}`);
    }
  }
  const at80 = statusText({ ...base, image: 'default.json' }, 80);
  assert.match(at80, /^default\.json · not saved yet · .*1 process/);
});

test('engine.lastSaved is the snapshot time on open and moves with every save (autosave too)', async () => {
  const dir = tempDir();
  const path = join(dir.path, 's.json');
  const open = async () =>
    openSession({
      guest: InProcessGuest.start,
      prelude: stdlibEntries(),
      store: await openStore(path, { validate: validateRecord }),
    });
  let engine = await open();
  try {
    assert.equal(engine.lastSaved, undefined);
    await engine.submit('const a = 1');
    const before = Date.now();
    await engine.save();
    const saved = engine.lastSaved!.getTime();
    assert.ok(saved >= before && saved <= Date.now());
    await engine.close();
    engine = await open();
    // The header's time: taken while that save wrote the file.
    const reopened = engine.lastSaved!.getTime();
    assert.ok(reopened >= before && reopened <= saved, `${before} <= ${reopened} <= ${saved}`);
  } finally {
    await engine.close();
    dir.remove();
  }
});

test('statusText while the image opens: it says so, and a narrow window drops the key hint first, then shortens the name', () => {
  const opening = { ...base, image: 'a-long-image-name.json', opening: true };
  assert.equal(
    statusText(opening, 120),
    'a-long-image-name.json · opening… · Ctrl-T definitions · :help',
  );
  assert.equal(statusText(opening, 45), 'a-long-image-name.json · opening… · :help');
  assert.equal(statusText(opening, 30), '…name.json · opening… · :help');
  for (const columns of [120, 45, 30, 12]) {
    assert.ok(statusText(opening, columns).length <= columns - 1);
  }
});
