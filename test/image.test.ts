// Images on disk: everything survives save and reopening in a new isolate (in process, through the
// real store, as batch mode opens and saves them). What the command line answers (exit status 2,
// a second process refused, --autosave) and running out of memory go through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batch, run, tempDir } from './helpers.ts';
import { session, shown as values } from './support/session.ts';

const SETUP = `class Point {
  #secret: number
  constructor(public x: number, public y: number) { this.#secret = x * 100 }
  get secret() { return this.#secret }
  sum() { return this.x + this.y }
}
class Point3 extends Point { constructor(x: number, y: number, public z: number) { super(x, y) } }
function double(n: number) { return n * 2 }
const shared = { label: 'shared' }
const arr: any[] = [1, , 3]; arr.extra = 'prop'; arr[10] = 'far'
const world = {
  self: null as any, a: shared, b: shared,
  map: new Map<any, any>([['k', 1], [shared, 'object key']]),
  set: new Set([1, 'two', shared]),
  date: new Date(Date.UTC(2026, 10, 25, 12, 30)),
  bad: new Date(NaN),
  re: /ab+c/gi,
  bytes: new Uint8Array([1, 2, 255]),
  floats: new Float64Array([1.5, -0, NaN]),
  big: 12345678901234567890n,
  negz: -0, nan: NaN, inf: Infinity, ninf: -Infinity, undef: undefined,
  sym: Symbol.for('app.key'),
  bare: Object.assign(Object.create(null), { q: 1 }),
  fn: double,
  cls: Point,
  point: new Point(1, 2),
  p3: new Point3(3, 4, 5),
  arr,
  text: 'ünï\\u{1F600}',
}
world.self = world
const buffer = new ArrayBuffer(8); const view1 = new Uint8Array(buffer, 0, 4); const view2 = new Uint8Array(buffer, 2, 4); view1[3] = 7
Point.prototype.sum.call(world.point)`;

const PROBE = `JSON.stringify({
  cycle: world.self === world,
  shared: world.a === world.b && world.map.get(world.a) === 'object key' && world.set.has(world.a),
  mapKey: world.map.get('k'),
  set: [...world.set].length,
  date: world.date.toISOString(), bad: Number.isNaN(world.bad.getTime()),
  re: [world.re.source, world.re.flags],
  bytes: [...world.bytes], floats: [world.floats[0], Object.is(world.floats[1], -0), Number.isNaN(world.floats[2])],
  big: world.big === 12345678901234567890n,
  negz: Object.is(world.negz, -0), nan: Number.isNaN(world.nan), inf: world.inf === Infinity && world.ninf === -Infinity,
  undef: 'undef' in world && world.undef === undefined,
  sym: world.sym === Symbol.for('app.key'),
  bare: Object.getPrototypeOf(world.bare) === null && world.bare.q === 1,
  fn: world.fn === double && world.fn(21),
  cls: world.cls === Point,
  point: [world.point instanceof Point, world.point.sum(), world.point.secret],
  p3: [world.p3 instanceof Point3, world.p3 instanceof Point, world.p3.z, world.p3.secret],
  sparse: [world.arr.length, 1 in world.arr, world.arr.extra, world.arr[10]],
  text: world.text === 'ünï\\u{1F600}',
  views: view1.buffer === view2.buffer && view2[1] === 7,
})`;

test('every value kind survives :save and reopening in a new isolate, identity and cycles included', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'kinds.json');
    const first = await session([SETUP, PROBE, ':save'], { image });
    assert.equal(first.status, 0, JSON.stringify(first.results.filter((r) => !r.ok)));
    const second = await session([PROBE, ':defs', 'new Point(5, 5).secret'], { image });
    assert.equal(second.status, 0, JSON.stringify(second.results.filter((r) => !r.ok)));
    assert.equal(second.results[0]!.value, first.results[1]!.value);
    const probe = JSON.parse(eval(second.results[0]!.value!));
    assert.deepEqual(probe, {
      cycle: true,
      shared: true,
      mapKey: 1,
      set: 3,
      date: '2026-11-25T12:30:00.000Z',
      bad: true,
      re: ['ab+c', 'gi'],
      bytes: [1, 2, 255],
      floats: [1.5, true, true],
      big: true,
      negz: true,
      nan: true,
      inf: true,
      undef: true,
      sym: true,
      bare: true,
      fn: 42,
      cls: true,
      point: [true, 3, 100],
      p3: [true, true, 5, 300],
      sparse: [11, false, 'prop', 'far'],
      text: true,
      views: true,
    });
    assert.equal(values(second)[2], '500');
  } finally {
    dir.remove();
  }
});

test('definitions keep their whole history across reopening, and roll back after it', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'history.json');
    await session(
      [
        'class Temp { constructor(public c: number) {} }',
        'const t = new Temp(20)',
        'class Temp { f!: number; constructor(public c: number) {} static upgrade(t: Temp) { t.f = t.c * 2 } static downgrade(t: any) { delete t.f } }',
        'function v() { return 1 }',
        'function v() { return 2 }',
      ],
      { image },
    );
    const second = await session(
      [':history Temp', 't', ':rollback Temp 1', 't', 'v()', ':rollback v', 'v()'],
      { image },
    );
    const shown = values(second);
    assert.match(shown[0]!, /Temp: class, 2 version\(s\), current v2/);
    assert.equal(shown[1], 'Temp { c: 20, f: 40 }');
    assert.equal(shown[3], 'Temp { c: 20 }');
    assert.deepEqual(shown.slice(4), ['2', 'v is now at v1', '1']);
  } finally {
    dir.remove();
  }
});

test('a value that cannot be saved makes :save fail with its path and how to mark it transient', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'closure.json');
    const r = await session(
      [
        'const world = { agents: [1, 2, 3, { onTick: (() => { let n = 0; return () => n++ })() }] }',
        ':save',
      ],
      { image },
    );
    const error = r.results[1]!.error!;
    assert.equal(error.name, 'SnapshotError');
    assert.match(error.message, /world\.agents\[3\]\.onTick/);
    assert.match(error.message, /transient/);
    assert.equal(existsSync(image), false);
  } finally {
    dir.remove();
  }
});

test('transient values are skipped by the snapshot and rebuilt on open by their hooks', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'transient.json');
    await session(
      [
        'let opened = 0',
        'const cache = transient(() => { opened++; return new Map([["rebuilt", opened]]) })',
        'class Conn { static transient = ["socket"]; socket: any = { handle: () => 1 }; constructor(public host: string) {} static revive(c: Conn) { c.socket = "reconnected " + c.host } }',
        'const conns = [new Conn("a"), new Conn("b")]',
        ':save',
      ],
      { image },
    );
    const r = await session(['[cache.get("rebuilt"), conns.map(c => c.socket)]'], { image });
    assert.deepEqual(values(r), ["[ 2, [ 'reconnected a', 'reconnected b' ] ]"]);
  } finally {
    dir.remove();
  }
});

test('the image is saved at the end of input and the journal emptied', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'auto.json');
    const r = await session(['const kept = 41 + 1'], { image });
    assert.equal(r.status, 0);
    assert.ok(existsSync(image));
    assert.match(
      readFileSync(image, 'utf8').slice(0, 60),
      /^\{"format":"vivarium-image","version":2/,
    );
    // Only the journal's header line (which snapshot it follows) is left: no records.
    const journal = readFileSync(image + '.journal', 'utf8')
      .trim()
      .split('\n');
    assert.equal(journal.length, 1);
    assert.match(journal[0]!, /^\{"journal":"vivarium","follows":/);
    assert.deepEqual(values(await session(['kept'], { image })), ['42']);
  } finally {
    dir.remove();
  }
});

test('a second process opening the same image is refused', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'locked.json');
    // The first process is this one (its store takes the lock as viv's does); the second is viv.
    const { openSession } = await import('../src/session/open-session.ts');
    const { openStore } = await import('../src/session/store/store.ts');
    const { InProcessGuest } = await import('../src/session/guest/in-process.ts');
    const holder = await openSession({
      store: await openStore(image),
      guest: InProcessGuest.start,
    });
    try {
      assert.equal((await holder.submit('1')).value, '1');
      const second = await run(['--batch', '--json', '--image', image], '2\n');
      assert.equal(second.status, 2);
      assert.match(second.stderr, /is open in another Vivarium process \(pid \d+\)/);
    } finally {
      await holder.saveOnQuit();
      await holder.close();
    }
  } finally {
    dir.remove();
  }
});

test('bad image files get a clear error, exit status 2, and are left untouched', async () => {
  const dir = tempDir();
  try {
    const good = join(dir.path, 'good.json');
    await session(['const a = { n: 1, list: [1, 2, 3] }'], { image: good });
    const text = readFileSync(good, 'utf8');
    const cases: [string, string, RegExp][] = [
      ['truncated.json', text.slice(0, Math.floor(text.length * 0.7)), /truncated/],
      ['garbage.json', '\u0000\u00ff garbage', /not a Vivarium image/],
      ['shape.json', '{"a":1}', /not a Vivarium image/],
      ['newer.json', text.replace('"version":2', '"version":9'), /newer Vivarium/],
    ];
    // The first through the real CLI (what it says, and that it exits 2 having written nothing);
    // the others through the same open in process (session(): the store and engine batch mode
    // opens), whose error is what the CLI says, as the first shows, and exits 2 with.
    for (const [i, [name, content, message]] of cases.entries()) {
      const path = join(dir.path, name);
      writeFileSync(path, content);
      if (i === 0) {
        const r = await run(['--batch', '--json', '--image', path], '1\n');
        assert.equal(r.status, 2, name);
        assert.match(r.stderr, message, name);
        assert.ok(r.stderr.includes(path), name);
        assert.equal(r.stdout, '', name);
      } else {
        const refused = await session(['1'], { image: path }).then(
          () => assert.fail(`${name} was opened`),
          (error: Error) => error.message,
        );
        assert.match(refused, message, name);
        assert.ok(refused.includes(path), name);
      }
      assert.equal(readFileSync(path, 'utf8'), content, name);
    }
  } finally {
    dir.remove();
  }
});

test('an isolate that runs out of memory is rebuilt from the last snapshot plus the journal', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'oom.json');
    const r = await batch(
      [
        'const saved = { list: [1, 2, 3] }',
        ':save',
        'const journaled = saved.list.length + 1',
        'saved.list.push(99)',
        'const hog: number[][] = []; while (true) hog.push(new Array(1e6).fill(1))',
        '[saved.list, journaled]',
      ],
      ['--image', image, '--memory', '64'],
    );
    const died = r.results[4]!;
    assert.equal(died.error?.name, 'GuestDied');
    assert.match(died.error!.message, /rebuilt from the last snapshot and 2 journaled entries/);
    assert.match(died.error!.message, /Entry \d+ was dropped \(const hog/);
    assert.equal(values(r)[5], '[ [ 1, 2, 3, 99 ], 4 ]');
  } finally {
    dir.remove();
  }
});

test('--autosave S saves while the session is still running', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'timer.json');
    const { spawn } = await import('node:child_process');
    const { CLI, cliEnv } = await import('./helpers.ts');
    const child = spawn(
      process.execPath,
      [CLI, '--batch', '--json', '--autosave', '1', '--image', image],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: cliEnv(),
      },
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdin.write('const autosaved = "yes"\n');
    while (!out.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    const deadline = Date.now() + 20_000;
    while (!existsSync(image) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const saved = existsSync(image) && readFileSync(image, 'utf8').includes('autosaved');
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    assert.ok(saved, 'the image file was written by the autosave timer');
  } finally {
    dir.remove();
  }
});

test('the REPL history is kept with the image across sessions', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'history.json');
    const { openSession } = await import('../src/session/open-session.ts');
    const { openStore } = await import('../src/session/store/store.ts');
    const { InProcessGuest } = await import('../src/session/guest/in-process.ts');
    await session(['const a = 1', 'a + 41', ':defs'], { image });
    const engine = await openSession({
      store: await openStore(image),
      guest: InProcessGuest.start,
    });
    try {
      assert.deepEqual(engine.history.slice(-3), ['const a = 1', 'a + 41', ':defs']);
    } finally {
      await engine.close();
    }
  } finally {
    dir.remove();
  }
});
