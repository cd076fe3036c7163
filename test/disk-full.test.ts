// A failing disk refuses the entry and the session goes on (issue 8): a real, small tmpfs filled
// up (ENOSPC), and a journal made immutable with chattr (EPERM). Both need root; elsewhere the
// tests skip and say why. The injected faults of test/store-faults.test.ts cover every call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { tempDir, withSmallDisk } from './helpers.ts';
import { session as inProcess, shown } from './support/session.ts';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { finalSave } from '../src/session/image-upkeep.ts';
import { runBatch } from '../src/session/batch.ts';
import { stdlibEntries } from '../src/session/stdlib.ts';

function tryRun(command: string, args: string[]): string | undefined {
  try {
    execFileSync(command, args, { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String((error as { stderr?: Buffer }).stderr ?? error).trim();
  }
}

const isRoot = process.getuid?.() === 0;

/**
 * A batch session whose JSON answers can be awaited one by one: in process, as viv --batch --json
 * runs it (cli.ts): the real store on the given disk, the engine, a real isolate, and batch mode
 * reading entries as they are written. `end()` ends the input and makes the save on the way out;
 * it answers the exit status viv would (batch mode's, else the final save's).
 */
async function session(image: string) {
  const store = await openStore(image, { validate: validateRecord });
  const engine = await openSession({
    store,
    guest: InProcessGuest.start,
    prelude: stdlibEntries(),
  });
  const input = new PassThrough();
  const output = new PassThrough().setEncoding('utf8');
  let out = '';
  output.on('data', (d: string) => (out += d));
  const lines = () => out.split('\n').filter((l) => l.endsWith('}'));
  const batched = runBatch(engine, { json: true, input, output });
  let seen = 0;
  let ended: Promise<number> | undefined;
  return {
    async send(entry: string) {
      input.write(entry + '\n');
      while (lines().length < seen + 1) await new Promise((r) => setTimeout(r, 5));
      return JSON.parse(lines()[seen++]!) as {
        ok: boolean;
        value?: string;
        error?: { name: string; message: string };
      };
    },
    end(): Promise<number> {
      ended ??= (async () => {
        input.end();
        try {
          const status = await batched;
          return (await finalSave(engine)) || status;
        } finally {
          await engine.close();
        }
      })();
      return ended;
    },
  };
}

test('a full disk refuses the entry, the session goes on, and nothing shown is lost', async (t) => {
  await withSmallDisk(t, '256k', async (mount) => {
    let s: Awaited<ReturnType<typeof session>> | undefined;
    try {
      const image = join(mount, 'img.json');
      s = await session(image);
      assert.equal((await s.send("let first = 'one'")).ok, true);
      assert.equal((await s.send('const arr = [1]')).ok, true);
      // Fill the disk but for a few kilobytes: the next journal line does not fit.
      const filler = join(mount, 'filler');
      try {
        writeFileSync(filler, Buffer.alloc(1024 * 1024));
      } catch {
        // ENOSPC: the filler takes what there is
      }
      const refused = await s.send(`let second = '${'x'.repeat(6000)}'`);
      assert.equal(refused.ok, false);
      assert.equal(refused.error!.name, 'JournalError');
      assert.match(refused.error!.message, /no space left on device \(ENOSPC\)/);
      assert.match(refused.error!.message, /nothing ran and nothing changed; the session goes on/);
      const still = await s.send('typeof second');
      assert.equal(still.value, "'undefined'", 'the refused entry changed nothing');
      // Refused before it ran: not even a change inside an existing object.
      const push = await s.send(`arr.push(2) // ${'p'.repeat(6000)}`);
      assert.equal(push.ok, false);
      assert.equal((await s.send('arr.length')).value, '1', 'the refused entry never ran');
      unlinkSync(filler);
      assert.equal((await s.send("let third = 'three'")).ok, true, 'with room again, entries work');
      assert.equal(await s.end(), 1, 'the refused entries make batch mode exit 1');
      const reopened = await inProcess(['first', 'typeof second', 'third', 'arr'], { image });
      assert.deepEqual(shown(reopened), ["'one'", "'undefined'", "'three'", '[ 1 ]']);
    } finally {
      await s?.end();
    }
  });
});

test('an immutable journal (EPERM) refuses entries clearly; the session stays usable', async (t) => {
  if (!isRoot) return t.skip('needs root for chattr +i');
  const dir = tempDir();
  const image = join(dir.path, 'img.json');
  const journal = `${image}.journal`;
  let s: Awaited<ReturnType<typeof session>> | undefined;
  try {
    s = await session(image);
    assert.equal((await s.send('const a = 1')).ok, true);
    const failed = tryRun('chattr', ['+i', journal]);
    if (failed) {
      await s.end();
      return t.skip(`chattr +i is not supported here: ${failed}`);
    }
    const refused = await s.send('const b = 2');
    assert.equal(refused.ok, false);
    assert.match(refused.error!.message, /operation not permitted \(EPERM\)/);
    assert.equal((await s.send('a + 1')).ok, false, 'still refused, clearly, no crash');
    tryRun('chattr', ['-i', journal]);
    assert.equal((await s.send('const c = 3')).ok, true);
    assert.equal(await s.end(), 1, 'the refused entries make batch mode exit 1');
    const reopened = await inProcess(['a', 'typeof b', 'c'], { image });
    assert.deepEqual(shown(reopened), ['1', "'undefined'", '3']);
  } finally {
    tryRun('chattr', ['-i', journal]);
    await s?.end().catch(() => {});
    rmSync(dir.path, { recursive: true, force: true });
  }
});
