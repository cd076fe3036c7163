// Code in and out of the image (issue 13): `:load`, `:export` / `:import` (and `viv export`,
// `viv import`), `:dump`, `:edit` and Ctrl-X Ctrl-E. In process through the real engine and
// isolate, with real files, real git and a real editor process (batch mode's `:edit` too: the
// session starts the editor as batch mode does); the subcommands and `--load` through the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { session, shown } from './support/session.ts';
import { savedEnv } from './support/env.ts';
import { cliEnv, run, tempDir } from './helpers.ts';
import { rowsFromEnv, stripAnsi, until } from './support/screen.ts';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { App } from '../src/ui/app.ts';
import { fileNames } from '../src/session/code-io/names.ts';

/** Every file of a folder and its bytes. */
function folder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'latin1')]),
  );
}

/** `:defs` without the standard library's rows (every image has those). */
function ownDefs(text: string | undefined): string {
  return (text ?? '')
    .split('\n')
    .filter((l) => /^(name|Point|Shape|p|f|total|s|label|unit|holder)\s/.test(l))
    .sort()
    .join('\n');
}

const BUILD = [
  'class Shape { area(): number { return 0 } }',
  'class Point extends Shape { x = 3; y = 4; norm() { return Math.hypot(this.x, this.y) } }',
  'const p = new Point()',
  'function f(n: number): number { return n * p.norm() }',
  'let total = f(2)',
  'const s = once(() => ({ hits: 0 }))',
  "const label = 'points', unit = 'cm'",
];

test(':export DIR then :import DIR into a fresh image: same definitions and behaviour, and a second export writes the same bytes', async () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    const b = join(dir.path, 'b');
    const first = await session([...BUILD, ':export ' + a, ':export ' + a, ':defs', 'f(3)']);
    assert.equal(first.status, 0, shown(first).join('\n'));
    const report = first.results[BUILD.length]!.value!;
    assert.match(report, /exported 7 definition files and vivarium\.json/);
    assert.match(report, /not exported: \d+ standard library definitions, unchanged/);
    assert.match(
      report,
      /left out \(data, not code.*\): Shape: 1 live instance, Point: 1 live instance, p: a computed value, total: the value it holds now, s: its once state$/m,
    );
    assert.match(first.results[BUILD.length + 1]!.value!, /\(0 files changed\)/);
    assert.deepEqual(Object.keys(folder(a)), [
      'Point.ts',
      'Shape.ts',
      'f.ts',
      'label.ts',
      'p.ts',
      's.ts',
      'total.ts',
      'vivarium.json',
    ]);
    assert.equal(
      readFileSync(join(a, 'Point.ts'), 'utf8'),
      BUILD[1] + '\n',
      'a file is the current source as typed, TypeScript included, with a newline',
    );
    const manifest = JSON.parse(readFileSync(join(a, 'vivarium.json'), 'utf8'));
    assert.deepEqual(
      manifest.definitions.map((d: { name: string; file: string }) => `${d.name}:${d.file}`),
      [
        'f:f.ts',
        'Shape:Shape.ts',
        'Point:Point.ts',
        'p:p.ts',
        'total:total.ts',
        's:s.ts',
        'label:label.ts',
        'unit:label.ts',
      ],
    );

    const fresh = await session([
      ':import ' + a,
      ':defs',
      'f(3)',
      'p instanceof Shape',
      ':export ' + b,
    ]);
    assert.equal(fresh.status, 0, shown(fresh).join('\n'));
    assert.match(
      fresh.results[0]!.value!,
      /^imported .*: f v1, Shape v1, Point v1, p v1, total v1, s v1, label v1, unit v1$/m,
    );
    assert.equal(ownDefs(fresh.results[1]!.value), ownDefs(first.results[BUILD.length + 2]!.value));
    assert.deepEqual(shown(fresh).slice(2, 4), [shown(first).at(-1), 'true']);
    assert.deepEqual(folder(b), folder(a), 'exporting the imported image gives the same bytes');
  } finally {
    dir.remove();
  }
});

test(':import of an unchanged export makes no new version; a changed file makes one, with its migration, in place', async () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    const run1 = await session([
      ...BUILD,
      ':export ' + a,
      ':import ' + a,
      ':history f',
      'p.norm()',
    ]);
    assert.match(run1.results[BUILD.length + 1]!.value!, /nothing changed; 8 unchanged/);
    assert.match(run1.results[BUILD.length + 2]!.value!, /1 version\(s\), current v1/);
    writeFileSync(
      join(a, 'Point.ts'),
      'class Point extends Shape {\n  x = 3; y = 4; z = 12\n  norm() { return Math.hypot(this.x, this.y, this.z) }\n  static upgrade(o: Point) { o.z = 12 }\n}\n',
    );
    const held = 'const old = p';
    const run2 = await session([
      ...BUILD,
      held,
      ':import ' + a,
      'p.norm()',
      'old === p && p instanceof Point',
      ':history Point',
    ]);
    assert.equal(run2.status, 0, shown(run2).join('\n'));
    assert.match(run2.results[BUILD.length + 1]!.value!, /^imported .*: Point v2; 7 unchanged$/m);
    assert.deepEqual(shown(run2).slice(BUILD.length + 2, BUILD.length + 4), ['13', 'true']);
    assert.match(run2.results.at(-1)!.value!, /2 version\(s\), current v2/);
  } finally {
    dir.remove();
  }
});

test(':import that fails anywhere changes nothing and names the file and line', async () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    await session(['function f(n: number) { return n + 1 }', 'const k = 5', ':export ' + a]);
    writeFileSync(join(a, 'f.ts'), 'function f(n: number) { return n + 100 }\n');
    writeFileSync(join(a, 'k.ts'), '// the size\n\nconst k = missing(5)\n');
    const runtime = await session([
      'function f(n: number) { return n + 1 }',
      'const k = 5',
      ':import ' + a,
      'f(1)',
      'k',
      ':history f',
    ]);
    const error = runtime.results[2]!.error!;
    assert.equal(error.name, 'ReferenceError');
    assert.equal(error.message, `${join(a, 'k.ts')}:3:11: missing is not defined`);
    assert.deepEqual([error.file, error.line], [join(a, 'k.ts'), 3]);
    assert.deepEqual(shown(runtime).slice(3, 5), ['2', '5'], 'f and k are as they were');
    assert.match(runtime.results[5]!.value!, /1 version\(s\)/);

    writeFileSync(join(a, 'k.ts'), 'const k = 5\nconst j = = 2\n');
    const syntax = await session([
      'function f(n: number) { return n + 1 }',
      ':import ' + a,
      'f(1)',
    ]);
    assert.equal(syntax.results[1]!.error!.name, 'SyntaxError');
    assert.match(
      syntax.results[1]!.error!.message,
      new RegExp(`^${join(a, 'k.ts')}:2:11: Unexpected token$`),
    );
    assert.equal(shown(syntax)[2], '2');
  } finally {
    dir.remove();
  }
});

test('export orders definitions so they load: what a value needs when it is made comes first', async () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    // `made` was first made before Box existed; its current version needs Box.
    const built = await session([
      'const made = 1',
      'class Box { constructor(public v: number) {} }',
      'function wrap(v: number) { return new Box(v) }',
      'const made = wrap(7)',
      ':export ' + a,
    ]);
    assert.equal(built.status, 0, shown(built).join('\n'));
    const order = JSON.parse(readFileSync(join(a, 'vivarium.json'), 'utf8')).definitions.map(
      (d: { name: string }) => d.name,
    );
    assert.deepEqual(order, ['wrap', 'Box', 'made']);
    const fresh = await session([':import ' + a, 'made.v']);
    assert.deepEqual(shown(fresh).slice(1), ['7']);
  } finally {
    dir.remove();
  }
});

test('fileNames(names) tells apart names that differ in case and avoids names Windows refuses', () => {
  const files = fileNames(['Point', 'point', 'CON', 'café', 'f']);
  assert.deepEqual(Object.fromEntries(files), {
    Point: 'Point.ts',
    point: 'point~2.ts',
    CON: 'CON_.ts',
    café: 'caf_ue9_.ts',
    f: 'f.ts',
  });
  const lower = [...files.values()].map((f) => f.toLowerCase());
  assert.equal(new Set(lower).size, lower.length);
});

test('a git workflow: export, commit, edit one file, import: redefined in place; a re-export changes that file and its manifest line only', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    const code = join(dir.path, 'code');
    const git = (...args: string[]) =>
      spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
        cwd: code,
        encoding: 'utf8',
      });
    const made = await session(
      [
        'class Counter { n = 0; inc() { this.n += 1; return this.n } }',
        'const c = new Counter()',
        'c.inc()',
        "function greet(name: string) { return 'hello ' + name }",
        'const holder = { greet }',
        ':export ' + code,
      ],
      { image },
    );
    assert.equal(made.status, 0, shown(made).join('\n'));
    assert.equal(git('init', '-q').status, 0);
    git('add', '.');
    assert.equal(git('commit', '-qm', 'export').status, 0);
    const file = join(code, 'greet.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("'hello '", "'hi '"));

    const imported = await session(
      [
        ':import ' + code,
        "holder.greet('ada')",
        'holder.greet === greet',
        'c.n',
        ':export ' + code,
      ],
      { image },
    );
    assert.equal(imported.status, 0, shown(imported).join('\n'));
    assert.match(imported.results[0]!.value!, /: greet v2; 3 unchanged$/m);
    assert.deepEqual(shown(imported).slice(1, 4), ["'hi ada'", 'true', '1']);
    assert.equal(git('status', '--porcelain').stdout, ' M greet.ts\n M vivarium.json\n');
    const manifestDiff = git('diff', '-U0', 'vivarium.json').stdout;
    assert.deepEqual(
      manifestDiff.split('\n').filter((l) => /^[+-] /.test(l)),
      [
        '-    {"file": "greet.ts", "kind": "function", "name": "greet", "version": 1},',
        '+    {"file": "greet.ts", "kind": "function", "name": "greet", "version": 2},',
      ],
    );
    git('commit', '-qam', 'greet says hi');
    const again = await session([':export ' + code], { image });
    assert.match(again.results[0]!.value!, /\(0 files changed\)/);
    assert.equal(git('status', '--porcelain').stdout, '');
  } finally {
    dir.remove();
  }
});

test(':load FILE applies the file as one entry; an error names the file, line and column, and nothing of the file is kept', async () => {
  const dir = tempDir();
  try {
    const good = join(dir.path, 'good.ts');
    const bad = join(dir.path, 'bad.ts');
    writeFileSync(
      good,
      '// helpers\nfunction double(x: number) {\n  return x * 2\n}\n\ndouble(21)\n',
    );
    writeFileSync(
      bad,
      'function half(x: number) { return x / 2 }\n\nconst broken = half(2) + nope\n',
    );
    const r = await session([
      ':load ' + good,
      ':load ' + bad,
      'typeof half',
      ':load ' + join(dir.path, 'none.ts'),
      `:load ${dir.path}/syntax.ts`,
    ]);
    assert.equal(r.results[0]!.value, '42');
    const error = r.results[1]!.error!;
    assert.equal(error.message, `${bad}:3:26: nope is not defined`);
    assert.equal(error.sourceLine, 'const broken = half(2) + nope');
    assert.match(error.stack!, new RegExp(`at ${bad}:3:26`));
    assert.equal(shown(r)[2], "'undefined'", 'half, defined before the error, was not kept');
    assert.equal(shown(r)[3], `!LoadError: cannot load ${join(dir.path, 'none.ts')}: no such file`);

    writeFileSync(join(dir.path, 'syntax.ts'), 'const a = 1\nconst b = = 2\n');
    const s = await session([`:load ${dir.path}/syntax.ts`]);
    assert.equal(s.results[0]!.error!.message, `${dir.path}/syntax.ts:2:11: Unexpected token`);
  } finally {
    dir.remove();
  }
});

test(':dump EXPR FILE writes the value as JSON; a function or a cycle is an error naming its path, and nothing is written', async () => {
  const dir = tempDir();
  try {
    const out = join(dir.path, 'state.json');
    const r = await session([
      'class P { x = 1; when = new Date(0) }',
      'const state = { name: "ada", scores: [1, 2.5], p: new P(), gone: undefined }',
      `:dump state ${out}`,
      'state.onHit = () => 1',
      `:dump state ${join(dir.path, 'f.json')}`,
      'const loop: any = { a: { } }; loop.a.back = loop',
      `:dump loop ${join(dir.path, 'c.json')}`,
    ]);
    assert.match(r.results[2]!.value!, /^wrote state to .*state\.json \(\d+ bytes of JSON\)$/);
    assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), {
      name: 'ada',
      scores: [1, 2.5],
      p: { x: 1, when: '1970-01-01T00:00:00.000Z' },
    });
    assert.equal(
      shown(r)[4],
      '!DumpError: state.onHit is a function: functions are code, not data; nothing was written',
    );
    assert.equal(
      shown(r)[6],
      '!DumpError: loop.a.back is a cycle: it refers back to a value that holds it; nothing was written',
    );
    assert.equal(
      existsSync(join(dir.path, 'f.json')) || existsSync(join(dir.path, 'c.json')),
      false,
    );
  } finally {
    dir.remove();
  }
});

test(':edit NAME with an editor that makes no change, or fails, changes nothing', async () => {
  const restore = savedEnv(['EDITOR', 'VISUAL']);
  try {
    delete process.env.VISUAL;
    process.env.EDITOR = 'true';
    const same = await session(['function f() { return 1 }', ':edit f', ':edit nope']);
    assert.equal(shown(same)[1], 'no change: f stays at v1');
    assert.match(shown(same)[2]!, /^!\w+: .*nope/);
    process.env.EDITOR = 'false';
    const failed = await session(['function f() { return 1 }', ':edit f']);
    assert.equal(
      shown(failed)[1],
      '!EditError: the editor (false) exited with status 1: the edit was dropped',
    );
  } finally {
    restore();
  }
});

/** A shell script that stands for the person's editor. */
function editorScript(dir: string, body: string): string {
  const path = join(dir, 'editor.sh');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

test('viv --batch: :edit NAME runs $VISUAL on the current source and applies the edited file as one entry', async () => {
  const dir = tempDir();
  const restore = savedEnv(['EDITOR', 'VISUAL']);
  try {
    // The editor also records the file name it was given.
    const editor = editorScript(
      dir.path,
      `echo "$1" > ${dir.path}/seen\nsed -i 's/return 1/return 2/' "$1"`,
    );
    const input = [
      'function f() { return 1 }',
      'const holder = [f]',
      ':edit f',
      'holder[0]()',
      ':history f',
    ].join('\n');
    // In process: batch mode's engine and reader (the editor is started the same way).
    process.env.VISUAL = editor;
    process.env.EDITOR = 'false';
    const r = await session(input.split('\n'));
    const results = r.results;
    assert.equal(r.status, 0, JSON.stringify(results));
    assert.deepEqual(results[2]!.defined, [{ name: 'f', kind: 'function', version: 2 }]);
    assert.equal(results[3]!.value, '2');
    assert.match(results[4]!.value!, /v2 .*\n\s+function f\(\) \{ return 2 \}/);
    assert.match(readFileSync(join(dir.path, 'seen'), 'utf8'), /\/f\.ts\n$/);
  } finally {
    restore();
    dir.remove();
  }
});

test('viv export IMAGE DIR, viv import IMAGE PATH and viv --load FILE through the real CLI', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    const code = join(dir.path, 'code');
    const lib = join(dir.path, 'lib.ts');
    writeFileSync(lib, 'function g(x: number) { return x + 1 }\n');
    const loaded = await run(['--batch', '--json', '--image', image, '--load', lib], 'g(1)\n');
    assert.equal(loaded.status, 0, loaded.stderr);
    const lines = loaded.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(lines[0].defined, [{ name: 'g', kind: 'function', version: 1 }]);
    assert.equal(lines[1].value, '2');

    const exported = await run(['export', image, code], '');
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /exported 1 definition file and vivarium\.json/);
    assert.equal(
      readFileSync(join(code, 'g.ts'), 'utf8'),
      'function g(x: number) { return x + 1 }\n',
    );
    writeFileSync(join(code, 'g.ts'), 'function g(x: number) { return x + 10 }\n');
    const imported = await run(['import', image, code], '');
    assert.equal(imported.status, 0, imported.stderr);
    assert.match(imported.stdout, /imported .*: g v2$/m);
    const after = await session(['g(1)'], { image }); // read back in process
    assert.deepEqual(shown(after), ['11'], 'the import was saved into the image');

    writeFileSync(join(code, 'g.ts'), 'function g(x: number) { return x +* 10 }\n');
    const refused = await run(['import', image, code], '');
    assert.equal(refused.status, 1);
    assert.match(
      refused.stdout,
      new RegExp(`SyntaxError: ${join(code, 'g.ts')}:1:35: Unexpected token`),
    );
    const missing = await run(['export', join(dir.path, 'none.json'), code], '');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no image at .*none\.json/);
  } finally {
    dir.remove();
  }
});

test('Ctrl-X Ctrl-E opens the entry being typed in the editor and runs what the editor leaves', async () => {
  const dir = tempDir();
  const restore = savedEnv(['VISUAL']);
  process.env.VISUAL = editorScript(dir.path, `printf '6 *\\n  7\\n' > "$1"`);
  const printer = { print: () => {} };
  const putBack = rowsFromEnv(); // (no `tput` started at each frame)
  const engine = await openSession({ guest: InProcessGuest.start });
  const ui = render(h(App, { engine, imageName: 'test.json', printer }));
  try {
    ui.stdin.write('1 + 1');
    await new Promise((r) => setTimeout(r, 20));
    ui.stdin.write('\u0018');
    await new Promise((r) => setTimeout(r, 20));
    ui.stdin.write('\u0005');
    const all = () => ui.frames.map(stripAnsi).join('\n');
    await until(all, (t) => /^42$/m.test(t));
    assert.match(all(), /6 \*\n\.\.\.\s+7/, 'the edited entry is echoed as it runs');
    assert.deepEqual(engine.history.slice(-1), ['6 *\n  7']);
  } finally {
    ui.unmount();
    await engine.close();
    putBack();
    restore();
    dir.remove();
  }
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

test(
  'in a real terminal (tmux): :edit and Ctrl-X Ctrl-E hand the terminal to the editor (raw mode off) and take it back',
  { skip: hasTmux ? false : 'tmux is not installed (.ci/run installs it with apt-get)' },
  async () => {
    const dir = tempDir();
    const name = `viv-code-io-${process.pid}`;
    // Its own tmux server (-L): a shared one exits when another test kills its last session.
    const tmux = (...args: string[]) =>
      spawnSync('tmux', ['-L', name, ...args], { encoding: 'utf8', env: cliEnv() }).stdout;
    const screen = () => tmux('capture-pane', '-t', name, '-p', '-S', '-200');
    // Until the screen shows it (30 s: starting viv under load takes a while).
    const shows = async (what: RegExp) => {
      for (const end = Date.now() + 30_000; !what.test(screen());) {
        if (Date.now() > end) assert.fail(`the screen never matched ${what}:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const type = (text: string) => {
      tmux('send-keys', '-t', name, '-l', text);
      tmux('send-keys', '-t', name, 'Enter');
    };
    // The editor notes the terminal's modes as it finds them, then edits: an entry becomes 6 * 7.
    const editor = editorScript(
      dir.path,
      [
        `stty -a > ${dir.path}/modes`,
        'case "$1" in',
        `  */entry.ts) printf '6 * 7\\n' > "$1" ;;`,
        `  *) sed -i 's/return 1/return 2/' "$1" ;;`,
        'esac',
      ].join('\n'),
    );
    const viv = fileURLToPath(new URL('../bin/viv.js', import.meta.url));
    const image = join(dir.path, 'img.json');
    try {
      tmux(
        ...['new-session', '-d', '-s', name, '-x', '100', '-y', '30', '-e', 'CI=true'],
        ...['-e', `VISUAL=${editor}`],
        `${process.execPath} ${viv} ${image}; sleep 60`,
      );
      await shows(/img\.json ·/);
      type('function f() { return 1 }');
      await shows(/f: function v1/);
      type(':edit f');
      await shows(/f: function v2/);
      assert.match(readFileSync(join(dir.path, 'modes'), 'utf8'), /(^|\s)icanon(\s|$)/m);
      type('f() + 40');
      await shows(/^42$/m);
      tmux('send-keys', '-t', name, '-l', '1 + 1');
      tmux('send-keys', '-t', name, 'C-x', 'C-e');
      await shows(/^viv> 6 \* 7\n42$/m);
    } finally {
      spawnSync('tmux', ['-L', name, 'kill-server']);
      dir.remove();
    }
  },
);

test('a file gone from an exported folder: :import keeps its definition and says so; :export of another image removes files it no longer writes', async () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    await session(['function f() { return 1 }', 'function g() { return 2 }', ':export ' + a]);
    rmSync(join(a, 'g.ts'));
    const r = await session([
      'function f() { return 1 }',
      'function g() { return 2 }',
      ':import ' + a,
      'g()',
    ]);
    assert.equal(
      r.results[2]!.value,
      [
        `imported ${a}: nothing changed; 1 unchanged`,
        `g.ts (g) is listed in vivarium.json but missing: g is kept as it is`,
        `kept (not in ${a}; import never removes a definition): g`,
      ].join('\n'),
    );
    assert.equal(shown(r)[3], '2');
    writeFileSync(join(a, 'g.ts'), 'function g() { return 2 }\n');
    const other = await session(['function f() { return 1 }', ':export ' + a]);
    assert.match(other.results[1]!.value!, /^removed \(no longer defined\): g\.ts$/m);
    assert.deepEqual(Object.keys(folder(a)), ['f.ts', 'vivarium.json']);
  } finally {
    dir.remove();
  }
});

test(':import whose migration throws on one instance changes nothing and names the class file', async () => {
  const dir = tempDir();
  try {
    const a = join(dir.path, 'a');
    const build = ['class P { a = 1 }', 'const ps = [new P(), new P()]'];
    await session([...build, ':export ' + a]);
    writeFileSync(
      join(a, 'P.ts'),
      'class P {\n  a = 1; b = 2\n  static upgrade(o: P) { if (o === ps[1]) throw new Error("bad"); o.b = 2 }\n}\n',
    );
    const r = await session([...build, ':import ' + a, 'ps[0].b', ':history P']);
    const error = r.results[2]!.error!;
    assert.equal(error.name, 'MigrationError');
    assert.equal(error.file, join(a, 'P.ts'));
    assert.match(
      error.message,
      new RegExp(`^${join(a, 'P.ts')}:1:\\d+: P v2: .* at ps\\[1\\]\\): Error: bad`),
    );
    assert.equal(shown(r)[3], 'undefined', 'the first instance was not migrated either');
    assert.match(r.results[4]!.value!, /1 version\(s\), current v1/);
  } finally {
    dir.remove();
  }
});

test(':import of a folder without a manifest: its files by name, except that a file loads after what it needs', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'a.ts'), 'const origin = new Zed(0, 0)\n');
    writeFileSync(join(dir.path, 'b.ts'), 'function norm(z: Zed) { return z.x + z.y }\n');
    writeFileSync(
      join(dir.path, 'zed.ts'),
      'class Zed {\n  constructor(public x: number, public y: number) {}\n}\n',
    );
    writeFileSync(join(dir.path, 'notes.md'), 'not code\n');
    const r = await session([':import ' + dir.path, 'norm(origin)', 'origin instanceof Zed']);
    assert.match(r.results[0]!.value!, /^imported .*: norm v1, Zed v1, origin v1$/);
    assert.deepEqual(shown(r).slice(1), ['0', 'true']);
  } finally {
    dir.remove();
  }
});

test('an :import is journaled as one entry: a session that ends without saving replays it on open', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    const code = join(dir.path, 'code');
    await session(['function f() { return 1 }', 'const k = 5', ':export ' + code], { image });
    writeFileSync(join(code, 'f.ts'), 'function f() {\n  return k * 2\n}\n');
    const imported = await session([':import ' + code, 'f()'], { image, noSave: true });
    assert.deepEqual(shown(imported)[1], '10');
    const reopened = await session(['f()', ':history f'], { image });
    assert.equal(reopened.stderr, '');
    assert.equal(shown(reopened)[0], '10');
    assert.match(reopened.results[1]!.value!, /2 version\(s\), current v2/);
  } finally {
    dir.remove();
  }
});

test('a folder whose vivarium.json is not a manifest is refused, saying what is wrong, and nothing changes', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'f.ts'), 'function f() { return 2 }\n');
    writeFileSync(join(dir.path, 'vivarium.json'), '{"format": "something-else"}\n');
    const r = await session(['function f() { return 1 }', ':import ' + dir.path, 'f()']);
    assert.equal(
      shown(r)[1],
      `!ImportError: ${join(dir.path, 'vivarium.json')}: not a Vivarium manifest (its "format" should be "vivarium-code")`,
    );
    writeFileSync(join(dir.path, 'vivarium.json'), '{"format": ');
    const broken = await session([':import ' + dir.path]);
    assert.match(shown(broken)[0]!, /^!ImportError: .*vivarium\.json is not JSON: /);
    assert.equal(shown(r)[2], '1');
  } finally {
    dir.remove();
  }
});
