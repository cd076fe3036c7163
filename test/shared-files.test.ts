// Safety of shared files (issue 12): --read-only writes nothing, :quit! leaves without the final
// save, and the shipped example images open as copies in the user's data directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cliEnv, tempDir } from './helpers.ts';
import { session, shown } from './support/session.ts';
import { chooseImage, dataDirectory, SHIPPED_IMAGES } from '../src/session/image-path.ts';

/** The real CLI with XDG_DATA_HOME in a temporary directory. */
function viv(args: string[], input: string, data: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    input,
    encoding: 'utf8',
    env: cliEnv({ ...process.env, XDG_DATA_HOME: data }),
    timeout: 60_000,
  });
  const lines = r.stdout.trim()
    ? r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
  return { status: r.status, stderr: r.stderr, lines };
}

const hash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('--read-only runs entries in memory and writes nothing: no journal, no lock, no save', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'shared.json');
    // Made and read back in process (the same engine and store); the flag is the CLI's.
    const first = await session(['const kept = 41'], { image });
    assert.equal(first.status, 0, first.stderr);
    const before = hash(image);
    const files = readdirSync(dir.path).sort();
    const r = viv(
      ['--batch', '--json', '--read-only', '--image', image],
      'kept + 1\nconst lost = 1\n:save\n',
      dir.path,
    );
    assert.deepEqual(
      r.lines.map((l) => (l.ok ? l.value : l.error.message)),
      ['42', 'undefined', 'the image is open read-only (--read-only): nothing is written'],
    );
    assert.equal(hash(image), before);
    assert.deepEqual(readdirSync(dir.path).sort(), files);
    const again = await session(['typeof lost'], { image });
    assert.deepEqual(shown(again), ["'undefined'"]);
  } finally {
    dir.remove();
  }
});

test(':quit! leaves without the final snapshot; what was accepted is replayed from the journal', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'q.json');
    // Made and read back in process (the same engine and store); :quit! runs in the CLI.
    assert.equal((await session(['const a = 1'], { image })).status, 0);
    const before = hash(image);
    const r = viv(['--batch', '--json', '--image', image], 'const b = 2\n:quit!\n3\n', dir.path);
    assert.equal(r.lines.length, 2);
    assert.match(
      r.lines[1].value,
      /^bye; no snapshot written\. The 1 operation since the last save is in the journal already and is replayed when/,
    );
    assert.equal(hash(image), before, 'no snapshot was written');
    const again = await session(['a + b'], { image });
    assert.deepEqual(shown(again), ['3']);
  } finally {
    dir.remove();
  }
});

test('a shipped image opened by name or path is a copy in the data directory, unless --in-place', () => {
  const dir = tempDir();
  try {
    const shipped = join(SHIPPED_IMAGES, 'ledger.json');
    const before = hash(shipped);
    const copy = join(dir.path, 'vivarium', 'ledger.json');
    const r = viv(['ledger', '--batch', '--json'], 'const mine = 1\n', dir.path);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /opening a copy of the shipped image ledger\.json: .*vivarium\/ledger\.json/,
    );
    assert.equal(hash(shipped), before);
    assert.ok(existsSync(copy));
    assert.ok(!existsSync(shipped + '.journal'));
    const byPath = viv([shipped, '--batch', '--json'], 'mine\n', dir.path);
    assert.match(byPath.stderr, /opening your copy of the shipped image ledger\.json/);
    assert.equal(byPath.lines[0].value, '1');
    assert.equal(hash(shipped), before);
  } finally {
    dir.remove();
  }
});

test('chooseImage(given, options): the default image and copies live in the XDG data directory', () => {
  const env = { XDG_DATA_HOME: '/data', HOME: '/home/u' };
  assert.equal(dataDirectory(env), '/data/vivarium');
  assert.equal(dataDirectory({ HOME: '/home/u' }), '/home/u/.local/share/vivarium');
  assert.deepEqual(chooseImage(undefined, { batch: false, env }), {
    path: '/data/vivarium/default.json',
  });
  assert.deepEqual(chooseImage(undefined, { batch: true, env }), { path: undefined });
  assert.deepEqual(chooseImage('/tmp/mine.json', { batch: false, env }), {
    path: '/tmp/mine.json',
  });
  const life = chooseImage('life', { batch: false, env });
  assert.equal(life.path, '/data/vivarium/life.json');
  assert.equal(life.copyFrom, join(SHIPPED_IMAGES, 'life.json'));
  assert.deepEqual(chooseImage('life', { batch: false, inPlace: true, env }), {
    path: join(SHIPPED_IMAGES, 'life.json'),
  });
});
