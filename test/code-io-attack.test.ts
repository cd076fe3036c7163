// Code in and out of the image under attack (issue 13): hostile definition names, hand-edited
// manifests, files from other editors and systems (a BOM, CRLF, NUL bytes, an unfinished end), an
// export into a file or onto a full disk, and editors that fail or delete their file. In process
// through the real engine and isolate, with real files; the full disk is a real tmpfs (root only);
// the CLI killed during an :import is the real CLI.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { session, shown } from './support/session.ts';
import { savedEnv, setEnv } from './support/env.ts';
import { startCli, tempDir, withSmallDisk } from './helpers.ts';

/** Every file of a folder and its bytes. */
function folder(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((f) => [f, readFileSync(join(dir, f), 'latin1')]),
  );
}

function withEnv(vars: Record<string, string | undefined>, run: () => Promise<void>) {
  const restore = savedEnv(Object.keys(vars));
  setEnv(vars);
  return run().finally(restore);
}

test(':export of names longer than a file name may be, unicode, CON, constructor: every one exported, and imported back', async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    const long = 'a'.repeat(300);
    const longer = 'a'.repeat(299) + 'b';
    const accents = 'é'.repeat(60);
    const build = [
      `const ${long} = 1`,
      `const ${longer} = 2`,
      `const ${accents} = 3`,
      'const CON = 4',
      'const con = 5',
      'function constructor() { return 6 }',
    ];
    const first = await session([...build, ':export ' + code]);
    assert.equal(first.results.at(-1)!.ok, true, shown(first).at(-1));
    const files = readdirSync(code);
    assert.equal(files.length, 7, files.join(' '));
    for (const file of files) assert.ok(Buffer.byteLength(file) <= 255, file);
    const back = await session([
      ':import ' + code,
      `${long} + ${longer} + ${accents} + CON + con + constructor()`,
    ]);
    assert.equal(shown(back)[1], '21');
    // Stable: exporting again writes the same names and bytes.
    const before = folder(code);
    await session([...build, ':export ' + code]);
    assert.deepEqual(folder(code), before);
  } finally {
    dir.remove();
  }
});

test(':import of a CRLF or BOM copy of an unchanged export makes no new version', async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    const build = ['function f(n: number) {\n  return n + 1\n}', 'const k = 5'];
    await session([...build, ':export ' + code]);
    // As git with core.autocrlf, or a Windows editor, writes them.
    for (const file of ['f.ts', 'k.ts']) {
      const text = readFileSync(join(code, file), 'utf8');
      writeFileSync(join(code, file), '\uFEFF' + text.replace(/\n/g, '\r\n'));
    }
    const run = await session([...build, ':import ' + code, ':history f', 'f(1)']);
    assert.equal(shown(run)[2], `imported ${code}: nothing changed; 2 unchanged`);
    assert.match(shown(run)[3]!, /1 version\(s\)/);
    assert.equal(shown(run)[4], '2');
    // A changed CRLF file is stored with \n line ends, as typed source is.
    writeFileSync(join(code, 'f.ts'), 'function f(n: number) {\r\n  return n + 2\r\n}\r\n');
    const changed = await session([...build, ':import ' + code, ':export ' + code]);
    assert.equal(shown(changed)[2], `imported ${code}: f v2; 1 unchanged`);
    assert.equal(
      readFileSync(join(code, 'f.ts'), 'utf8'),
      'function f(n: number) {\n  return n + 2\n}\n',
    );
  } finally {
    dir.remove();
  }
});

test(':load and :import of a file unfinished at its end, or of binary bytes, name the file and line and change nothing', async () => {
  const dir = tempDir();
  try {
    const end = join(dir.path, 'end.ts');
    writeFileSync(end, 'const a = 1\nconst b = (\n\n');
    const binary = join(dir.path, 'bin.ts');
    writeFileSync(binary, Buffer.from([0x7b, 0, 1, 2, 255, 254, 10]));
    const run = await session([
      ':load ' + end,
      ':import ' + end,
      ':import ' + binary,
      ':load ' + binary,
      'typeof a',
    ]);
    const [load, imported, bin, binLoad] = run.results;
    assert.equal(
      load!.error!.message,
      `${end}:2: incomplete at the end of the file: Unexpected token`,
    );
    assert.deepEqual([load!.error!.file, load!.error!.line], [end, 2]);
    assert.equal(
      imported!.error!.message,
      `${end}:2: incomplete at the end of the file: Unexpected token`,
    );
    assert.equal(
      bin!.error!.message,
      `${binary} is not a text file (it holds NUL bytes): not code`,
    );
    assert.equal(
      binLoad!.error!.message,
      `cannot load ${binary}: ${binary} is not a text file (it holds NUL bytes): not code`,
    );
    assert.equal(shown(run)[4], "'undefined'");
  } finally {
    dir.remove();
  }
});

test('a hand-edited manifest naming README.md, the manifest itself or ../x as a file, or a name twice, is refused; export never removes what is not a definition file', async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    await session(['function f() { return 1 }', ':export ' + code]);
    writeFileSync(join(code, 'README.md'), 'notes\n');
    const manifest = JSON.parse(readFileSync(join(code, 'vivarium.json'), 'utf8'));
    const cases: [object, string][] = [
      [
        { name: 'g', kind: 'function', version: 1, file: 'README.md' },
        'definitions[1].file "README.md" must be a .ts or .js file directly in the folder',
      ],
      [
        { name: 'g', kind: 'function', version: 1, file: 'vivarium.json' },
        'definitions[1].file "vivarium.json" must be a .ts or .js file directly in the folder',
      ],
      [
        { name: 'g', kind: 'function', version: 1, file: '../../etc/passwd' },
        'definitions[1].file "../../etc/passwd" must be a .ts or .js file directly in the folder',
      ],
      [
        { name: 'f', kind: 'function', version: 1, file: 'g.ts' },
        'definitions[1]: "f" is listed twice, in f.ts and in g.ts',
      ],
    ];
    for (const [entry, why] of cases) {
      writeFileSync(
        join(code, 'vivarium.json'),
        JSON.stringify({ ...manifest, definitions: [...manifest.definitions, entry] }),
      );
      const before = folder(code);
      const run = await session([
        'function h() { return 2 }',
        ':import ' + code,
        ':export ' + code,
        'typeof f',
      ]);
      const path = join(code, 'vivarium.json');
      assert.equal(run.results[1]!.error!.message, `${path}: ${why}`);
      assert.equal(run.results[2]!.error!.message, `${path}: ${why}`);
      assert.equal(shown(run)[3], "'undefined'", 'nothing was imported');
      assert.deepEqual(folder(code), before, 'nothing was written or removed');
    }
  } finally {
    dir.remove();
  }
});

test("a manifest's packages must be registry names at exact versions: a URL, a path, shell text or a range is refused before npm runs", async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    await session(['function f() { return 1 }', ':export ' + code]);
    const manifest = JSON.parse(readFileSync(join(code, 'vivarium.json'), 'utf8'));
    const cases: [object, string][] = [
      [
        { name: 'x; rm -rf /', version: '1.0.0' },
        'packages[0].name "x; rm -rf /" is not an npm package name (only registry packages are installed: no URLs, paths or git)',
      ],
      [
        { name: '../x', version: '1.0.0' },
        'packages[0].name "../x" is not an npm package name (only registry packages are installed: no URLs, paths or git)',
      ],
      [
        { name: 'git+https://example.com/x.git', version: '1.0.0' },
        'packages[0].name "git+https://example.com/x.git" is not an npm package name (only registry packages are installed: no URLs, paths or git)',
      ],
      [
        { name: 'lodash', version: 'file:../..' },
        'packages[0].version "file:../.." of lodash is not an exact version (as 1.2.3)',
      ],
      [
        { name: 'lodash', version: 'https://example.com/lodash.tgz' },
        'packages[0].version "https://example.com/lodash.tgz" of lodash is not an exact version (as 1.2.3)',
      ],
      [
        { name: 'lodash', version: '^4' },
        'packages[0].version "^4" of lodash is not an exact version (as 1.2.3)',
      ],
    ];
    for (const [entry, why] of cases) {
      writeFileSync(
        join(code, 'vivarium.json'),
        JSON.stringify({ ...manifest, packages: [entry] }),
      );
      const run = await session([':import ' + code, ':defs']);
      assert.equal(run.results[0]!.error!.message, `${join(code, 'vivarium.json')}: ${why}`);
      assert.doesNotMatch(shown(run)[1]!, /module/);
    }
  } finally {
    dir.remove();
  }
});

test(':install accepts only registry names and versions: a URL, tarball, git, file: or shell text is refused, saying so', async () => {
  const specs = [
    'x; rm -rf /',
    'file:../..',
    'git+https://github.com/a/b.git',
    'https://example.com/a-1.0.0.tgz',
    '../x',
    'lodash@file:../x',
    'lodash@git+https://x/y',
  ];
  const run = await session(specs.map((s) => ':install ' + s));
  run.results.forEach((r, i) => {
    assert.equal(r.error!.name, 'UsageError');
    assert.equal(
      r.error!.message,
      `'${specs[i]}' is not an npm package name with an optional version: only packages from the registry are installed (NAME, NAME@1.2.3, NAME@^1, @scope/NAME), never a URL, a path, a tarball or git`,
    );
  });
});

test(':export into a file, or below one, says so and writes nothing', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'afile');
    writeFileSync(file, 'x');
    const run = await session(['const k = 1', ':export ' + file, ':export ' + join(file, 'sub')]);
    assert.equal(
      run.results[1]!.error!.message,
      `cannot export to ${file}: it is a file, not a folder`,
    );
    assert.equal(
      run.results[2]!.error!.message,
      `cannot export to ${join(file, 'sub')}: ${file} is a file, not a folder`,
    );
    assert.equal(readFileSync(file, 'utf8'), 'x');
  } finally {
    dir.remove();
  }
});

test(':export onto a full disk fails, saying so, and leaves the previous export whole', async (t) => {
  await withSmallDisk(t, '64k', async (mount) => {
    const code = join(mount, 'code');
    const small = ['function f() { return 1 }', 'const k = 2'];
    await session([...small, ':export ' + code]);
    const before = folder(code);
    // f grows past what the disk holds; the manifest changes too (f's version).
    const big = `function f() { return ${JSON.stringify('x'.repeat(100_000))}.length }`;
    const run = await session([...small, big, ':export ' + code]);
    const error = run.results.at(-1)!.error!;
    assert.equal(error.name, 'ExportError');
    assert.equal(
      error.message,
      `cannot export to ${code}: the disk is full; the folder is as it was`,
    );
    assert.deepEqual(folder(code), before);
  });
});

test(':dump keeps a key named __proto__ as data', async () => {
  const dir = tempDir();
  try {
    const file = join(dir.path, 'd.json');
    const run = await session([
      'const data = JSON.parse(\'{"__proto__": {"a": 1}, "b": 2}\')',
      `:dump data ${file}`,
    ]);
    assert.equal(run.results[1]!.ok, true, shown(run)[1]);
    assert.deepEqual(Object.entries(JSON.parse(readFileSync(file, 'utf8'))), [
      ['__proto__', { a: 1 }],
      ['b', 2],
    ]);
  } finally {
    dir.remove();
  }
});

test(':edit with an editor that is missing, deletes the file, or leaves garbage: the edit is dropped or refused, and nothing changes', async () => {
  const dir = tempDir();
  try {
    const script = (name: string, body: string) => {
      const path = join(dir.path, name);
      writeFileSync(path, `#!/bin/sh\n${body}\n`);
      chmodSync(path, 0o755);
      return path;
    };
    await withEnv({ VISUAL: undefined, EDITOR: join(dir.path, 'no-such-editor') }, async () => {
      const run = await session(['function f() { return 1 }', ':edit f', 'f()']);
      assert.equal(
        shown(run)[1],
        `!EditError: cannot start the editor (${join(dir.path, 'no-such-editor')}): the shell found no such command`,
      );
      assert.equal(shown(run)[2], '1');
    });
    const remover = script('remover.sh', 'rm "$1"');
    await withEnv({ VISUAL: remover, EDITOR: undefined }, async () => {
      const run = await session(['function f() { return 1 }', ':edit f', 'f()']);
      assert.equal(
        shown(run)[1],
        `!EditError: the editor (${remover}) left no file to read (it was deleted): the edit was dropped`,
      );
      assert.equal(shown(run)[2], '1');
    });
    const garbage = script('garbage.sh', `printf 'function f() { return \\001 }' > "$1"`);
    await withEnv({ VISUAL: garbage, EDITOR: undefined }, async () => {
      const run = await session(['function f() { return 1 }', ':edit f', 'f()', ':history f']);
      assert.equal(run.results[1]!.error!.name, 'SyntaxError');
      assert.match(run.results[1]!.error!.message, /^f\.ts:1:\d+: /);
      assert.equal(shown(run)[2], '1');
      assert.match(shown(run)[3]!, /1 version\(s\)/);
    });
  } finally {
    dir.remove();
  }
});

/**
 * A package as npm would leave it in an image's package folder (node_modules and the lockfile),
 * made here so that the test needs no registry: an `import` takes what the folder holds.
 */
function fakePackage(folder: string, name: string, code: string): void {
  mkdirSync(join(folder, 'node_modules', name), { recursive: true });
  writeFileSync(
    join(folder, 'node_modules', name, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
  );
  writeFileSync(join(folder, 'node_modules', name, 'index.js'), code);
  writeFileSync(
    join(folder, 'package-lock.json'),
    JSON.stringify({
      lockfileVersion: 3,
      packages: { [`node_modules/${name}`]: { version: '1.0.0', integrity: 'sha512-test' } },
    }),
  );
}

test(":export names the image's packages as packages (not as standard library); a package that monkeypatches globals leaves export, save and reopen working", async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    const code = join(dir.path, 'code');
    fakePackage(
      join(dir.path, 'img.packages'),
      'patcher',
      'exports.x = 2; Array.prototype.push = function () { throw new Error("patched push") }; JSON.stringify = () => "HACK"; Object.keys = () => { throw new Error("patched keys") };',
    );
    const run = await session(
      ["import { x } from 'patcher'", 'function f() { return x + 1 }', ':export ' + code, ':defs'],
      { image },
    );
    assert.equal(run.results[0]!.ok, true, shown(run)[0]);
    const report = shown(run)[2]!.split('\n');
    assert.equal(
      report[0],
      `exported 2 definition files and vivarium.json to ${code} (3 files changed)`,
    );
    assert.equal(
      report[1],
      'npm packages (named in vivarium.json, installed by :import): patcher@1.0.0',
    );
    // As many standard library definitions as an image without packages has: the module is not one.
    const plain = await session([
      'function f() { return 1 }',
      ':export ' + join(dir.path, 'plain'),
    ]);
    assert.equal(report[2], shown(plain)[1]!.split('\n')[1]);
    assert.match(report[2]!, /^not exported: \d+ standard library definitions, unchanged$/);
    assert.match(shown(run)[3]!, /^patcher\s+module patcher@1\.0\.0/m);
    const reopened = await session(['f()', 'x'], { image });
    assert.deepEqual(shown(reopened), ['3', '2']);
  } finally {
    dir.remove();
  }
});

test(':import of a folder whose files declare one name twice is refused, naming both files', async () => {
  const dir = tempDir();
  try {
    writeFileSync(join(dir.path, 'a.ts'), 'function f() { return 1 }\n');
    writeFileSync(join(dir.path, 'b.ts'), 'function f() { return 2 }\n');
    const run = await session([':import ' + dir.path, 'typeof f']);
    assert.equal(
      run.results[0]!.error!.message,
      `f is declared in ${join(dir.path, 'a.ts')} and again in ${join(dir.path, 'b.ts')}: which one to keep? Remove one of them`,
    );
    assert.equal(shown(run)[1], "'undefined'");
  } finally {
    dir.remove();
  }
});

test(':load and :import refuse more than 8 MiB of code, saying so, instead of running the session out of memory', async () => {
  const dir = tempDir();
  try {
    const big = join(dir.path, 'big.ts');
    writeFileSync(big, `const s = ${JSON.stringify('y'.repeat(9 * 1024 * 1024))}\n`);
    const folder = join(dir.path, 'halves');
    mkdirSync(folder);
    for (const name of ['a', 'b']) {
      writeFileSync(
        join(folder, `${name}.ts`),
        `const ${name} = ${JSON.stringify('y'.repeat(4.5 * 1024 * 1024))}\n`,
      );
    }
    // Refused before a file is parsed (it was after: the whole 9 MiB, and its memory): halves of
    // which one does not even parse are refused for their size, not for the syntax error.
    const broken = join(dir.path, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'a.ts'), readFileSync(join(folder, 'a.ts')));
    writeFileSync(join(broken, 'b.ts'), readFileSync(join(folder, 'b.ts'), 'utf8') + 'const = \n');
    const run = await session([
      ':load ' + big,
      ':import ' + big,
      ':import ' + folder,
      'typeof s + typeof a',
      ':import ' + broken,
    ]);
    const limit = 'more than the 8.0 MiB applied at once (split it, or keep data out of code)';
    assert.equal(
      run.results[0]!.error!.message,
      `cannot load ${big}: ${big}: 9.0 MiB of code, ${limit}`,
    );
    assert.equal(run.results[1]!.error!.message, `${big}: 9.0 MiB of code, ${limit}`);
    assert.equal(run.results[2]!.error!.message, `2 files: 9.0 MiB of code, ${limit}`);
    assert.equal(shown(run)[3], "'undefinedundefined'");
    assert.equal(run.results[4]!.error!.message, `2 files: 9.0 MiB of code, ${limit}`);
  } finally {
    dir.remove();
  }
});

test('a package that throws while loading is an error naming the package, and the image stays without it', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    fakePackage(join(dir.path, 'img.packages'), 'thrower', 'throw new Error("boom at load")');
    const run = await session(["import t from 'thrower'", 'typeof thrower + typeof t', ':defs'], {
      image,
    });
    assert.equal(
      shown(run)[0],
      '!Error: thrower@1.0.0 threw while loading in the image: boom at load; it was not installed',
    );
    // Not the generated entry's one line, which holds the whole bundle.
    const error = run.results[0]!.error!;
    assert.deepEqual(
      [error.sourceLine, error.line, error.stack],
      [undefined, undefined, undefined],
    );
    assert.equal(shown(run)[1], "'undefinedundefined'");
    assert.doesNotMatch(shown(run)[2]!, /thrower/);
  } finally {
    dir.remove();
  }
});

test(
  ':load and :import of a device or a pipe are refused (they would be read forever); :export where a folder has the name of a file writes nothing',
  { timeout: 60_000 },
  async () => {
    const dir = tempDir();
    try {
      const fifo = join(dir.path, 'pipe.ts');
      execFileSync('mkfifo', [fifo]);
      const code = join(dir.path, 'code');
      mkdirSync(join(code, 'k.ts'), { recursive: true });
      const run = await session([
        ':load /dev/zero',
        ':import ' + fifo,
        'function f() { return 1 }',
        'const k = 2',
        ':export ' + code,
      ]);
      assert.equal(
        run.results[0]!.error!.message,
        'cannot load /dev/zero: /dev/zero is not a regular file (a device, pipe or socket): not code',
      );
      assert.equal(
        run.results[1]!.error!.message,
        `${fifo} is not a regular file (a device, pipe or socket): not code`,
      );
      assert.equal(
        run.results[4]!.error!.message,
        `cannot export to ${code}: k.ts there is a folder; nothing was written`,
      );
      assert.deepEqual(readdirSync(code), ['k.ts']);
    } finally {
      dir.remove();
    }
  },
);

test(':dump onto a full disk leaves an earlier dump whole, and says why in words', async (t) => {
  await withSmallDisk(t, '64k', async (mount) => {
    const file = join(mount, 'state.json');
    const run = await session([
      'const small = { n: 1 }',
      `:dump small ${file}`,
      "const big = { s: 'x'.repeat(100_000) }",
      `:dump big ${file}`,
      `:dump small ${mount}`,
    ]);
    assert.equal(
      run.results[3]!.error!.message,
      `cannot write ${file}: the disk is full; nothing was written`,
    );
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { n: 1 });
    assert.deepEqual(readdirSync(mount), ['state.json']);
    assert.equal(
      run.results[4]!.error!.message,
      `cannot write ${mount}: it is a folder; nothing was written`,
    );
  });
});

test("a package whose module name is taken (a-b, a_b and @a/b share a_b; a package named as the image's own function) is refused, not put in its place", async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    const folder = join(dir.path, 'img.packages');
    fakePackage(folder, 'a-b', 'exports.which = "a-b"');
    // fakePackage writes the lockfile for one package: the others are added to it.
    const lock = JSON.parse(readFileSync(join(folder, 'package-lock.json'), 'utf8'));
    for (const name of ['a_b', '@a/b', 'mine']) {
      mkdirSync(join(folder, 'node_modules', name), { recursive: true });
      writeFileSync(
        join(folder, 'node_modules', name, 'package.json'),
        JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
      );
      writeFileSync(join(folder, 'node_modules', name, 'index.js'), `exports.which = "${name}"`);
      lock.packages[`node_modules/${name}`] = { version: '1.0.0', integrity: 'sha512-test' };
    }
    writeFileSync(join(folder, 'package-lock.json'), JSON.stringify(lock));
    const run = await session(
      [
        "import { which } from 'a-b'",
        "import { which as w2 } from 'a_b'",
        "import { which as w3 } from '@a/b'",
        'which',
        'function mine() { return "my own" }',
        "import { which as w4 } from 'mine'",
        'mine()',
      ],
      { image },
    );
    const shared =
      '(packages whose names differ only in - _ @ / share one name; an image holds one of them)';
    assert.deepEqual(shown(run).slice(1), [
      `!PackageError: a_b cannot be installed: its module definition would be a_b, which is already the module of the package a-b ${shared}`,
      `!PackageError: @a/b cannot be installed: its module definition would be a_b, which is already the module of the package a-b ${shared}`,
      "'a-b'",
      'undefined',
      "!PackageError: mine cannot be installed: its module definition would be mine, which is already the image's function mine (installing would replace it); rename that first",
      "'my own'",
    ]);
  } finally {
    dir.remove();
  }
});

test('kill -9 of the CLI during an :import that migrates: the image reopens with the old class or the new one, every instance alike', async () => {
  const dir = tempDir();
  try {
    const image = join(dir.path, 'img.json');
    const code = join(dir.path, 'code');
    // The image to import into, made in process (only the kill needs the CLI).
    const made = await session(
      [
        'class C { constructor(public n: number) {} }',
        'const cs = Array.from({ length: 6_000 }, (_, i) => new C(i))',
        ':export ' + code,
      ],
      { image },
    );
    assert.equal(made.status, 0, made.stderr + JSON.stringify(shown(made)));
    // The new version migrates every instance, with some work each: the import takes a while
    // (120 million steps of that loop: 6,000 instances of 20,000 each, as many as 60,000 of 2,000
    // were; the fewer instances cost less to make, save and read back three times).
    writeFileSync(
      join(code, 'C.ts'),
      [
        'class C {',
        '  static markerA13 = 1',
        '  m!: number',
        '  constructor(public n: number) {}',
        '  static upgrade(c: C) { let x = 0; for (let i = 0; i < 20000; i++) x += i; c.m = c.n * 2 + (x < 0 ? 1 : 0) }',
        '}',
        '',
      ].join('\n'),
    );
    const cli = startCli(['--batch', '--json', '--image', image, '--autosave', '0']);
    cli.child.stdin.write(`:import ${code}\n`);
    // Killed once the import is in the journal (begun): finished or not, it must be all or nothing.
    const journal = `${image}.journal`;
    while (!(existsSync(journal) && readFileSync(journal, 'utf8').includes('markerA13'))) {
      await new Promise((r) => setTimeout(r, 10));
    }
    cli.child.kill('SIGKILL');
    await cli.closed;
    const reopened = await session(
      [
        'C.markerA13 === 1',
        'cs.filter((c) => (c as any).m === c.n * 2).length',
        'cs.filter((c) => (c as any).m === undefined).length',
        'cs.length',
      ],
      { image },
    );
    const [isNew, migrated, untouched, count] = shown(reopened);
    assert.equal(count, '6000');
    if (isNew === 'true') assert.deepEqual([migrated, untouched], ['6000', '0']);
    else assert.deepEqual([isNew, migrated, untouched], ['false', '0', '6000']);
  } finally {
    dir.remove();
  }
});

test(':export over a definition file that is a symlink replaces the link, never writing through it', async () => {
  const dir = tempDir();
  try {
    const code = join(dir.path, 'code');
    const outside = join(dir.path, 'outside.txt');
    await session(['const k = 1', ':export ' + code]);
    writeFileSync(outside, 'not yours\n');
    rmSync(join(code, 'k.ts'));
    symlinkSync(outside, join(code, 'k.ts'));
    const run = await session(['const k = 2', ':export ' + code]);
    assert.equal(run.results[1]!.ok, true, shown(run)[1]);
    assert.equal(readFileSync(outside, 'utf8'), 'not yours\n');
    assert.equal(lstatSync(join(code, 'k.ts')).isSymbolicLink(), false);
    assert.equal(readFileSync(join(code, 'k.ts'), 'utf8'), 'const k = 2\n');
  } finally {
    dir.remove();
  }
});

/** Why the npm registry cannot be used, or undefined when it answered (asked once, 10 s at most). */
const unreachable: string | undefined = await (async () => {
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(
    /\/?$/,
    '/',
  );
  try {
    const reply = await fetch(`${registry}ci-info/4.3.0`, { signal: AbortSignal.timeout(10_000) });
    return reply.ok ? undefined : `npm registry unreachable: ${registry} answered ${reply.status}`;
  } catch (error) {
    const e = error as Error & { cause?: Error };
    return `npm registry unreachable: ${registry}: ${e.cause?.message ?? e.message}`;
  }
})();

test(
  ":install of a package that throws while loading (ci-info reads process.env) leaves the package folder's package.json as it was",
  { timeout: 300_000 },
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    const dir = tempDir();
    try {
      const image = join(dir.path, 'img.json');
      const run = await session([':install ci-info@4.3.0', ':defs'], { image });
      assert.equal(
        run.results[0]!.error!.message,
        'ci-info@4.3.0 threw while loading in the image: process is not defined; it was not installed',
      );
      assert.doesNotMatch(run.results[1]!.value!, /ci_info/);
      const manifest = JSON.parse(
        readFileSync(join(dir.path, 'img.packages', 'package.json'), 'utf8'),
      );
      assert.equal(manifest.dependencies, undefined);
      assert.equal(existsSync(join(dir.path, 'img.packages', 'package-lock.json')), false);
    } finally {
      dir.remove();
    }
  },
);
