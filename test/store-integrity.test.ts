// What the store trusts, and what it refuses: a journal of another image (by image id), an empty
// journal beside a saved image, a complete last line that does not parse, a record whose checksum
// does not match (a bit flip that keeps the JSON valid). Older files (no ids, no checksums) still
// open. Real files in temp dirs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import {
  composeImageText,
  ImageFileError,
  ImageStore,
  splitImageText,
} from '../src/session/store/image-file.ts';
import { parseJournal, readJournal } from '../src/session/store/journal-read.ts';
import { continuation } from '../src/session/store/journal-continue.ts';
import { scratchDirs } from './store-support.ts';

const dir = scratchDirs('store-integrity');

const entry = (n: number) => ({ type: 'entry', entry: n, source: `const v${n} = ${n}` });
const header = (file: string) => splitImageText(file, fs.readFileSync(file, 'utf8')).header;
const firstLine = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8').split('\n')[0]!);

/** Every file in the directory, by name, with its bytes. */
function snapshot(d: string): Record<string, Buffer> {
  return Object.fromEntries(
    fs.readdirSync(d).map((name) => [name, fs.readFileSync(join(d, name))] as const),
  );
}

/** Opening `file` must fail with an ImageFileError for `named` matching `problem`; no change. */
async function assertRefused(file: string, named: string, problem: RegExp): Promise<void> {
  const d = join(file, '..');
  const before = snapshot(d);
  await assert.rejects(ImageStore.open(file), (error: unknown) => {
    assert.ok(error instanceof ImageFileError, `not an ImageFileError: ${String(error)}`);
    assert.equal(error.file, named);
    assert.match(error.problem, problem);
    return true;
  });
  assert.deepEqual(snapshot(d), before, 'every file is as it was (no lock, no marker, no cut)');
}

/** A store at `file` holding `entries` in its journal, closed; `save` saves after the first. */
async function make(file: string, entries: number[], save = false): Promise<string> {
  const store = await ImageStore.open(file);
  for (const [i, n] of entries.entries()) {
    await store.append(entry(n));
    if (save && i === 0) await store.save(n, JSON.stringify({ upTo: n }));
  }
  await store.close();
  return store.imageId;
}

describe('image identity', () => {
  test("a never-saved image's journal copied beside a saved image is refused", async () => {
    const d = dir();
    const [a, b] = [join(d, 'a.json'), join(d, 'b.json')];
    const aId = await make(a, [1], true);
    assert.equal(header(a).previous, null, "A's first snapshot followed no snapshot");
    const bId = await make(b, [1, 2]);
    assert.equal(fs.existsSync(b), false, 'B was never saved');
    assert.deepEqual(firstLine(`${b}.journal`).follows, null);
    fs.copyFileSync(`${b}.journal`, `${a}.journal`);
    await assertRefused(
      a,
      `${a}.journal`,
      new RegExp(
        `^belongs to another image \\(image ${bId}; this one is image ${aId}\\): its 2 records were accepted there .*move the journal away$`,
      ),
    );
  });

  test('the id is kept from save to save, in the header and the marker, across sessions', async () => {
    const file = join(dir(), 'x.json');
    const id = await make(file, [1, 2]);
    assert.equal(firstLine(`${file}.journal`).imageId, id, 'a new journal names its image');
    const store = await ImageStore.open(file);
    assert.equal(store.imageId, id, 'a never-saved image keeps the id its journal names');
    await store.save(2, '{"upTo":2}');
    await store.append(entry(3));
    await store.save(3, '{"upTo":3}');
    await store.close();
    assert.equal(header(file).imageId, id);
    assert.equal(firstLine(`${file}.journal`).imageId, id);
    const reopened = await ImageStore.open(file);
    assert.equal(reopened.imageId, id);
    await reopened.close();
  });

  test('save as makes a copy with a new id and consistent records; its journal is refused beside the original', async () => {
    const d = dir();
    const [a, b] = [join(d, 'a.json'), join(d, 'b.json')];
    const store = await ImageStore.open(a);
    const aId = store.imageId;
    await store.append(entry(1));
    await store.save(1, '{"upTo":1}');
    await store.append(entry(2));
    await store.append(entry(3));
    await store.save(2, '{"upTo":2}', b);
    const bId = store.imageId;
    assert.notEqual(bId, aId);
    assert.deepEqual([header(b).imageId, header(b).previous], [bId, null]);
    assert.equal(firstLine(`${b}.journal`).imageId, bId);
    assert.equal(firstLine(`${b}.journal`).follows, header(b).id);
    await store.append(entry(4));
    await store.close();
    const copy = await ImageStore.open(b);
    assert.deepEqual([copy.payload, copy.journal], ['{"upTo":2}', [entry(3), entry(4)]]);
    await copy.close();
    const original = await ImageStore.open(a);
    assert.deepEqual([original.imageId, original.journal], [aId, [entry(2), entry(3)]]);
    await original.close();
    fs.copyFileSync(`${b}.journal`, `${a}.journal`);
    await assertRefused(a, `${a}.journal`, /^belongs to another image \(image /);
  });

  test('headers and markers written before ids still open, and take the id on the next save', async () => {
    const d = dir();
    const file = join(d, 'x.json');
    const text = composeImageText({ savedAt: 'then', entry: 1, id: 'aaaaaaaaaaaaaaaa' }, '{}');
    fs.writeFileSync(file, text.replace(/"imageId":"[0-9a-f]+",/, ''));
    const old = (record: object) => JSON.stringify(record) + '\n';
    const marker = old({ journal: 'vivarium', follows: 'aaaaaaaaaaaaaaaa' });
    fs.writeFileSync(`${file}.journal`, marker + old(entry(2)) + old(entry(3)));
    const store = await ImageStore.open(file);
    assert.equal(store.header?.imageId, undefined);
    assert.deepEqual(store.journal, [entry(2), entry(3)]);
    await store.append(entry(4));
    await store.save(3, '{"upTo":3}');
    await store.close();
    assert.equal(header(file).imageId, store.imageId);
    const reopened = await ImageStore.open(file);
    assert.deepEqual([reopened.imageId, reopened.journal], [store.imageId, [entry(4)]]);
    await reopened.close();
  });

  test('a journal with an id beside a snapshot without one must continue that very snapshot', async () => {
    const d = dir();
    const file = join(d, 'x.json');
    const text = composeImageText({ savedAt: 'then', entry: 1, id: 'aaaaaaaaaaaaaaaa' }, '{}');
    fs.writeFileSync(file, text.replace(/"imageId":"[0-9a-f]+",/, ''));
    // A journal this Vivarium started for that snapshot (it never saved since): accepted.
    const store = await ImageStore.open(file);
    await store.append(entry(2));
    await store.close();
    const reopened = await ImageStore.open(file);
    assert.deepEqual([reopened.imageId, reopened.journal], [store.imageId, [entry(2)]]);
    await reopened.close();
    // A never-saved image's journal (it follows no snapshot), and this snapshot's `previous` is
    // null too: without ids that looked like a crash during the first save.
    fs.rmSync(`${file}.journal`);
    await make(join(d, 'other.json'), [7]);
    fs.copyFileSync(join(d, 'other.json.journal'), `${file}.journal`);
    await assertRefused(
      file,
      `${file}.journal`,
      /^belongs to another image, or another version of this one \(it is image [0-9a-f]+'s and continues no snapshot; this image is snapshot aaaaaaaaaaaaaaaa, saved before images had ids\)/,
    );
  });
});

describe('an empty journal', () => {
  test('beside a saved (version 2) image it is damage, named, and nothing changes', async () => {
    const file = join(dir(), 'x.json');
    await make(file, [1, 2], true);
    fs.writeFileSync(`${file}.journal`, '');
    await assertRefused(
      file,
      `${file}.journal`,
      /^is empty \(0 bytes\), but Vivarium never writes an empty journal .*remove the empty journal$/,
    );
  });

  test('beside a version 1 image, or no image, it opens (and is removed, so no save can leave it beside a version 2 one)', async () => {
    const d = dir();
    const shipped = join(d, 'life.json');
    fs.copyFileSync(fileURLToPath(new URL('../images/life.json', import.meta.url)), shipped);
    for (const file of [shipped, join(d, 'new.json')]) {
      fs.writeFileSync(`${file}.journal`, '');
      const store = await ImageStore.open(file);
      assert.deepEqual([store.journal, store.notices], [[], []]);
      assert.equal(fs.existsSync(`${file}.journal`), false);
      await store.save(20, '{"saved":true}');
      await store.close();
      const reopened = await ImageStore.open(file);
      assert.deepEqual([reopened.payload, reopened.journal], ['{"saved":true}', []]);
      await reopened.close();
    }
  });

  test('a journal that was only a torn marker is set aside and removed, not left empty', async () => {
    const file = join(dir(), 'x.json');
    fs.writeFileSync(`${file}.journal`, '{"journal":"vivarium","fol');
    const store = await ImageStore.open(file);
    assert.equal(store.notices.length, 1);
    assert.equal(fs.existsSync(`${file}.journal`), false);
    await store.save(0, '{}');
    await store.close();
    await (await ImageStore.open(file)).close();
  });
});

describe('the last line', () => {
  test('complete (newline-terminated) but not JSON: damage naming file, line and byte', async () => {
    const file = join(dir(), 'x.json');
    await make(file, [1, 2]);
    const good = fs.readFileSync(`${file}.journal`);
    fs.appendFileSync(`${file}.journal`, '{"type":"entry","entry":3,"sou\n');
    await assertRefused(
      file,
      `${file}.journal`,
      new RegExp(
        `^line 4 \\(at byte ${good.length}\\) is not JSON .*; it is the last line, but complete \\(it ends with a newline\\), so not an append cut short by a crash`,
      ),
    );
  });
});

describe('record checksums', () => {
  test('every line the store writes ends with the CRC-32 of its canonical text', async () => {
    const file = join(dir(), 'x.json');
    await make(file, [1, 2], true);
    const store = await ImageStore.open(file);
    await store.append({});
    await store.append({ ...entry(3), text: 'héllo ✓ 😀\n"q"' });
    await store.close();
    const lines = fs.readFileSync(`${file}.journal`, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 4, 'marker, entry 2, {}, entry 3');
    for (const line of lines) {
      const match = /^(\{.*?),?"crc":"([0-9a-f]{8})"\}$/.exec(line);
      assert.ok(match, `no checksum: ${line}`);
      const { crc, ...record } = JSON.parse(line) as { crc: string };
      assert.equal(match[1] + '}', JSON.stringify(record), 'the canonical text is the JSON');
      assert.equal(crc, crc32(JSON.stringify(record)).toString(16).padStart(8, '0'));
    }
    assert.deepEqual((await readJournal(`${file}.journal`)).records.at(-1), {
      ...entry(3),
      text: 'héllo ✓ 😀\n"q"',
    });
  });

  test('a bit flip that keeps the JSON valid is damage naming file, line and byte', async () => {
    const file = join(dir(), 'x.json');
    await make(file, [1, 2, 3]);
    const bytes = fs.readFileSync(`${file}.journal`);
    const lineStart = bytes.indexOf('{"type":"entry","entry":2');
    const at = bytes.indexOf('const v2 = 2', lineStart) + 'const v2 = '.length;
    bytes[at] ^= 0x01; // '2' → '3': `const v2 = 3`, valid JSON, a valid record
    fs.writeFileSync(`${file}.journal`, bytes);
    await assertRefused(
      file,
      `${file}.journal`,
      new RegExp(
        `^line 3 \\(at byte ${lineStart}\\) does not match its checksum \\(the line says [0-9a-f]{8}, its bytes give [0-9a-f]{8}\\): it was changed after it was written$`,
      ),
    );
  });

  test('any single bit flip in a record line is refused, or leaves its record as written', async () => {
    const file = join(dir(), 'x.json');
    const id = await make(file, [1, 2, 3]);
    const good = fs.readFileSync(`${file}.journal`);
    const from = good.indexOf('{"type":"entry","entry":2');
    const to = good.indexOf('\n', from) + 1;
    const expected = [entry(1), entry(2), entry(3)];
    let refused = 0;
    for (let at = from; at < to; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const bytes = Buffer.from(good);
        bytes[at] ^= 1 << bit;
        let records: object[];
        try {
          const contents = parseJournal('j', bytes);
          const lines = continuation(contents, null);
          if (typeof lines === 'string' || contents.marker?.imageId !== id) throw new Error(id);
          records = lines.map((line) => line.record);
        } catch {
          refused++;
          continue;
        }
        // Only a flip in the name of the checksum field itself gets through: the record is intact.
        assert.equal(records.length, 3, `flip at ${at}:${bit}`);
        for (const [i, record] of records.entries()) {
          const fields = Object.entries(record);
          const extra = fields.filter(([key]) => !(key in expected[i]!)).map(([key]) => key);
          assert.ok(extra.length === 0 || (i === 1 && extra.length === 1), `flip at ${at}:${bit}`);
          assert.match(extra[0] ?? 'crx', /^[\s\S]{3}$/, 'the flip renamed "crc"');
          const kept = fields.filter(([key]) => key in expected[i]!);
          assert.deepEqual(Object.fromEntries(kept), expected[i], `flip at ${at}:${bit}`);
        }
      }
    }
    assert.ok(refused >= (to - from) * 8 - 3 * 8, `${refused} of ${(to - from) * 8} refused`);
  });

  test('records without a checksum (older journals) are still read, also after new ones', async () => {
    const file = join(dir(), 'x.json');
    await make(file, [1]);
    fs.appendFileSync(`${file}.journal`, JSON.stringify(entry(2)) + '\n');
    const store = await ImageStore.open(file);
    assert.deepEqual(store.journal, [entry(1), entry(2)]);
    await store.close();
  });

  test('a record with a "crc" field of its own is a caller bug (TypeError)', async () => {
    const store = await ImageStore.open(join(dir(), 'x.json'));
    await assert.rejects(store.append({ crc: 1 }), TypeError);
    await store.close();
  });
});
