// npm packages in the image: `:install` and `import` install into the package folder beside the
// image (npm, --ignore-scripts), esbuild bundles them for the isolate, and the bundle is kept in
// the image as a module definition, so reopening needs neither the folder nor the registry.
// The tests that reach the npm registry skip (saying why) when it cannot be reached; the ones
// after the first share its image and package folder (one install per package).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { batch, cliEnv, tempDir, values } from './helpers.ts';
import { session, shown } from './support/session.ts';
import { savedEnv } from './support/env.ts';
import { openSession } from '../src/session/open-session.ts';
import { InProcessGuest } from '../src/session/guest/in-process.ts';
import { openStore } from '../src/session/store/store.ts';
import { validateRecord } from '../src/session/engine/journal-records.ts';
import { packagesOf } from '../src/session/packages/entry-packages.ts';
import { npmInstall } from '../src/session/packages/install.ts';

/** Why the registry cannot be used, or undefined when it answered (asked once, 10 s at most). */
const unreachable: string | undefined = await (async () => {
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(
    /\/?$/,
    '/',
  );
  try {
    const reply = await fetch(`${registry}escape-string-regexp/5.0.0`, {
      signal: AbortSignal.timeout(10_000),
    });
    if (!reply.ok) return `npm registry unreachable: ${registry} answered ${reply.status}`;
    return undefined;
  } catch (error) {
    const e = error as Error & { cause?: Error };
    return `npm registry unreachable: ${registry}: ${e.cause?.message ?? e.message}`;
  }
})();

/** npm installs take seconds, and much longer on a loaded machine: a CLI that calls npm gets this long. */
const SLOW = 110_000;
/** The tests that install: their bound (an install and a CLI or two, on a loaded machine). */
const NETWORK = { timeout: 300_000 };

const dir = tempDir();
after(() => dir.remove());
const image = join(dir.path, 'music.json');
const folder = join(dir.path, 'music.packages');

const defsLine = (text: string | undefined, name: string) =>
  text
    ?.split('\n')
    .find((l) => l.startsWith(name + ' '))
    ?.replace(/\s+/g, ' ');

test(
  ':install NAME@VERSION and import install into IMAGE.packages; the isolate runs them',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    const run = await batch(
      [
        ':install escape-string-regexp@5.0.0',
        "escape_string_regexp.default('a.b*c')",
        // camelcase-keys has dependencies (camelcase, map-obj, quick-lru): bundled with it.
        "import camelcaseKeys from 'camelcase-keys'\nimport esc, * as escapes from 'escape-string-regexp'",
        "const converted = camelcaseKeys({ 'foo-bar': 1, nested_key: { 'inner-key': 2 } }, { deep: true })",
        'JSON.stringify(converted)',
        "esc('1+1') + (escapes.default === esc)",
        ':defs',
      ],
      ['--image', image],
      { stuckMs: SLOW },
    );
    const shown = values(run);
    assert.match(shown[0]!, /^installed escape-string-regexp@5\.0\.0 \(bundle [\d.]+ KiB\)$/);
    assert.deepEqual(shown.slice(1, 6), [
      "'a\\\\.b\\\\*c'",
      'undefined',
      'undefined',
      `'{"fooBar":1,"nestedKey":{"innerKey":2}}'`,
      "'1\\\\+1true'",
    ]);
    assert.deepEqual(
      run.results[2]!.defined!.map((d) => `${d.name}: ${d.kind}`),
      ['camelcase_keys: module', 'camelcaseKeys: const', 'esc: const', 'escapes: const'],
      'the import installed camelcase-keys first, as its own module definition',
    );
    assert.match(
      run.results[2]!.printed.join('\n'),
      /^installed camelcase-keys@\d+\.\d+\.\d+ \(bundle [\d.]+ KiB\)$/,
    );
    assert.equal(
      defsLine(shown[6], 'escape_string_regexp'),
      'escape_string_regexp module escape-string-regexp@5.0.0 v1',
    );
    assert.match(
      defsLine(shown[6], 'camelcase_keys')!,
      /^camelcase_keys module camelcase-keys@\d+\.\d+\.\d+ v1$/,
    );
    assert.equal(defsLine(shown[6], 'esc'), 'esc import from escape-string-regexp v1');
    const manifest = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
    assert.equal(manifest.dependencies['escape-string-regexp'], '5.0.0', 'pinned exactly');
    assert.match(manifest.dependencies['camelcase-keys'], /^\d+\.\d+\.\d+$/);
    const lock = JSON.parse(readFileSync(join(folder, 'package-lock.json'), 'utf8'));
    const integrity = lock.packages['node_modules/escape-string-regexp'].integrity as string;
    assert.match(integrity, /^sha512-/);
    assert.ok(readFileSync(image, 'utf8').includes(integrity), 'the image records the integrity');
  },
);

test(
  'reopening restores the packages offline, from the bundles in the image: npm never runs',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    if (!existsSync(image)) return t.skip('the first test did not make the image');
    // No package folder, an unreachable registry, and an `npm` that only says it was called.
    renameSync(folder, folder + '.away');
    const bin = join(dir.path, 'bin');
    const called = join(dir.path, 'npm-was-called');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'npm'), `#!/bin/sh\ntouch ${called}\nexit 1\n`);
    chmodSync(join(bin, 'npm'), 0o755);
    try {
      const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        npm_config_registry: 'http://127.0.0.1:9',
      };
      const run = await batch(
        [
          "esc('a.b')",
          'JSON.stringify(converted)',
          "JSON.stringify(camelcaseKeys({ 'x-y': [1] }))",
          "import { default as again } from 'camelcase-keys'",
          'again === camelcaseKeys',
          ':history escape_string_regexp',
        ],
        ['--image', image],
        { env, stuckMs: SLOW },
      );
      const shown = values(run);
      assert.deepEqual(shown.slice(0, 5), [
        "'a\\\\.b'",
        `'{"fooBar":1,"nestedKey":{"innerKey":2}}'`,
        `'{"xY":[1]}'`,
        'undefined',
        'true',
      ]);
      assert.match(shown[5]!, /escape-string-regexp@5\.0\.0 {2}sha512-\S+ {2}bundle [\d.]+ KiB/);
      assert.equal(existsSync(called), false, 'npm was not run');
    } finally {
      renameSync(folder + '.away', folder);
    }
  },
);

test(
  'a package that needs a Node API is refused, naming the API and its file; the image is unchanged',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    if (!existsSync(image)) return t.skip('the first test did not make the image');
    const before = readFileSync(join(folder, 'package.json'), 'utf8');
    // In process (the same engine, npm and esbuild): what is refused is not the CLI's doing.
    const run = await session(
      [':defs', ':install graceful-fs@4.2.11', "import { readFileSync } from 'node:fs'", ':defs'],
      { image },
    );
    const [defsBefore, refused, builtin, defsAfter] = run.results;
    assert.equal(refused!.ok, false);
    assert.equal(refused!.error!.name, 'PackageRefused');
    assert.match(
      refused!.error!.message,
      /^graceful-fs cannot run in the image: it needs the Node API 'fs' \(imported by node_modules\/graceful-fs\/graceful-fs\.js\)/,
    );
    assert.match(refused!.error!.message, /isolate without Node APIs/);
    assert.equal(builtin!.ok, false);
    assert.match(builtin!.error!.message, /'node:fs' is a Node API/);
    assert.equal(defsAfter!.value, defsBefore!.value, 'no definition changed');
    assert.equal(
      readFileSync(join(folder, 'package.json'), 'utf8'),
      before,
      'the folder pins what it did',
    );
  },
);

test(
  ':install at another version redefines the module and re-binds its imports in one transaction',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    if (!existsSync(image)) return t.skip('the first test did not make the image');
    // In process (the same engine, npm and esbuild), saved at the end as batch mode saves.
    const run = await session(
      [
        'const held = { esc }',
        ':install escape-string-regexp@4.0.0',
        "esc === escape_string_regexp.default && esc('a.b') === 'a\\\\.b'",
        'held.esc === esc',
        ':history escape_string_regexp',
        ':defs',
      ],
      { image },
    );
    const shown = values(run);
    assert.match(shown[1]!, /^installed escape-string-regexp@4\.0\.0/);
    assert.deepEqual(run.results[1]!.defined, [
      { name: 'escape_string_regexp', kind: 'module', version: 2 },
    ]);
    assert.equal(shown[2], 'true', 'esc is bound to the new version');
    assert.equal(shown[3], 'false', 'a copy of the old function stays the old function');
    assert.doesNotMatch(
      run.stderr,
      /not saved|cannot save/,
      'the old function held is saved by name',
    );
    assert.match(
      shown[4]!,
      /v1 .*\n {4}escape-string-regexp@5\.0\.0 .*\nv2 .*from v1 {2}\(current\)\n {4}escape-string-regexp@4\.0\.0/,
    );
    assert.equal(
      defsLine(shown[5], 'escape_string_regexp'),
      'escape_string_regexp module escape-string-regexp@4.0.0 v2',
    );
  },
);

/**
 * One `viv --batch` without an image file (TMPDIR a folder of its own) for two tests below: the
 * temporary package folder, and an :export whose packages the manifest names. Their entries do
 * not depend on each other, and each CLI and npm install costs CPU (~0.26 s and ~0.45 s).
 */
const noImage = {
  tmp: join(dir.path, 'no-image'),
  code: join(dir.path, 'no-image', 'code'),
  entries: {
    temporary: [':install escape-string-regexp@5.0.0', "escape_string_regexp.default('a.b')"],
    exported: [
      "import escape from 'escape-string-regexp'",
      "function esc(s: string) { return escape(s) + '!' }",
      `:export ${join(dir.path, 'no-image', 'code')}`,
    ],
  },
  run: undefined as Promise<ReturnType<typeof values>> | undefined,
};
/** The values the no-image run showed for `part`'s entries. */
async function noImageValues(part: keyof typeof noImage.entries) {
  noImage.run ??= (async () => {
    mkdirSync(noImage.tmp, { recursive: true });
    const run = await batch([...noImage.entries.temporary, ...noImage.entries.exported], [], {
      env: { ...process.env, TMPDIR: noImage.tmp },
      stuckMs: SLOW,
    });
    return values(run);
  })();
  const all = await noImage.run;
  const at = part === 'temporary' ? 0 : noImage.entries.temporary.length;
  return all.slice(at, at + noImage.entries[part].length);
}

test(
  'without an image file, packages go to a temporary folder, removed when the session ends',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    const shown = await noImageValues('temporary');
    assert.deepEqual(shown.slice(1), ["'a\\\\.b'"]);
    assert.match(shown[0]!, /^installed escape-string-regexp@5\.0\.0/);
    assert.deepEqual(
      readdirSync(noImage.tmp).filter((f) => f.startsWith('vivarium-packages-')),
      [],
    );
  },
);

// The terminal: the real `viv` in tmux (its own server socket), keys typed, the screen read.
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
/** A tmux server of its own for each test (a server just killed may still hold its socket). */
let SOCKET = '';
let servers = 0;
const newServer = () => (SOCKET = `viv-packages-${process.pid}-${++servers}`);
const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8', env: cliEnv() });
async function screenMatching(what: RegExp, ms = 60_000): Promise<string> {
  const deadline = Date.now() + ms;
  let text = '';
  while (Date.now() < deadline) {
    text = tmux('capture-pane', '-t', SOCKET, '-p', '-S', '-100');
    if (what.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the screen never matched ${what}:\n${text}`);
}

test(
  'in the terminal, :install and import put a package in use, and Ctrl-T lists it',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    if (!hasTmux) return t.skip('tmux is not installed');
    if (!existsSync(image)) return t.skip('the first test did not make the image');
    const viv = fileURLToPath(new URL('../bin/viv.js', import.meta.url));
    newServer();
    tmux('new-session', '-d', '-s', SOCKET, '-x', '120', '-y', '50', process.execPath, viv, image);
    try {
      const type = async (text: string, then: RegExp) => {
        tmux('send-keys', '-t', SOCKET, '-l', text);
        tmux('send-keys', '-t', SOCKET, 'Enter');
        return screenMatching(then);
      };
      await screenMatching(/definitions · /);
      await type(':install escape-string-regexp@5.0.0', /installed escape-string-regexp@5\.0\.0/);
      await type("import { default as e2 } from 'escape-string-regexp'", /e2: const v1/);
      await type("e2('x.y')", /'x\\\\\.y'/);
      tmux('send-keys', '-t', SOCKET, 'C-t');
      const panel = await screenMatching(/│ \* e2 +import from escape-string-regexp/);
      assert.match(panel, /escape_string_regexp +module escape-string-regexp@5\.0\.0 +v3/);
    } finally {
      spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    }
  },
);

test('Ctrl-C stops an npm install under way; the image and its folder stay as they were', async (t) => {
  if (!hasTmux) return t.skip('tmux is not installed');
  const work = tempDir();
  const bin = join(work.path, 'bin');
  const started = join(work.path, 'npm-started');
  mkdirSync(bin);
  // An npm that never finishes (as one stuck on a slow registry would).
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\ntouch ${started}\nexec sleep 600\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  const img = join(work.path, 'img.json');
  const viv = fileURLToPath(new URL('../bin/viv.js', import.meta.url));
  const path = `PATH=${bin}:${process.env.PATH}`;
  newServer();
  tmux(
    'new-session',
    '-d',
    '-s',
    SOCKET,
    '-x',
    '120',
    '-y',
    '50',
    'env',
    path,
    process.execPath,
    viv,
    img,
  );
  try {
    await screenMatching(/definitions · /);
    tmux('send-keys', '-t', SOCKET, '-l', ':install left-pad');
    tmux('send-keys', '-t', SOCKET, 'Enter');
    const deadline = Date.now() + 60_000;
    while (!existsSync(started) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(existsSync(started), 'npm was started');
    tmux('send-keys', '-t', SOCKET, 'C-c');
    await screenMatching(/PackageError: npm install left-pad was stopped; the image is as it was/);
    tmux('send-keys', '-t', SOCKET, '-l', ':defs');
    tmux('send-keys', '-t', SOCKET, 'Enter');
    const screen = await screenMatching(/name +kind +version/);
    assert.doesNotMatch(screen, /left_pad/);
    const manifest = JSON.parse(
      readFileSync(join(work.path, 'img.packages', 'package.json'), 'utf8'),
    );
    assert.equal(manifest.dependencies, undefined, 'the folder pins nothing');
  } finally {
    spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
    work.remove();
  }
});

test("npm runs without npm test's --no-node-snapshot (it hosts no isolate), with the rest of NODE_OPTIONS, and its refusal is told", async () => {
  const work = tempDir();
  const restore = savedEnv(['PATH', 'NODE_OPTIONS']);
  try {
    // An npm that writes down the NODE_OPTIONS it was given, and fails as npm does.
    const bin = join(work.path, 'bin');
    mkdirSync(bin);
    const seen = join(work.path, 'seen');
    writeFileSync(
      join(bin, 'npm'),
      `#!/bin/sh\nprintf '%s' "$NODE_OPTIONS" > ${seen}\necho 'npm error 404 Not Found - tiny' >&2\nexit 1\n`,
    );
    chmodSync(join(bin, 'npm'), 0o755);
    process.env.PATH = `${bin}:${process.env.PATH}`;
    process.env.NODE_OPTIONS = '--no-node-snapshot --max-old-space-size=300 --no-node-snapshot';
    await assert.rejects(
      npmInstall(join(work.path, 'packages'), 'tiny@1.0.0'),
      /npm install tiny@1\.0\.0 failed: .*404 Not Found - tiny/,
    );
    assert.equal(readFileSync(seen, 'utf8'), '--max-old-space-size=300');
  } finally {
    restore();
    work.remove();
  }
});

// Without the registry: module definitions written as `$package(...)` directly (what :install
// enters), with tiny hand-written bundles.
const bundle = (body: string) => JSON.stringify(`(function () { return ${body} })()`);
const pkg = (version: string, body: string) =>
  `const tiny = $package("tiny", "${version}", "sha512-${version}", ${bundle(body)})`;

test('a module definition re-binds its imports; a version lacking an import fails whole; its functions are saved by name', async () => {
  const work = tempDir();
  try {
    const img = join(work.path, 'img.json');
    const first = await session(
      [
        pkg('1.0.0', '{ double: (x) => x * 2, default: "one" }'),
        "import d, { double as twice } from 'tiny'\nimport * as all from 'tiny'",
        'twice(21) + d',
        'const early = { fn: twice }',
        pkg('2.0.0', '{ double: (x) => x * 3, default: "two" }'),
        'twice(1) + d + all.default',
        pkg('3.0.0', '{ default: "three" }'),
        'twice(1) + d + tiny.default',
        "import { nothing } from 'tiny'",
        ':rollback tiny 1',
        'twice(1) + d',
        'const keep = { fn: twice, all: [d] }',
      ],
      { image: img, noSave: true },
    );
    assert.deepEqual(shown(first), [
      'undefined',
      'undefined',
      "'42one'",
      'undefined',
      'undefined',
      "'3twotwo'",
      "!Error: tiny@3.0.0 has no export 'double' (imported as twice)",
      "'3twotwo'",
      "!Error: tiny has no export 'nothing' (imported as nothing)",
      'undefined',
      "'2one'",
      'undefined',
    ]);
    assert.deepEqual(
      first.results[9]!.defined,
      [{ name: 'tiny', kind: 'module', version: 3 }],
      ':rollback enters the old version again: its bundle, its imports re-bound',
    );
    // Reopened from the journal (no snapshot was saved), then from a snapshot.
    const replayed = await session(['twice(2) + d', ':defs', ':diff tiny 2 3'], { image: img });
    assert.equal(
      shown(replayed)[2],
      'tiny v2 → v3: tiny@2.0.0 → tiny@1.0.0; :history tiny shows their integrity and size',
    );
    assert.equal(shown(replayed)[0], "'4one'");
    assert.equal(defsLine(shown(replayed)[1], 'tiny'), 'tiny module tiny@1.0.0 v3');
    // Saved (a package's function held in an object is saved as `tiny:double`) and reopened.
    assert.equal(replayed.stderr.includes('not saved'), false, replayed.stderr);
    assert.match(readFileSync(img, 'utf8'), /\["f","tiny:double"\]/);
    const reopened = await session(
      [
        'twice(3) + all.default',
        'keep.fn === twice && keep.fn(4)',
        'early.fn === twice && early.fn(5)',
      ],
      {
        image: img,
      },
    );
    assert.deepEqual(shown(reopened), ["'6one'", '8', '10'], 'held functions are the current ones');
  } finally {
    work.remove();
  }
});

test('an import of a package the image lacks, through :check, says it is not installed', async () => {
  const run = await session([":check import { x } from 'tiny'"]);
  assert.match(
    JSON.stringify(run.results[0]),
    /the package tiny is not installed in this image \(:install tiny\)/,
  );
});

test('packagesOf(engine) lists the packages with version and integrity (for an export manifest)', async () => {
  const work = tempDir();
  const engine = await openSession({
    guest: InProcessGuest.start,
    store: await openStore(join(work.path, 'img.json'), { validate: validateRecord }),
  });
  try {
    await engine.submit(pkg('1.2.3', '{}'));
    await engine.submit(`const b_pkg = $package("b-pkg", "0.1.0", "sha512-b", ${bundle('{}')})`);
    assert.deepEqual(await packagesOf(engine), [
      { name: 'b-pkg', version: '0.1.0', integrity: 'sha512-b' },
      { name: 'tiny', version: '1.2.3', integrity: 'sha512-1.2.3' },
    ]);
  } finally {
    await engine.close();
    work.remove();
  }
});

test(
  ':export names the packages in the manifest (not their bundles); :import installs them at those versions first',
  NETWORK,
  async (t) => {
    if (unreachable) return t.skip(unreachable);
    const scratch = tempDir();
    try {
      // Made by the no-image run above: escape-string-regexp installed, imported and used.
      const code = noImage.code;
      const report = (await noImageValues('exported'))[2]!;
      assert.match(report, /exported 2 definition files/);
      assert.doesNotMatch(report, /escape: a computed value/, 'an import is code, not data');
      assert.deepEqual(readdirSync(code).sort(), ['esc.ts', 'escape.ts', 'vivarium.json']);
      const manifest = JSON.parse(readFileSync(join(code, 'vivarium.json'), 'utf8'));
      assert.deepEqual(
        manifest.packages.map((p: { name: string; version: string }) => `${p.name}@${p.version}`),
        ['escape-string-regexp@5.0.0'],
      );
      assert.match(manifest.packages[0].integrity, /^sha512-/);
      // In process (the same engine, npm and esbuild): :import is the engine's, not the CLI's.
      const fresh = await session([`:import ${code}`, "esc('a.b')", `:export ${code}`], {
        image: join(scratch.path, 'b.json'),
      });
      const [imported, called, again] = shown(fresh);
      assert.match(imported!, /installed escape-string-regexp@5\.0\.0 \(named in vivarium\.json\)/);
      assert.equal(called, "'a\\\\.b!'");
      assert.match(again!, /\(0 files changed\)/, 'the round trip exports the same bytes');
    } finally {
      scratch.remove();
    }
  },
);
