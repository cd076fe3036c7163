// The caches that make starting faster (issue 12): the runner's stripped kernel sources and the
// session's compiled scripts of an image's versions. Each serves exactly what it caches, makes a
// new entry for an edited source, and never uses a damaged entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stripTypeScriptTypes } from 'node:module';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { readSealed, writeSealed } from '../src/shared/sealed-file.ts';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadSession } from '../src/session/session-script.ts';
import { kernelSource } from '../src/runner/kernel-cache.ts';
import {
  compileKernelScript,
  kernelCacheFile,
  warmKernelScript,
} from '../src/runner/kernel-script.ts';
import ivm from '../src/runner/ivm.ts';
import { compileEntry, compileForRestore } from '../src/session/compile/compiled-cache.ts';
import { analyze } from '../src/session/compile/analyze.ts';
import type { AnalyzedEntry } from '../src/session/compile/analyze.ts';
import { locateError } from '../src/session/compile/locate-error.ts';
import { rewrite } from '../src/session/compile/rewrite.ts';
import type { GuestScript } from '../src/session/compile/rewrite.ts';
import { stripKept, stripTypes } from '../src/session/compile/strip.ts';
import { CLI, cliEnv, tempDir } from './helpers.ts';
import { EntryCompiler } from '../src/session/engine/compiler.ts';

const require = createRequire(import.meta.url);

test('kernelSource(path, dir) caches the stripped source, strips an edited one again, ignores damage', () => {
  const scratch = tempDir();
  try {
    const cache = join(scratch.path, 'cache');
    const file = join(scratch.path, 'k.ts');
    const v1 = 'export const a: number = 1;\nexport function f(x: string): string { return x }\n';
    writeFileSync(file, v1);
    const expected = stripTypeScriptTypes(v1);
    assert.equal(kernelSource(file, cache), expected);
    const sources = () => readdirSync(cache).filter((f) => f.endsWith('.js'));
    assert.equal(sources().length, 1, 'the stripped source was kept');
    assert.equal(kernelSource(file, cache), expected, 'served from the cache as stripped');

    // A damaged entry (here: other code, no seal) is stripped again, not used.
    writeFileSync(join(cache, sources()[0]!), 'export const a = 2;');
    assert.equal(kernelSource(file, cache), expected);

    // An edited source is a new entry.
    const v2 = v1.replace('= 1', '= 7');
    writeFileSync(file, v2);
    assert.equal(kernelSource(file, cache), stripTypeScriptTypes(v2));
    assert.equal(sources().length, 2);
  } finally {
    scratch.remove();
  }
});

test('the kernel script is compiled from cached data kept on disk; damaged data, or data made for another text, is not used', () => {
  const scratch = tempDir();
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  try {
    const file = join(scratch.path, 'kernel.js');
    // A stand-in for the kernel, long enough for V8 to keep cached data of it.
    const script = (n: number) =>
      `"use strict";\n(() => { ${'[1, 2, 3].map((x) => x * 2);\n'.repeat(50)} return ${n}; })();\n`;
    writeFileSync(file, script(1));
    const run = (dir: string) => {
      const { script: compiled, from } = compileKernelScript(isolate, file, dir);
      const context = isolate.createContextSync();
      try {
        return { value: compiled.runSync(context) as number, from };
      } finally {
        context.release();
      }
    };
    /** A cache folder of its own (this process has not seen it), holding `data` if given. */
    const folder = (name: string, data?: Buffer) => {
      const dir = join(scratch.path, name);
      mkdirSync(dir);
      if (data) writeFileSync(kernelCacheFile(file, dir), data);
      return dir;
    };
    // Made by the first compile and kept on disk; the same process then serves it from memory.
    const first = join(scratch.path, 'first');
    assert.deepEqual(run(first), { value: 1, from: 'compiled' });
    const kept = kernelCacheFile(file, first);
    assert.ok(readFileSync(kept).length > 100, 'the cached data was written');
    assert.deepEqual(run(first), { value: 1, from: 'process' });

    // Another process (here: the file in another folder, which this process has not seen) uses it.
    assert.deepEqual(run(folder('second', readFileSync(kept))), { value: 1, from: 'file' });

    // A byte of the data changed: not used (V8 does not check its own bytes); made again, whole.
    const damaged = Buffer.from(readFileSync(kept));
    damaged[damaged.length - 7]! ^= 0xff;
    const third = folder('third', damaged);
    assert.deepEqual(run(third), { value: 1, from: 'compiled' });
    const remade = folder('remade', readFileSync(kernelCacheFile(file, third)));
    assert.deepEqual(run(remade), { value: 1, from: 'file' }, 'the file was made again, whole');

    // The kernel edited to another text of the same length (V8 checks only the length): the data
    // made for the old text is not used, even put where the new text's would be.
    writeFileSync(file, script(2));
    assert.deepEqual(run(folder('fourth', readFileSync(kept))), { value: 2, from: 'compiled' });

    // A FIFO where the file goes: not read (that would wait for a writer for ever).
    const fifth = folder('fifth');
    assert.equal(spawnSync('mkfifo', [kernelCacheFile(file, fifth)]).status, 0);
    assert.deepEqual(run(fifth), { value: 2, from: 'compiled' });
  } finally {
    isolate.dispose();
    scratch.remove();
  }
});

test("the kernel script's cached data takes in what an isolate compiled as it worked: larger, kept on disk, used by the next", async () => {
  const scratch = tempDir();
  const isolate = new ivm.Isolate({ memoryLimit: 32 });
  try {
    const file = join(scratch.path, 'kernel.js');
    // A stand-in for the kernel: its top level defines a function compiled only when first called
    // (as the kernel's handlers are), long enough for V8 to keep cached data of it.
    const body = 'acc = acc.concat([1, 2, 3].map((x) => x * n));\n'.repeat(60);
    writeFileSync(
      file,
      `"use strict";\nglobalThis.work = function (n) { let acc = []; ${body} return acc.length; };\n0;\n`,
    );
    const size = (dir: string) => readFileSync(kernelCacheFile(file, dir)).length;
    const first = join(scratch.path, 'first');
    const context = isolate.createContextSync();
    const { from } = compileKernelScript(isolate, file, first);
    assert.equal(from, 'compiled');
    compileKernelScript(isolate, file, first).script.runSync(context);
    const cold = size(first);
    // The session's work: the function runs, so it is compiled now. Warmed, the data holds it.
    assert.equal(context.evalSync('work(2)'), 180);
    await warmKernelScript(isolate, file, first);
    const warm = size(first);
    assert.ok(
      warm > cold,
      `the data took in the function compiled since (${cold} -> ${warm} bytes)`,
    );
    // Once per process: a second warming does nothing, even with more compiled since.
    const kept = readFileSync(kernelCacheFile(file, first));
    context.evalSync('(function more() { return [1, 2].map(String).join(); })()');
    await warmKernelScript(isolate, file, first);
    assert.deepEqual(readFileSync(kernelCacheFile(file, first)), kept);
    context.release();

    // The next process (a folder this process has not seen) is served the warm data, and it runs.
    const next = join(scratch.path, 'next');
    mkdirSync(next);
    writeFileSync(kernelCacheFile(file, next), kept);
    const other = new ivm.Isolate({ memoryLimit: 32 });
    try {
      const ctx = other.createContextSync();
      const loaded = compileKernelScript(other, file, next);
      assert.equal(loaded.from, 'file');
      loaded.script.runSync(ctx);
      assert.equal(ctx.evalSync('work(3)'), 180);
      // Warming an isolate that compiled nothing new keeps the larger data there was.
      await warmKernelScript(other, file, next);
      assert.deepEqual(readFileSync(kernelCacheFile(file, next)), kept);
      // The script's file gone since it was loaded: warming does nothing, and does not throw (a
      // save waits for it: a rejection there lost the save's reply).
      rmSync(file);
      await assert.doesNotReject(warmKernelScript(other, file, join(scratch.path, 'third')));
    } finally {
      other.dispose();
    }
  } finally {
    isolate.dispose();
    scratch.remove();
  }
});

test('compileForRestore(source, name, dir) serves what rewrite(analyze(source)) gives, cached and checked', () => {
  const scratch = tempDir();
  try {
    const cache = join(scratch.path, 'compiled');
    const source =
      'class P { constructor(public x: number) {} get double(): number { return this.x * 2 } }';
    const expected = rewrite(analyze(source), { sourceName: 'P@v1' }).code;
    assert.equal(compileForRestore(source, 'P@v1', cache), expected);
    assert.equal(readdirSync(cache).length, 1, 'kept');
    assert.equal(compileForRestore(source, 'P@v1', cache), expected, 'from the cache');
    assert.equal(
      compileForRestore(source, 'P@v2', cache),
      rewrite(analyze(source), { sourceName: 'P@v2' }).code,
      'the name is part of the key (it is in the script)',
    );
    // Damage every entry: each is compiled again, not used.
    for (const f of readdirSync(cache)) writeFileSync(join(cache, f), 'globalThis.hacked = 1');
    assert.equal(compileForRestore(source, 'P@v1', cache), expected);
  } finally {
    scratch.remove();
  }
});

test('compileEntry(source, options, dir) keeps a long entry compiled: its script, declarations and imports; its analysis made again only when asked, so errors still point at what was typed', () => {
  const scratch = tempDir();
  try {
    const cache = join(scratch.path, 'compiled');
    // A long entry (as the standard library's): a function that throws on its third line.
    const source = [
      'function fail(why: string): never {',
      '  const message: string = `failed: ${why}`',
      '  throw new Error(message)',
      '}',
      ...Array.from({ length: 80 }, (_, i) => `const pad${i}: number = ${i}`),
    ].join('\n');
    const options = { sourceName: 'REPL2' };
    const fresh = analyze(source);
    const expected = rewrite(fresh, options);
    const first = compileEntry(source, options, cache);
    assert.deepEqual(first.script, expected);
    assert.equal(readdirSync(cache).length, 1, 'kept');
    const kept = compileEntry(source, options, cache);
    assert.deepEqual(kept.script, expected, 'from the cache');
    assert.deepEqual(kept.analysis.declarations, fresh.declarations);
    assert.deepEqual(kept.analysis.imports, fresh.imports);
    assert.equal(kept.analysis.topLevelAwait, fresh.topLevelAwait);
    // An error in it, pointed at the typed line and column from the kept entry (its analysis made
    // again for that), as from one compiled now.
    const generated = expected.code.split('\n');
    const row = generated.findIndex((line) => line.includes('throw new Error'));
    const stack = `Error: failed\n    at fail (REPL2:${row + 1}:${generated[row]!.indexOf('throw') + 1})`;
    const locate = (found: { analysis: AnalyzedEntry; script: GuestScript }) =>
      locateError({ name: 'Error', message: 'failed', stack }, (n) =>
        n === 2 ? found : undefined,
      );
    const located = locate(kept);
    assert.equal(located.line, 3);
    assert.equal(located.sourceLine, '  throw new Error(message)');
    assert.deepEqual(located, locate({ analysis: fresh, script: expected }));
    // Compiled for :check, it is another entry; damaged, it is compiled again, not used.
    const check = compileEntry(source, { ...options, checkOnly: true }, cache);
    assert.deepEqual(check.script, rewrite(fresh, { ...options, checkOnly: true }));
    assert.equal(readdirSync(cache).length, 2);
    for (const f of readdirSync(cache)) {
      writeSealed(
        cache,
        join(cache, f),
        JSON.stringify({ script: { code: 'globalThis.hacked = 1' } }),
      );
    }
    assert.deepEqual(compileEntry(source, options, cache).script, expected);
    // An entry that does not compile throws, and nothing is kept of it.
    const before = readdirSync(cache).length;
    assert.throws(() => compileEntry(`${source}\nconst broken = (`, options, cache));
    assert.equal(readdirSync(cache).length, before);
  } finally {
    scratch.remove();
  }
});

/** Counts the calls to Node's type stripper (amaro) made while `body` runs. */
function stripperCalls(body: () => void): number {
  const node = require('node:module') as typeof import('node:module');
  const original = node.stripTypeScriptTypes;
  let calls = 0;
  node.stripTypeScriptTypes = ((...args: Parameters<typeof original>) => {
    calls++;
    return original(...args);
  }) as typeof original;
  node.syncBuiltinESMExports();
  try {
    body();
  } finally {
    node.stripTypeScriptTypes = original;
    node.syncBuiltinESMExports();
  }
  return calls;
}

test('plain JavaScript entries never call the type stripper; f<T>(x) is still TypeScript', () => {
  const plain = ['1 + 1', 'const o = { a: 1 }; o.a ? 1 : 2', 'with (Math) max(1, 2)'];
  let stripped: string[] = [];
  assert.equal(
    stripperCalls(() => (stripped = plain.map((p) => stripTypes(p)))),
    0,
  );
  assert.deepEqual(stripped, plain);
  // Parses as JavaScript (two comparisons), but is a generic call as TypeScript.
  let generic = '';
  assert.equal(
    stripperCalls(() => (generic = stripTypes('f<string>(1)'))),
    1,
  );
  assert.equal(generic, 'f        (1)');
  assert.equal(stripTypes('let n: number = 1'), 'let n         = 1');
});

test('a long text (the standard library) is kept stripped: a new image does not strip it again', () => {
  const scratch = tempDir();
  try {
    const dir = join(scratch.path, 'vivarium-stripped');
    const music = readFileSync(new URL('../stdlib/music.ts', import.meta.url), 'utf8');
    const expected = stripTypeScriptTypes(music);
    let got = '';
    assert.equal(
      stripperCalls(() => (got = stripKept(music, dir))),
      1,
    );
    assert.equal(got, expected);
    assert.equal(
      stripperCalls(() => (got = stripKept(music, dir))),
      0,
      'served from the cache',
    );
    assert.equal(got, expected);
    // A damaged entry is stripped again, not used.
    for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'let damaged = 1');
    assert.equal(
      stripperCalls(() => (got = stripKept(music, dir))),
      1,
    );
    assert.equal(got, expected);
  } finally {
    scratch.remove();
  }
});

test('a kept text is used only from a regular file holding a stripping of this very text', () => {
  const scratch = tempDir();
  try {
    const dir = join(scratch.path, 'vivarium-stripped');
    const music = readFileSync(new URL('../stdlib/music.ts', import.meta.url), 'utf8');
    const expected = stripTypeScriptTypes(music);
    assert.equal(stripKept(music, dir), expected);
    const [name] = readdirSync(dir);
    const file = join(dir, name!);

    // Sealed files of other text under its name (the seal is right, the text is not this one's):
    // some other program, and the same length with one statement swapped in.
    const swapped = expected.replace('function', 'throw 1;');
    assert.notEqual(swapped, expected);
    for (const other of ['globalThis.pwned = 1', swapped.slice(0, expected.length)]) {
      writeSealed(dir, file, other);
      let got = '';
      assert.equal(
        stripperCalls(() => (got = stripKept(music, dir))),
        1,
        'stripped again',
      );
      assert.equal(got, expected);
    }

    // A symbolic link to a FIFO in its place: not opened for reading (that waits for a writer for
    // ever). Run in a child, so that the test reports a start that blocks instead of blocking.
    unlinkSync(file);
    const fifo = join(scratch.path, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    symlinkSync(fifo, file);
    const child = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { stripKept } from ${JSON.stringify(new URL('../src/session/compile/strip.ts', import.meta.url).href)};
         import { readFileSync } from 'node:fs';
         const music = readFileSync(process.argv[1], 'utf8');
         process.stdout.write(stripKept(music, process.argv[2]));`,
        fileURLToPath(new URL('../stdlib/music.ts', import.meta.url)),
        dir,
      ],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 26, env: cliEnv() },
    );
    assert.equal(child.signal, null, 'stripKept blocked on the FIFO');
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, expected);

    // The cache folder is a file: nothing kept, the text stripped all the same.
    const blocked = join(scratch.path, 'not-a-dir');
    writeFileSync(blocked, 'x');
    assert.equal(stripKept(music, join(blocked, 'vivarium-stripped')), expected);
  } finally {
    scratch.remove();
  }
});

test('declare at the end of a line is an expression (as tsc reads it), with or without a < in the entry', () => {
  const plain = 'function f() {\n  declare\n  let x = 1\n  return x\n}';
  assert.equal(stripTypes(plain), plain);
  // A `<` in a comment sends the text to Node's stripper, which blanked `let x = 1` with `declare`.
  const compared = 'function g() {\n  declare // a < b\n  let y = 1\n  return y\n}';
  assert.match(stripTypes(compared), /let y = 1/);
  const typed = 'let declare: number = 0\ndeclare\nlet z: number = 2';
  assert.match(stripTypes(typed), /\ndeclare\nlet z = 2$/);
  // On the same line it is still TypeScript's ambient declaration, erased.
  assert.equal(stripTypes('declare let w: number').trim(), '');
});

test('a cache write that fails (here: a folder where the file goes) throws nothing and leaves no temporary file', () => {
  const scratch = tempDir();
  try {
    const dir = join(scratch.path, 'cache');
    const file = join(dir, 'entry.js');
    mkdirSync(join(file, 'in-the-way'), { recursive: true });
    writeSealed(dir, file, 'let x = 1');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  } finally {
    scratch.remove();
  }
});

test("a symlink put where a cache write's temporary file goes (a shared /tmp) is not written through", async () => {
  const scratch = tempDir();
  try {
    const { dir, path } = sessionFiles(scratch.path);
    const victim = join(scratch.path, 'victim');
    writeFileSync(victim, 'precious\n');
    // The session's data file: its temporary file's name is known (the file's, and the pid).
    const first = await loadSession(path, 'batch', dir);
    first.keep();
    const [name] = readdirSync(dir).filter((f) => f.endsWith('.v8'));
    const file = join(dir, name!);
    rmSync(file);
    symlinkSync(victim, `${file}.${process.pid}.tmp`);
    (await loadSession(path, 'batch', dir)).keep();
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n', 'the target is untouched');
    assert.equal((await loadSession(path, 'batch', dir)).from, 'file', 'the data is kept still');
    // And a sealed text (the stripped kernel, compiled entries) likewise.
    const sealed = join(dir, 'entry.js');
    symlinkSync(victim, `${sealed}.${process.pid}.tmp`);
    writeSealed(dir, sealed, 'let x = 1');
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.match(readFileSync(sealed, 'utf8'), /^let x = 1/);
  } finally {
    scratch.remove();
  }
});

test('EntryCompiler keeps long entries compiled for the next session, but not a huge one', () => {
  // A pasted entry of 1.2 MB: its analysis (tree, positions) and script took ~140 MB of heap;
  // 16 of them, kept by the process after their sessions, took 2.2 GB. Kept, a second compiler
  // is handed the very same analysis; not kept, it makes its own. (The huge one here is just past
  // the 128 KiB kept at most: each compile of it costs ~0.25 s of CPU, of 1.2 MB ~1.5 s.)
  const huge = Array.from({ length: 6_000 }, (_, i) => `const h${i} = { x: ${i} }`).join('\n');
  assert.ok(huge.length > 128 * 1024, 'past what is kept');
  const long = Array.from({ length: 100 }, (_, i) => `const l${i} = { x: ${i} }`).join('\n');
  const twice = (text: string) =>
    new EntryCompiler().compile(text, 1).analysis === new EntryCompiler().compile(text, 1).analysis;
  assert.equal(twice(huge), false, 'the huge entry is not kept');
  // A long one (the standard library's are 2-14 kB) is: the next session's compile is the same.
  assert.equal(twice(long), true, 'the long entry is kept');
  // A short one is not, unless asked (the standard library's short entry, which every new image
  // loads: it was stripped, parsed and rewritten again for each).
  const short = 'function double(x: number): number { return 2 * x }';
  assert.equal(twice(short), false, 'a short entry is not kept');
  const kept = () => new EntryCompiler().compile(short, 1, { keep: true }).analysis;
  assert.equal(kept(), kept(), 'a short entry asked to be kept is');
  // Many long ones: the oldest go, as many as needed to stay within the bound.
  const many = Array.from({ length: 40 }, (_, k) => `${long}\nconst m${k} = ${k}`);
  const first = new EntryCompiler().compile(many[0]!, 1).analysis;
  for (const text of many.slice(1)) new EntryCompiler().compile(text, 1);
  assert.notEqual(new EntryCompiler().compile(many[0]!, 1).analysis, first, 'the oldest went');
});

/**
 * Runs `body` (a module's text; it ends by printing a JSON value) in a Node process of its own, with
 * `modules` (name: path under src/) imported: what it printed, and the most memory it held, in MB.
 */
function measured(
  modules: Record<string, string>,
  body: string,
): { value: unknown; peakMB: number } {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const imports = Object.entries(modules)
    .map(([name, path]) => `import ${name} from ${JSON.stringify(join(here, '../src', path))};`)
    .join('\n');
  const child = spawnSync(
    process.execPath,
    [
      '--no-node-snapshot',
      '--input-type=module',
      '-e',
      `${imports}\nconst value = await (async () => { ${body} })();
       process.stdout.write(JSON.stringify({ value, peakMB: process.resourceUsage().maxRSS / 1024 }));
       process.exit(0);`,
    ],
    { encoding: 'utf8', env: cliEnv() },
  );
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { value: unknown; peakMB: number };
}

test('a huge file where a cache file goes (kernel data, sealed text) is not read: 1 GB was read whole at every start', () => {
  const scratch = tempDir();
  try {
    // Sparse files: 1 GB that takes no disk, and 1 GB of memory once read. Without reading them a
    // process holds ~100 MB.
    const huge = (path: string) => {
      writeFileSync(path, '');
      truncateSync(path, 2 ** 30);
    };
    const kernel = join(scratch.path, 'kernel.js');
    writeFileSync(kernel, `"use strict";\n(() => 7)();\n`);
    const dir = join(scratch.path, 'cache');
    mkdirSync(dir);
    huge(kernelCacheFile(kernel, dir));
    const compiled = measured(
      { '{ compileKernelScript }': 'runner/kernel-script.ts', ivm: 'runner/ivm.ts' },
      `const isolate = new ivm.Isolate({ memoryLimit: 32 });
       const { script } = compileKernelScript(isolate, ${JSON.stringify(kernel)}, ${JSON.stringify(dir)});
       return script.runSync(isolate.createContextSync());`,
    );
    assert.equal(compiled.value, 7);
    assert.ok(compiled.peakMB < 600, `the kernel's data was read: ${compiled.peakMB} MB`);

    const entry = join(scratch.path, 'entry.js');
    huge(entry);
    const sealed = measured(
      { '{ readSealed }': 'shared/sealed-file.ts' },
      `return readSealed(${JSON.stringify(entry)}) ?? null;`,
    );
    assert.equal(sealed.value, null);
    assert.ok(sealed.peakMB < 600, `the sealed text was read: ${sealed.peakMB} MB`);
  } finally {
    scratch.remove();
  }
});

/** A session script as scripts/module-to-script.ts makes them: its exports, from its parameters. */
const sessionScript = (answer: string) =>
  `(async function (require, __vivImportMeta) {"use strict";\n` +
  `const seen = [];\nfunction runMain(argv) { seen.push(argv); return ${answer}; }\n` +
  `return { runMain, url: __vivImportMeta.url, path: require.resolve('./x.js') };\n})\n`;

/** In `folder`: a session script answering 42 (and the x.js it resolves), and its cache folder. */
function sessionFiles(folder: string): { dir: string; path: string } {
  const path = join(folder, 'session.js');
  writeFileSync(path, sessionScript('41 + 1'));
  writeFileSync(join(folder, 'x.js'), '');
  return { dir: join(folder, 'cache'), path };
}

test('the session script runs from cached data made by a run of its kind; damaged data, or none for the kind, means compiling it', async () => {
  const scratch = tempDir();
  try {
    const { dir, path } = sessionFiles(scratch.path);
    const kept = () =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.v8'))
        .sort();

    // Data of earlier builds: removed once a day old (a day: another checkout may still use it).
    mkdirSync(dir);
    const old = join(dir, 'session-batch-0123456789abcdef.v8');
    const recent = join(dir, 'session-batch-fedcba9876543210.v8');
    const otherKind = join(dir, 'session-repl-0123456789abcdef.v8');
    for (const file of [old, recent, otherKind]) writeFileSync(file, 'x');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    utimesSync(otherKind, twoDaysAgo, twoDaysAgo);

    const first = await loadSession(path, 'batch', dir);
    assert.equal(first.from, 'compiled');
    const session = first.session as unknown as { runMain(a: string[]): unknown; url: string };
    assert.equal(session.runMain([]), 42);
    assert.equal(session.url, pathToFileURL(path).href, 'import.meta is the script file');
    first.keep();
    assert.ok(!existsSync(old), 'the data of a bundle since rebuilt is gone');
    for (const file of [recent, otherKind]) rmSync(file);
    assert.equal(kept().length, 1, 'the data made by the run is kept');
    assert.match(kept()[0]!, /^session-batch-[0-9a-f]{16}\.v8$/);

    const second = await loadSession(path, 'batch', dir);
    assert.equal(second.from, 'file');
    assert.equal((second.session.runMain as () => unknown)(), 42);
    // Another kind of run (the REPL) does not take what batch mode compiled: it makes its own.
    assert.equal((await loadSession(path, 'repl', dir)).from, 'compiled');

    // Damaged data (one byte of it changed) is not used.
    const file = join(dir, kept()[0]!);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(file, bytes);
    const damaged = await loadSession(path, 'batch', dir);
    assert.equal(damaged.from, 'compiled');
    damaged.keep();
    assert.equal((await loadSession(path, 'batch', dir)).from, 'file', 'made again');

    // Edited to a text of the same length: its own text runs (V8 checks only the length).
    writeFileSync(path, sessionScript('40 + 3'));
    const edited = await loadSession(path, 'batch', dir);
    assert.equal(edited.from, 'compiled');
    assert.equal((edited.session.runMain as () => unknown)(), 43);

    // No kind (--help, --version): nothing is made.
    const before = kept();
    (await loadSession(path, undefined, dir)).keep();
    assert.deepEqual(kept(), before);
  } finally {
    scratch.remove();
  }
});

test('a run that stops early, before its data is made at 3 s, does not keep it: a mistyped option would have served every later run of its kind', () => {
  const scratch = tempDir();
  try {
    const { dir, path } = sessionFiles(scratch.path);
    const module = pathToFileURL(
      fileURLToPath(new URL('../src/session/session-script.ts', import.meta.url)),
    ).href;
    // A run of the REPL's kind that ends at once with `code` (as `viv --bogus` on a terminal).
    const run = (code: number) => {
      const child = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { loadSession } = await import(${JSON.stringify(module)});\n` +
            `await loadSession(${JSON.stringify(path)}, 'repl', ${JSON.stringify(dir)});\n` +
            `process.exitCode = ${code};`,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(child.status, code, child.stderr);
      return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.v8')) : [];
    };
    assert.deepEqual(run(2), [], 'a usage error keeps nothing');
    assert.deepEqual(run(130), [], 'nor an opening cancelled');
    assert.equal(run(1).length, 1, 'a batch run with an entry that failed keeps its data at exit');
    rmSync(dir, { recursive: true });
    assert.equal(run(0).length, 1, 'a run that succeeded keeps its data at exit');
  } finally {
    scratch.remove();
  }
});

test('the temporary file of a writer killed while it wrote its data goes with the old data, a day later', async () => {
  const scratch = tempDir();
  try {
    const { dir, path } = sessionFiles(scratch.path);
    mkdirSync(dir);
    // Left by a `viv` killed (kill -9) while it wrote: nothing renames or removes it.
    const killed = join(dir, 'session-batch-0123456789abcdef.v8.4242.tmp');
    const writing = join(dir, 'session-batch-fedcba9876543210.v8.4343.tmp');
    const other = join(dir, 'notes.tmp');
    for (const file of [killed, writing, other]) writeFileSync(file, 'x');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    for (const file of [killed, other]) utimesSync(file, twoDaysAgo, twoDaysAgo);
    (await loadSession(path, 'batch', dir)).keep();
    assert.ok(!existsSync(killed), "a day-old writer's temporary file is gone");
    assert.ok(existsSync(writing), 'a recent one is left (its writer may be writing it)');
    assert.ok(existsSync(other), 'a file not of the cache is left');
  } finally {
    scratch.remove();
  }
});

test("viv --batch keeps the session's compiled code, and the next run uses it without making it again; viv jupyter install keeps none", () => {
  const scratch = tempDir();
  try {
    const cache = join(scratch.path, 'cache');
    const run = () =>
      spawnSync(process.execPath, [CLI, '--batch'], {
        encoding: 'utf8',
        input: '6 * 7\n',
        env: cliEnv({ ...process.env, NODE_COMPILE_CACHE: cache, VIV_SOURCES: '' }),
      });
    const kept = () =>
      readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) =>
        /vivarium-session[\\/]session-batch-.*\.v8$/.test(f),
      );
    const first = run();
    assert.equal(first.stdout.trim(), '42', first.stderr);
    assert.equal(kept().length, 1, 'made at the first run');
    const file = join(cache, kept()[0]!);
    const { ino, mtimeMs } = statSync(file);
    const second = run();
    assert.equal(second.stdout.trim(), '42', second.stderr);
    assert.deepEqual(
      { ino: statSync(file).ino, mtimeMs: statSync(file).mtimeMs },
      { ino, mtimeMs },
      'used, not made again',
    );
    // `viv jupyter install` (run once, before any kernel) makes no data: the kernel's would be
    // what the install compiled, about half of what a kernel does.
    const install = spawnSync(
      process.execPath,
      [CLI, 'jupyter', 'install', '--prefix', join(scratch.path, 'prefix')],
      {
        encoding: 'utf8',
        env: cliEnv({ ...process.env, NODE_COMPILE_CACHE: cache, VIV_SOURCES: '' }),
      },
    );
    assert.equal(install.status, 0, install.stderr);
    assert.deepEqual(
      readdirSync(cache, { recursive: true, encoding: 'utf8' }).filter((f) =>
        /session-jupyter-/.test(f),
      ),
      [],
    );
  } finally {
    scratch.remove();
  }
});

test('a cache file another user put in the (shared) cache folder is not taken: the caches hold code that runs', async (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root, to give a file to another user');
  const scratch = tempDir();
  try {
    // The session's data, made and kept; then the same file, owned by another user.
    const { dir, path } = sessionFiles(scratch.path);
    (await loadSession(path, 'batch', dir)).keep();
    assert.equal((await loadSession(path, 'batch', dir)).from, 'file');
    for (const name of readdirSync(dir)) chownSync(join(dir, name), 65534, 65534);
    assert.equal((await loadSession(path, 'batch', dir)).from, 'compiled', 'not taken');
    // A sealed text (a stripped or compiled script), the same.
    const sealed = join(dir, 'text.js');
    writeSealed(dir, sealed, 'export const a = 1;');
    assert.equal(readSealed(sealed), 'export const a = 1;');
    chownSync(sealed, 65534, 65534);
    assert.equal(readSealed(sealed), undefined);
  } finally {
    scratch.remove();
  }
});
