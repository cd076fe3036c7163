// Damage is reported, never repaired silently: a torn last journal line (the only damage a crash
// can cause) is set aside in a file beside the image and reported; any other damage to the
// journal or the image is an ImageFileError naming the file, the place and the damage, and leaves
// every file as it was.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  composeImageText,
  ImageFileError,
  ImageStore,
  splitImageText,
} from '../src/session/store/image-file.ts';
import { scratchDirs, seeded, testSeed } from './store-support.ts';

const dir = scratchDirs('store-damage');

const entry = (n: number) => ({ type: 'entry', entry: n, source: `const v${n} = ${n}` });
const line = (record: object) => JSON.stringify(record) + '\n';
const marker = (follows: string | null) => line({ journal: 'vivarium', follows });

/** Every file in the directory, by name, with its bytes. */
function snapshot(d: string): Record<string, Buffer> {
  return Object.fromEntries(
    fs.readdirSync(d).map((name) => [name, fs.readFileSync(join(d, name))] as const),
  );
}

/** Opening must fail with an ImageFileError for `file` matching `problem`; nothing changes. */
async function assertRefused(
  d: string,
  file: string,
  problem: RegExp,
  options: Parameters<typeof ImageStore.open>[1] = {},
): Promise<void> {
  const before = snapshot(d);
  await assert.rejects(ImageStore.open(join(d, 'x.json'), options), (error: unknown) => {
    assert.ok(error instanceof ImageFileError, `not an ImageFileError: ${String(error)}`);
    assert.equal(error.file, file);
    assert.match(error.problem, problem);
    assert.doesNotMatch(error.message, /\n\s+at /);
    return true;
  });
  assert.deepEqual(snapshot(d), before, 'every file is as it was (no lock, no marker, no cut)');
}

/** A directory holding a new image's journal (follows no snapshot) with `content`. */
function journalOf(content: string | Buffer): { d: string; file: string; journal: string } {
  const d = dir();
  const file = join(d, 'x.json');
  fs.writeFileSync(`${file}.journal`, content);
  return { d, file, journal: `${file}.journal` };
}

describe('journal damage', () => {
  test('a journal full of NUL bytes is an error, not "one torn line"', async () => {
    const { d, journal } = journalOf(Buffer.alloc(4096));
    await assertRefused(
      d,
      journal,
      /^line 1 \(at byte 0\) is not the journal's first line .*it is 4096 NUL bytes/,
    );
  });

  test('a journal of random garbage is an error', async (t) => {
    const seed = testSeed();
    t.diagnostic(`seed ${seed} (set VIV_SEED to repeat)`);
    const random = seeded(seed);
    for (let i = 0; i < 20; i++) {
      const bytes = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 2000) }, () => Math.floor(random() * 256)),
      );
      if (bytes[0] === 0x7b) bytes[0] = 0x78; // never a '{' by chance
      const { d, journal } = journalOf(bytes);
      await assertRefused(
        d,
        journal,
        /^line 1 \(at byte 0\) is (not the journal's first line|not a JSON object)/,
      );
    }
  });

  test('a bad line followed by good lines names the line and its byte', async () => {
    const head = marker(null) + line(entry(1));
    const { d, journal } = journalOf(head + '{"type":"entry","ent\n' + line(entry(3)));
    await assertRefused(
      d,
      journal,
      new RegExp(`^line 3 \\(at byte ${head.length}\\) is not JSON .*; lines follow it$`),
    );
  });

  test('a record that is not a JSON object is damage, even on the last line', async () => {
    for (const bad of ['42', '[1,2]', 'null', '"text"']) {
      const head = marker(null) + line(entry(1));
      const { d, journal } = journalOf(head + bad + '\n');
      await assertRefused(
        d,
        journal,
        new RegExp(`^line 3 \\(at byte ${head.length}\\) is not a JSON object`),
      );
    }
  });

  test("the caller's validator: a record it rejects is damage naming file and line", async () => {
    const validate = (record: object) =>
      'source' in record ? undefined : 'an entry record without "source"';
    const head = marker(null) + line(entry(1));
    for (const tail of ['', line(entry(3))]) {
      const { d, journal } = journalOf(head + line({ type: 'entry', entry: 2 }) + tail);
      await assertRefused(
        d,
        journal,
        /^line 3 \(at byte \d+\) is not a valid record: an entry record without "source"/,
        { validate },
      );
    }
  });

  test('a marker anywhere but the first line is damage', async () => {
    const { d, journal } = journalOf(marker(null) + line(entry(1)) + marker(null));
    await assertRefused(
      d,
      journal,
      /^line 3 .* is a journal marker, which only the first line may be/,
    );
  });

  test('a journal that belongs to another snapshot is refused, not ignored', async () => {
    const { d, file, journal } = journalOf(marker('0123456789abcdef') + line(entry(5)));
    await assertRefused(
      d,
      journal,
      /^continues snapshot 0123456789abcdef, but the image is missing: .*move the journal away$/,
    );
    fs.writeFileSync(
      file,
      composeImageText(
        { savedAt: 'now', entry: 1, id: 'aaaaaaaaaaaaaaaa', previous: 'bbbbbbbbbbbbbbbb' },
        '{}',
      ),
    );
    await assertRefused(
      d,
      journal,
      /^continues snapshot 0123456789abcdef, but the image is snapshot aaaaaaaaaaaaaaaa: .*its 1 record would be applied to the wrong state/,
    );
  });

  test('a legacy journal (no marker) opens when every line is a valid record', async () => {
    const { file } = journalOf(line(entry(1)) + line(entry(2)));
    const store = await ImageStore.open(file);
    assert.deepEqual([store.journal, store.notices], [[entry(1), entry(2)], []]);
    await store.append(entry(3));
    await store.close();
    const reopened = await ImageStore.open(file);
    assert.deepEqual(reopened.journal, [entry(1), entry(2), entry(3)]);
    await reopened.close();
  });
});

describe('a torn last line', () => {
  for (const [what, tail] of [
    ['cut by 10 bytes', line(entry(3)).slice(0, -10)],
    ['NUL bytes (delayed allocation after a power loss)', '\0'.repeat(37)],
    [
      'a complete last line holding NUL bytes (delayed allocation)',
      '{"type":"entry","entry":3,"sou\0\0\0\0\n',
    ],
  ] as const) {
    test(`${what}: set aside beside the image, cut, and reported`, async () => {
      const good = marker(null) + line(entry(1)) + line(entry(2));
      const { d, file, journal } = journalOf(good + tail);
      const store = await ImageStore.open(file);
      const bytes = Buffer.byteLength(tail);
      assert.deepEqual(store.journal, [entry(1), entry(2)]);
      assert.equal(store.notices.length, 1);
      const notice = store.notices[0]!;
      const aside = /Set aside in (.*)$/.exec(notice)?.[1];
      assert.equal(
        notice,
        `${journal}: its last line (${bytes} bytes) is incomplete: a write cut short by a crash (whose result was never shown) or damage to the file; it was left out. Set aside in ${aside}`,
      );
      assert.match(aside!, /^.*\/x\.json\.journal\.torn-\d{8}-\d{6}$/);
      assert.equal(fs.readFileSync(aside!, 'utf8'), tail, 'the torn bytes are kept');
      assert.equal(
        fs.readFileSync(journal, 'utf8'),
        good,
        'the journal is cut back to its last good line',
      );
      await store.append(entry(3));
      await store.close();
      const reopened = await ImageStore.open(file);
      assert.deepEqual([reopened.journal, reopened.notices], [[entry(1), entry(2), entry(3)], []]);
      await reopened.close();
      assert.ok(fs.existsSync(aside!), 'never deleted');
      assert.deepEqual(
        fs.readdirSync(d).sort(),
        ['x.json.journal', aside!.split('/').at(-1)!].sort(),
      );
    });
  }

  test('two torn tails, even in the same second, are set aside in two files', async () => {
    const { d, file, journal } = journalOf(marker(null) + '{"torn":1');
    for (const tail of ['{"torn":1', '{"torn":2']) {
      fs.writeFileSync(journal, marker(null) + tail);
      const store = await ImageStore.open(file);
      assert.equal(store.notices.length, 1);
      await store.close();
    }
    const aside = fs
      .readdirSync(d)
      .filter((name) => name.includes('.torn-'))
      .map((name) => fs.readFileSync(join(d, name), 'utf8'));
    assert.equal(aside.length, 2);
    assert.deepEqual(aside.sort(), ['{"torn":1', '{"torn":2']);
  });
});

describe('image checksum and versions', () => {
  const payload = JSON.stringify({
    values: { greeting: 'héllo', list: [1, 2, 3] },
    fill: 'abc'.repeat(1000),
  });

  test('a payload of the same length with flipped bytes does not match its checksum', async () => {
    const d = dir();
    const file = join(d, 'x.json');
    const text = composeImageText({ savedAt: 'now', entry: 3 }, payload);
    const at = text.indexOf('abcabc') + 1;
    fs.writeFileSync(file, text.slice(0, at) + 'X' + text.slice(at + 1));
    await assertRefused(
      d,
      file,
      /^is damaged \(its snapshot does not match the checksum in its header\)$/,
    );
    assert.throws(
      () => splitImageText('x.json', text.replace('héllo', 'hello')),
      /x\.json: is damaged/,
    );
  });

  test('new images are version 2 with a sha256; version 1 files still open', async () => {
    const text = composeImageText({ savedAt: 'now', entry: 3 }, payload);
    assert.match(
      text,
      /^\{"format":"vivarium-image","version":2,"imageId":"[0-9a-f]{16}","id":"[0-9a-f]{16}","previous":null,.*"sha256":"[0-9a-f]{64}","image":/,
    );
    for (const name of ['ledger', 'life', 'music']) {
      const d = dir();
      const file = join(d, `${name}.json`);
      fs.copyFileSync(fileURLToPath(new URL(`../images/${name}.json`, import.meta.url)), file);
      const store = await ImageStore.open(file);
      assert.equal(store.header?.version, 1);
      assert.equal(store.header?.sha256, undefined);
      await store.close();
    }
    const v1 = `{"format":"vivarium-image","version":1,"id":"1111111111111111","savedAt":"then","entry":2,"length":${payload.length},"image":${payload}}`;
    assert.equal(splitImageText('v1.json', v1).payload, payload);
  });

  test('a version 1 image whose journal follows another snapshot keeps the records after its entry', async () => {
    const d = dir();
    const file = join(d, 'x.json');
    fs.writeFileSync(
      file,
      `{"format":"vivarium-image","version":1,"id":"1111111111111111","savedAt":"then","entry":2,"length":2,"image":{}}`,
    );
    fs.writeFileSync(
      `${file}.journal`,
      marker('0000000000000000') + line(entry(1)) + line(entry(2)) + line(entry(3)),
    );
    const store = await ImageStore.open(file);
    assert.deepEqual(store.journal, [entry(3)]);
    await store.close();
  });
});
