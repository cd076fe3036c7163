// Code in and out of the image, checked against issue 13 point by point: what an audit found (a
// :dump or a :save that replaced a device or a pipe by a plain file, an :import that a broken link
// in the folder ended the session with, points without a test). In process through the real
// engine and isolate, with real files; `viv export` itself through the CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { session, shown } from './support/session.ts';
import { savedEnv } from './support/env.ts';
import { run as runCli, tempDir } from './helpers.ts';
import { openStore } from '../src/session/store/store.ts';
import { createElement as h } from 'react';
import { render } from 'ink-testing-library';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { App } from '../src/ui/app.ts';
import { rowsFromEnv, stripAnsi, until } from './support/screen.ts';

test(':dump onto a named pipe is refused and the pipe stays a pipe (renaming over it would replace it)', async () => {
  const dir = tempDir();
  try {
    const fifo = join(dir.path, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const run = await session(['const data = { a: 1 }', `:dump data ${fifo}`, 'data.a']);
    assert.equal(
      shown(run)[1],
      `!DumpError: cannot write ${fifo}: it is a device, pipe or socket, not a file; nothing was written`,
    );
    assert.equal(lstatSync(fifo).isFIFO(), true);
    assert.equal(shown(run)[2], '1');
  } finally {
    dir.remove();
  }
});

test(':import of a folder holding a link to nothing, or a link in a loop, names it, changes nothing, and the session goes on', async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    mkdirSync(code);
    writeFileSync(join(code, 'fine.ts'), 'function fine() { return 1 }\n');
    symlinkSync(join(dir.path, 'nowhere.ts'), join(code, 'gone.ts'));
    const looped = join(dir.path, 'looped');
    mkdirSync(looped);
    writeFileSync(join(looped, 'fine.ts'), 'function fine() { return 1 }\n');
    symlinkSync('loop.ts', join(looped, 'loop.ts'));
    const run = await session([
      `:import ${code}`,
      `:import ${looped}`,
      'typeof fine',
      `:import ${join(dir.path, 'nothing-here')}`,
      '1 + 1',
    ]);
    assert.equal(
      shown(run)[0],
      `!ImportError: cannot import ${join(code, 'gone.ts')}: a symbolic link to nothing`,
    );
    assert.equal(
      shown(run)[1],
      `!ImportError: cannot import ${join(looped, 'loop.ts')}: a symbolic link in a loop`,
    );
    assert.equal(shown(run)[2], "'undefined'");
    assert.equal(
      shown(run)[3],
      `!ImportError: cannot read ${join(dir.path, 'nothing-here')}: no such file or folder`,
    );
    assert.equal(shown(run)[4], '2');
  } finally {
    dir.remove();
  }
});

test(':save PATH onto a named pipe is refused and the pipe stays; a pipe as the image is refused at once, not read for ever', async () => {
  const dir = tempDir();
  try {
    const fifo = join(dir.path, 'pipe.json');
    execFileSync('mkfifo', [fifo]);
    const run = await session([`:save ${fifo}`, '1 + 1'], { image: join(dir.path, 'img.json') });
    assert.equal(
      shown(run)[0],
      `!ImageFileError: ${fifo}: it is a device, pipe or socket, not an image file`,
    );
    assert.equal(shown(run)[1], '2');
    assert.equal(lstatSync(fifo).isFIFO(), true);
    await assert.rejects(
      openStore(fifo),
      /pipe\.json: it is a device, pipe or socket, not an image file/,
    );
    assert.deepEqual(
      readdirSync(dir.path).filter((f) => f.startsWith('pipe')),
      ['pipe.json'],
      'no lock left behind',
    );
  } finally {
    dir.remove();
  }
});

test(':edit with neither $VISUAL nor $EDITOR set runs vi (the first on PATH), and a blank $VISUAL counts as unset', async () => {
  const dir = tempDir();
  const restore = savedEnv(['VISUAL', 'EDITOR', 'PATH']);
  try {
    const bin = join(dir.path, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'vi'), `#!/bin/sh\nsed -i 's/return 1/return 2/' "$1"\n`);
    chmodSync(join(bin, 'vi'), 0o755);
    process.env.PATH = `${bin}:${process.env.PATH}`;
    delete process.env.EDITOR;
    process.env.VISUAL = '  ';
    const run = await session(['function f() { return 1 }', ':edit f', 'f()']);
    assert.deepEqual(run.results[1]!.defined, [{ name: 'f', kind: 'function', version: 2 }]);
    assert.equal(shown(run)[2], '2');
  } finally {
    restore();
    dir.remove();
  }
});

test(':import of a folder whose second file fails at its line 40 (a syntax error, then a throw) names that file, line and column', async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    mkdirSync(code);
    const body = Array.from({ length: 30 }, (_, i) => `  const v${i} = ${i}`).join('\n');
    writeFileSync(join(code, 'a.ts'), `function a() {\n${body}\n  return v29\n}\n`);
    const comments = Array.from({ length: 39 }, (_, i) => `// line ${i + 1}`).join('\n');
    writeFileSync(join(code, 'b.ts'), `${comments}\nfunction b(x: number): { return x }\n`);
    const run = await session([`:import ${code}`, 'typeof a']);
    const syntax = run.results[0]!.error!;
    assert.equal(syntax.name, 'SyntaxError');
    assert.match(syntax.message, new RegExp(`^${join(code, 'b.ts')}:40:\\d+: `));
    assert.deepEqual([syntax.file, syntax.line], [join(code, 'b.ts'), 40]);
    assert.equal(shown(run)[1], "'undefined'", 'a.ts was not applied either');

    writeFileSync(
      join(code, 'b.ts'),
      `${comments}\nconst b = (() => { throw new Error('bang') })()\n`,
    );
    const thrown = (await session([`:import ${code}`, 'typeof a'])).results;
    assert.equal(thrown[0]!.error!.message, `${join(code, 'b.ts')}:40:26: bang`);
    assert.equal(thrown[1]!.value, "'undefined'");
  } finally {
    dir.remove();
  }
});

test('viv export IMAGE DIR of an image never saved (only its journal, as a served one starts) exports what the journal holds', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'live.json');
    await session(['function journaled() { return 1 }'], { image, noSave: true });
    assert.equal(existsSync(image), false, 'no snapshot yet');
    assert.equal(existsSync(`${image}.journal`), true);
    const code = join(dir.path, 'code');
    const exported = await runCli(['export', image, code], '');
    assert.equal(exported.status, 0, exported.stderr);
    assert.match(exported.stdout, /exported 1 definition file and vivarium\.json/);
    assert.deepEqual(readdirSync(code).sort(), ['journaled.ts', 'vivarium.json']);
    const missing = await runCli(['export', join(dir.path, 'none.json'), code], '');
    assert.match(missing.stderr, /no image at .*none\.json: nothing to export/);
  } finally {
    dir.remove();
  }
});

test('in the terminal (ink): :export, :load and :import show their results; Ctrl-X Ctrl-E with an editor that fails keeps the entry typed', async () => {
  const dir = tempDir();
  const restore = savedEnv(['VISUAL']);
  const failing = join(dir.path, 'editor.sh');
  writeFileSync(failing, '#!/bin/sh\necho garbage > "$1"\nexit 3\n');
  chmodSync(failing, 0o755);
  process.env.VISUAL = failing;
  const putBack = rowsFromEnv(); // (no `tput` started at each frame)
  const engine = await openSession({ guest: InProcessGuest.start });
  const ui = render(h(App, { engine, imageName: 'test.json', printer: { print: () => {} } }));
  const all = () => ui.frames.map(stripAnsi).join('\n');
  const enter = async (text: string) => {
    ui.stdin.write(text);
    await new Promise((r) => setTimeout(r, 20));
    ui.stdin.write('\r');
  };
  try {
    const code = join(dir.path, 'code');
    const broken = join(dir.path, 'broken.ts');
    writeFileSync(broken, `${'// x\n'.repeat(39)}const y = = 1\n`);
    await enter('function greet() { return "hi" }');
    await until(all, (t) => /greet: function v1/.test(t));
    await enter(`:export ${code}`);
    await until(all, (t) => /exported 1 definition file and vivarium\.json/.test(t));
    await enter(`:load ${broken}`);
    await until(all, (t) => t.includes(`${broken}:40:11: Unexpected token`));
    writeFileSync(join(code, 'greet.ts'), 'function greet() { return "hello" }\n');
    await enter(`:import ${code}`);
    await until(all, (t) => /imported .*code: greet v2/.test(t));
    ui.stdin.write('greet() + "!"');
    await new Promise((r) => setTimeout(r, 20));
    ui.stdin.write('\u0018');
    await new Promise((r) => setTimeout(r, 20));
    ui.stdin.write('\u0005');
    await until(all, (t) => /exited with status 3: the edit was dropped/.test(t));
    // The entry being typed is still there: Enter runs it, not the editor's garbage.
    ui.stdin.write('\r');
    await until(all, (t) => /^'hello!'$/m.test(t));
    assert.doesNotMatch(all(), /garbage is not defined/);
  } finally {
    ui.unmount();
    await engine.close();
    putBack();
    restore();
    dir.remove();
  }
});

test(":edit whose editor changes the file, then exits non-zero (vim's :cq), drops the change", async () => {
  const dir = tempDir();
  const restore = savedEnv(['VISUAL', 'EDITOR']);
  try {
    const editor = join(dir.path, 'cq.sh');
    writeFileSync(editor, `#!/bin/sh\nsed -i 's/return 1/return 2/' "$1"\nexit 1\n`);
    chmodSync(editor, 0o755);
    process.env.VISUAL = editor;
    const run = await session(['function f() { return 1 }', ':edit f', 'f()', ':history f']);
    assert.equal(
      shown(run)[1],
      `!EditError: the editor (${editor}) exited with status 1: the edit was dropped`,
    );
    assert.equal(shown(run)[2], '1');
    assert.match(run.results[3]!.value!, /1 version\(s\), current v1/);
  } finally {
    restore();
    dir.remove();
  }
});
