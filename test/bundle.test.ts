// The bundle (scripts/bundle.ts): `viv` runs from it while it is fresh, and from the sources as
// soon as any source it was built from changes, so an edited checkout never runs stale code.
// Done in a copy of the checkout (bin/, src/, stdlib/, scripts/ and package.json; node_modules
// linked), never in this one: other tests run from it at the same time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInThisContext } from 'node:vm';
import { cliEnv, tempDir } from './helpers.ts';
import { moduleToScript } from '../scripts/module-to-script.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

/** A copy of the checkout in `dir` to build and run (node_modules linked, not copied). */
function copyCheckout(dir: string): void {
  for (const part of ['bin', 'src', 'stdlib', 'scripts', 'package.json']) {
    cpSync(join(ROOT, part), join(dir, part), { recursive: true });
  }
  // The packages linked one by one, and npm's record of them copied: a test may touch the record.
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '.package-lock.json') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
  cpSync(
    join(ROOT, 'node_modules', '.package-lock.json'),
    join(dir, 'node_modules', '.package-lock.json'),
  );
}

/** `to` made as `from`, its folders made and its files linked one by one. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) linkTree(join(from, entry.name), join(to, entry.name));
    else symlinkSync(join(from, entry.name), join(to, entry.name));
  }
}

/** The JavaScript files of a bundle, in all its folders. */
function bundleFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js'))
    .map((f) => join(dir, f));
}

describe('one copy of the checkout, built, edited and built again', () => {
  // A build costs ~0.9 s of CPU, a copy of the checkout and its first run from the sources ~0.6 s:
  // the tests share this copy and its two builds, in order. The first build has a source edited
  // while it runs (the first test puts it back); the third test damages the bundle's files and
  // puts each back; the ones after it edit sources.
  const dir = tempDir();
  // npm's record of the packages at a whole second, so that the second test can put it back exactly.
  const record = join(dir.path, 'node_modules', '.package-lock.json');
  const recorded = new Date(Math.floor(Date.now() / 1000 - 60) * 1000);
  const cliArgs = join(dir.path, 'src', 'session', 'cli-args.ts');
  // An isolated-vm of its own, whose native binaries (linked one by one) can be taken away.
  // (Its JavaScript is copied: linked, it would find its binaries from where the link points.)
  const realIvm = join(ROOT, 'node_modules', 'isolated-vm');
  const ivm = join(dir.path, 'node_modules', 'isolated-vm');
  const binaries = ['prebuilds', 'build'];
  const build = () => {
    const built = spawnSync(process.execPath, [join(dir.path, 'scripts', 'bundle.ts')], {
      encoding: 'utf8',
      env: cliEnv(),
    });
    assert.equal(built.status, 0, built.stderr);
    assert.doesNotMatch(built.stderr, /could not bundle/);
    assert.match(built.stdout, /^bundled \d+ sources/);
  };
  const viv = (...args: string[]) =>
    spawnSync(process.execPath, [join(dir.path, 'bin', 'viv.js'), ...args], {
      encoding: 'utf8',
      input: '6 * 7\n',
      env: cliEnv({ ...process.env, VIV_SOURCES: '' }),
    });
  /** The bundle's copy of the usage line marked (the same length), to see that the bundle runs. */
  const markUsage = () => {
    const marked = bundleFiles(join(dir.path, 'dist')).find((f) =>
      readFileSync(f, 'utf8').includes('usage: viv [IMAGE]'),
    );
    assert.ok(marked, 'the usage text is in the bundle');
    const unmarked = readFileSync(marked);
    writeFileSync(marked, String(unmarked).replace('usage: viv [IMAGE]', 'USAGE: viv [IMAGE]'));
    return () => writeFileSync(marked, unmarked);
  };
  const kernel = join(dir.path, 'dist', 'kernel.js');
  /** Whether the copy's dist/ is what a build would make now (its bundle.ts's check, in process). */
  const upToDate = async () =>
    (
      (await import(
        pathToFileURL(join(dir.path, 'scripts', 'bundle.ts')).href
      )) as typeof import('../scripts/bundle.ts')
    ).upToDate();
  const pending = (image: string) =>
    spawnSync(process.execPath, [join(dir.path, 'bin', 'viv.js'), '--batch', image], {
      encoding: 'utf8',
      input: 'new Promise(() => {})\n',
      env: { ...process.env, VIV_SOURCES: '' },
    }).stdout.trim();

  before(() => {
    copyCheckout(dir.path);
    rmSync(ivm);
    mkdirSync(ivm);
    for (const entry of readdirSync(realIvm)) {
      if (binaries.includes(entry)) continue;
      if (entry === 'package.json' || entry.endsWith('.js')) {
        cpSync(join(realIvm, entry), join(ivm, entry));
      } else symlinkSync(join(realIvm, entry), join(ivm, entry));
    }
    // What a build killed half way leaves (its pid is gone): removed by the next build.
    for (const left of ['dist.999999999.new', 'dist.999999998.old']) {
      mkdirSync(join(dir.path, left, 'chunks'), { recursive: true });
    }
    utimesSync(record, recorded, recorded);
    // The source the first test edits, at a whole second, so that it can be put back exactly.
    utimesSync(cliArgs, recorded, recorded);
    // Built while isolated-vm has no binary to be found (not built yet): the bundle is made all
    // the same (its runner is to load isolated-vm the usual way); the binaries come in the second
    // test. And with an editor saving cli-args.ts just after esbuild has read it (the first test).
    const hooked = `
      import fsp from 'node:fs/promises';
      import { writeFileSync } from 'node:fs';
      import { syncBuiltinESMExports } from 'node:module';
      const readFile = fsp.readFile;
      fsp.readFile = async (path, ...rest) => {
        const text = await readFile(path, ...rest);
        if (String(path).endsWith('cli-args.ts')) {
          writeFileSync(path, String(text).replace('usage: viv', 'usage (edited while bundling): viv'));
        }
        return text;
      };
      syncBuiltinESMExports();
      await (await import(process.argv[1])).bundle();`;
    const built = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', hooked, join(dir.path, 'scripts', 'bundle.ts')],
      { encoding: 'utf8', env: cliEnv() },
    );
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /^bundled \d+ sources/);
  });
  after(() => dir.remove());

  test('a source edited while the bundle is built makes viv run the sources, with the edit; put back as it was, the bundle', () => {
    const source = readFileSync(cliArgs, 'utf8');
    assert.match(source, /usage \(edited while bundling\)/, 'the edit happened during the build');
    const edited = viv('--help');
    assert.equal(edited.status, 0, edited.stderr);
    assert.match(edited.stdout, /^usage \(edited while bundling\): viv/);
    // The file as the build read it (its text, its modification time): the bundle runs again.
    writeFileSync(cliArgs, source.replace('usage (edited while bundling): viv', 'usage: viv'));
    utimesSync(cliArgs, recorded, recorded);
    const unmark = markUsage();
    assert.match(viv('--help').stdout, /^USAGE: viv/, 'the bundle runs');
    unmark();
  });

  test('a build not needed is not made; the isolated-vm binary found since, or the recipe edited, makes one needed', async () => {
    // Built already (see before): building again makes nothing while dist/ is what it would make.
    const inputsFile = join(dir.path, 'dist', 'inputs.json');
    const builtAt = statSync(inputsFile).mtimeMs;
    const again = spawnSync(process.execPath, [join(dir.path, 'scripts', 'bundle.ts')], {
      encoding: 'utf8',
      env: cliEnv(),
    });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /\bdist\/ is up to date$/m);
    assert.equal(statSync(inputsFile).mtimeMs, builtAt, 'nothing was written');
    // isolated-vm's binaries there now (they were not found at the build): one is needed (the
    // test after next builds).
    assert.equal(await upToDate(), true);
    for (const part of binaries) {
      if (readdirSync(realIvm).includes(part)) linkTree(join(realIvm, part), join(ivm, part));
    }
    assert.equal(await upToDate(), false, 'a binary found since the build: not up to date');
  });

  test('a bundle with a file cut short, or a damaged inputs.json, is not run: the sources are; a killed build leaves nothing behind', () => {
    assert.deepEqual(
      readdirSync(dir.path).filter((f) => f.startsWith('dist')),
      ['dist'],
    );
    const batch = () => viv('--batch', '--image', join(dir.path, 'cut.json'));
    // (Built when isolated-vm had no binary to be found: its runner took isolated-vm the usual way.)
    assert.equal(batch().stdout.trim(), '42');

    // A file of the bundle cut to half its length (a disk that filled up, a copy stopped): the
    // session's script, the runner's entry, and the session's first steps: viv runs from the sources,
    // with no SyntaxError. (Every file is checked the same way: three stand for all.) Which ran
    // shows in the usage line, marked in the bundle's copy; the runner's, cut, is run end to end.
    const inputs = join(dir.path, 'dist', 'inputs.json');
    const files = bundleFiles(join(dir.path, 'dist'));
    assert.deepEqual(
      files.map((f) => relative(join(dir.path, 'dist'), f)).sort(),
      ['kernel.js', 'runner/main.js', 'session.js', 'session/start.js'],
      'the bundle has its files',
    );
    const unmark = markUsage();
    const help = () => viv('--help');
    assert.match(help().stdout, /^USAGE: viv/, 'the marked bundle runs while it is whole');
    const start = join(dir.path, 'dist', 'session', 'start.js');
    const runner = join(dir.path, 'dist', 'runner', 'main.js');
    for (const file of [join(dir.path, 'dist', 'session.js'), runner, start]) {
      const whole = readFileSync(file);
      writeFileSync(file, whole.subarray(0, whole.length >> 1));
      const run = help();
      assert.equal(run.status, 0, `${file} cut short: ${run.stderr}`);
      assert.match(run.stdout, /^usage: viv/, `${file} cut short: the sources run`);
      if (file === runner) {
        const entries = batch();
        assert.equal(entries.status, 0, `${file} cut short: ${entries.stderr}`);
        assert.equal(entries.stdout.trim(), '42', `${file} cut short`);
      }
      writeFileSync(file, whole);
    }

    // Damaged with its size unchanged (an edit; blocks a crash left zeroed), so that it does not
    // compile: the session's script and the module that loads it: the sources run.
    for (const file of [join(dir.path, 'dist', 'session.js'), start]) {
      const whole = readFileSync(file);
      const at = whole.lastIndexOf('function ');
      assert.ok(at > 0, file);
      const damaged = Buffer.from(whole);
      damaged.fill(0, at, at + 'function '.length);
      writeFileSync(file, damaged);
      const run = help();
      assert.equal(run.status, 0, `${file} damaged: ${run.stderr}`);
      assert.match(run.stdout, /^usage: viv/, `${file} damaged: the sources run`);
      writeFileSync(file, whole);
    }

    // inputs.json cut short, or garbage: the sources run (it decides for the whole bundle).
    const text = readFileSync(inputs, 'utf8');
    for (const damaged of [text.slice(0, text.length >> 1), '{"root":1}']) {
      writeFileSync(inputs, damaged);
      const run = help();
      assert.equal(
        run.status,
        0,
        `inputs.json ${JSON.stringify(damaged.slice(0, 20))}: ${run.stderr}`,
      );
      assert.match(run.stdout, /^usage: viv/);
    }
    // The bundle as it was built, for the next test.
    writeFileSync(inputs, text);
    unmark();
  });

  test('viv runs from its bundle while it is fresh, and from the sources once one is edited', async () => {
    const inputs = JSON.parse(readFileSync(join(dir.path, 'dist', 'inputs.json'), 'utf8'));
    assert.equal(inputs.root, dir.path + '/');
    assert.ok(Object.keys(inputs.files).includes('src/session/cli.ts'));

    // Fresh: the bundle runs. (Its copy of the usage line is marked, to see which one ran.)
    markUsage();
    assert.match(viv('--help').stdout, /^USAGE: viv/);
    // The bundled session runs the bundled guest runner, and an entry works end to end.
    const batch = viv('--batch', join(dir.path, 'img.json'));
    assert.equal(batch.status, 0, batch.stderr);
    assert.equal(batch.stdout.trim(), '42');
    assert.ok(readdirSync(join(dir.path, 'dist', 'runner')).includes('main.js'));

    // Packages installed or updated since (npm rewrites its record of them): the sources run...
    const later = new Date(Date.now() + 60_000);
    utimesSync(record, later, later);
    assert.match(viv('--help').stdout, /^usage: viv/);
    // ...and with the record as the bundle was built from, the bundle again (no build between).
    utimesSync(record, recorded, recorded);
    assert.match(viv('--help').stdout, /^USAGE: viv/);

    // The kernel runs in the isolate from its own bundle, one module (marked the same way)...
    assert.ok(Object.keys(inputs.files).includes('src/kernel/inspect/shape.ts'));
    writeFileSync(kernel, readFileSync(kernel, 'utf8').replace('"<pending>"', '"<PENDING>"'));
    assert.equal(pending(join(dir.path, 'k1.json')), 'Promise { <PENDING> }');
    // ...and a kernel source edited makes the whole bundle stale: the kernel's sources run.
    const value = join(dir.path, 'src', 'kernel', 'inspect', 'shape.ts');
    writeFileSync(value, readFileSync(value, 'utf8') + '\n');
    assert.equal(pending(join(dir.path, 'k2.json')), 'Promise { <pending> }');
    assert.match(viv('--help').stdout, /^usage: viv/);
    // Built again (with isolated-vm's binaries there now: the next test).
    build();
    // Up to date after the build, and not once the build's own recipe is edited (the check in
    // process; viv itself still runs the bundle: built from the same sources, it is not stale).
    assert.equal(await upToDate(), true);
    const recipe = join(dir.path, 'scripts', 'module-to-script.ts');
    const { atime, mtime } = statSync(recipe);
    utimesSync(recipe, atime, new Date(mtime.getTime() + 1000));
    assert.equal(await upToDate(), false, 'a recipe edited since: not up to date');
  });

  test('the bundled runner opens the isolated-vm binary found at build time; without one found, or with it gone since, it takes isolated-vm the usual way', () => {
    // Built before the binaries were there (see before), its runner took isolated-vm the usual
    // way (the first test's entries). Built again with them there (the test before), the one picked
    // is recorded: then that file gone, and the same binary built in a folder node-gyp-build looks
    // in first: the runner finds that one.
    const gypBuild = createRequire(join(ivm, 'package.json'))('node-gyp-build') as {
      path(dir: string): string;
    };
    const recorded = gypBuild.path(ivm);
    const binary = realpathSync(recorded);
    rmSync(recorded);
    const release = join(ivm, 'build', 'Release');
    const elsewhere = dirname(recorded) === release ? join(ivm, 'build', 'Debug') : release;
    mkdirSync(elsewhere, { recursive: true });
    symlinkSync(binary, join(elsewhere, 'isolated_vm.node'));
    const unmark = markUsage();
    assert.match(viv('--help').stdout, /^USAGE: viv/, 'the bundle runs');
    const run = viv('--batch', '--image', join(dir.path, 'b.json'));
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), '42');
    unmark();
  });

  test('a bundle missing a file, or a source edited, runs the sources; the runner from its sources runs the bundled kernel', () => {
    // A bundle missing a file (deleted by hand, half copied): the sources run instead.
    rmSync(join(dir.path, 'dist', 'session', 'start.js'));
    const fallback = viv('--help');
    assert.equal(fallback.status, 0, fallback.stderr);
    assert.match(fallback.stdout, /^usage: viv/);

    // One source edited: the sources run, with the edit.
    const source = join(dir.path, 'src', 'session', 'cli-args.ts');
    writeFileSync(
      source,
      readFileSync(source, 'utf8').replace('usage: viv', 'usage (edited): viv'),
    );
    assert.match(viv('--help').stdout, /^usage \(edited\): viv/);
    assert.equal(viv('--batch', join(dir.path, 'img.json')).stdout.trim(), '42');
    // The runner, from its sources too, still runs the bundled kernel (one script, compiled from
    // cached data): the kernel's own sources are as it was built from. (Marked again.)
    writeFileSync(kernel, readFileSync(kernel, 'utf8').replace('"<pending>"', '"<PENDING>"'));
    assert.equal(pending(join(dir.path, 'k3.json')), 'Promise { <PENDING> }');
  });
});

test('the session module is made a script: its closing export returned, comments made ASCII; a module needing a loader refused', async () => {
  const module = [
    'var a = 1;',
    '// a comment \u2014 about \u00b5s and \ud83d\ude00',
    "const s = '\\u00e9';",
    'function f() { return __vivImportMeta.url + s; }',
    'export {',
    '  a as b,',
    '  f',
    '};',
    '//# sourceMappingURL=session.js.map',
    '',
  ].join('\n');
  const script = moduleToScript(module, [{ path: 'node_modules/x/y.js', kind: 'require-call' }]);
  assert.equal(script.split('\n')[3], module.split('\n')[3], 'no line moves');
  assert.equal(script.split('\n')[1], '// a comment ? about ?s and ?', 'ASCII');
  assert.match(script, /\n\/\/# sourceMappingURL=session\.js\.map\n$/);
  const run = runInThisContext(script) as (r: unknown, m: unknown) => Promise<Record<string, any>>;
  const exports = await run(undefined, { url: 'file:///x.js' });
  assert.deepEqual(Object.keys(exports), ['b', 'f']);
  assert.equal(exports.b, 1);
  assert.equal(exports.f(), 'file:///x.js\u00e9');
  for (const [kind, says] of [
    ['import-statement', /imports what a script cannot: zeromq \(import-statement\)/],
    ['dynamic-import', /imports what a script cannot: zeromq \(dynamic-import\)/],
  ] as const) {
    assert.throws(() => moduleToScript(module, [{ path: 'zeromq', kind, external: true }]), says);
  }
  assert.throws(() => moduleToScript('var a = 1;\n', []), /does not end with one export/);
});

test("the session script takes Node's built-ins where its modules first run: starting it loads neither crypto nor fs/promises (the Jupyter kernel's)", () => {
  const probe = `
    const { loadSession } = await import(${JSON.stringify(join(ROOT, 'dist', 'session', 'start.js'))});
    const before = new Set(process.moduleLoadList);
    await loadSession(${JSON.stringify(join(ROOT, 'dist', 'session.js'))}, undefined);
    console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    encoding: 'utf8',
    env: cliEnv(),
  });
  assert.equal(run.status, 0, run.stderr);
  const loaded: string[] = JSON.parse(run.stdout);
  assert.ok(
    loaded.includes('NativeModule timers/promises'),
    'the probe sees what the script loads',
  );
  for (const lazy of ['crypto', 'fs/promises', 'readline']) {
    assert.ok(!loaded.includes(`NativeModule ${lazy}`), `node:${lazy} is not loaded at the start`);
  }
  // Nor, drawing the REPL, node:assert (~1.9 ms), which only ink's signal-exit asked for.
  const script = readFileSync(join(ROOT, 'dist', 'session.js'), 'latin1');
  assert.ok(
    !script.includes('getBuiltinModule("node:assert")'),
    'node:assert is not in the script',
  );
});
