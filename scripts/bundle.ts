// Bundles the session and the runner with esbuild into dist/, so that `viv` starts by loading a
// handful of JavaScript files instead of ~100 TypeScript modules (each resolved, read and
// type-stripped at every start: about 150 ms of CPU). Run by `npm ci`/`npm install` (prepare) and
// before `npm test`. bin/viv.js uses the bundle only while it is fresh (dist/inputs.json: every
// source it was built from, unchanged), else the sources: an edited checkout never runs stale code.
//
// The sources stay the truth: packages are not bundled (native ones cannot be, and node_modules is
// there anyway); each file's `import.meta.url` is replaced by its own source URL, so paths it
// computes from it (stdlib/, images/, package.json, the kernel) are the same bundled or not; the
// session finds the bundled runner through `import.meta.vivRunner`, defined only here. The kernel
// (src/kernel, which runs inside the isolate) is bundled apart into one script, dist/kernel.js:
// the runner compiles one script (with V8's cached data) instead of ~50 modules, each
// type-stripped from its cache and linked; it finds it through `import.meta.vivKernel`.
import { build, type Plugin } from 'esbuild';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { builtinModules, createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IMPORT_META, moduleToScript } from './module-to-script.ts';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = join(ROOT, 'dist');
export const INPUTS = join(DIST, 'inputs.json');

/** npm's record of what node_modules holds. */
const PACKAGES = 'node_modules/.package-lock.json';

/**
 * What dist/inputs.json holds: where the checkout was, each source's size and mtime (the
 * packages' through npm's record of them), and the size of each JavaScript file of the bundle
 * (one cut short by a full disk or a copy would otherwise stop viv with a SyntaxError: bin/viv.js
 * runs the sources instead).
 */
export interface BundleInputs {
  root: string;
  node: string;
  files: Record<string, { size: number; mtimeMs: number }>;
  outputs: Record<string, number>;
  /** The sources of dist/kernel.js (a run from the sources uses it while they are unchanged). */
  kernel: string[];
  /**
   * What else a build depends on, for `upToDate` (bin/viv.js does not check these: a bundle
   * built by an older recipe still runs its own sources as they were): this script and what it
   * imports, and the isolated-vm binary it found (`null`: none).
   */
  recipe: Record<string, { size: number; mtimeMs: number }>;
  isolatedVm: string | null;
}

/** The build's own files: a bundle made by another version of them is made again. */
const RECIPE = ['scripts/bundle.ts', 'scripts/module-to-script.ts'];

/**
 * Each input's size and mtime, taken before esbuild reads it: a source edited while the bundle is
 * built then differs from what inputs.json says, and viv runs the sources (taken after the build,
 * they described the edited file while the bundle held the text from before the edit).
 */
const readStats = new Map<string, { size: number; mtimeMs: number }>();

/** `import.meta.url` in a source file becomes that file's URL: its paths resolve as unbundled. */
const sourceUrls: Plugin = {
  name: 'source-import-meta-url',
  setup(plugin) {
    plugin.onLoad({ filter: /.*/, namespace: 'file' }, async (args) => {
      const { size, mtimeMs } = await stat(args.path);
      readStats.set(args.path, { size, mtimeMs });
      return undefined; // read by the next callback, or by esbuild
    });
    plugin.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replace(/\bimport\.meta\.url\b/g, url), loader: 'ts' };
    });
  },
};

/**
 * ink's `string-width` is src/ui/string-width.ts, which answers plain text itself and loads
 * string-width (whose emoji expression takes 12-23 ms to build at every start of the REPL) only
 * for text that needs it. The module's own import of string-width is the package.
 */
const STRING_WIDTH = join(ROOT, 'src', 'ui', 'string-width.ts');
const stringWidthFastPath: Plugin = {
  name: 'string-width-fast-path',
  setup(plugin) {
    plugin.onResolve({ filter: /^string-width$/ }, (args) =>
      args.importer === STRING_WIDTH ? undefined : { path: STRING_WIDTH },
    );
  },
};

/**
 * The getters of built-ins that may be imported by name (each read when the importing module first
 * runs). Any other getter imported by name fails the build: take the built-in's default export.
 */
const READ_GETTERS: Record<string, string[]> = { 'node:async_hooks': ['AsyncLocalStorage'] };

/**
 * Node's built-ins taken with `process.getBuiltinModule` instead of an ESM import, each where the
 * module importing it first runs. Importing a built-in as ESM reads every one of its exports,
 * lazy ones included, and fs's lazy ones (`fs.promises`, its streams) load readline, the REPL's
 * history and the streams behind them: 34 of Node's modules, 3 ms of CPU at every start, and
 * 11 ms in the runner, which starts without Node's snapshot. And in the session's one script
 * (scripts/module-to-script.ts) an import would be taken at its start: node:crypto, which only the
 * Jupyter kernel imports, would load at every start of the REPL. Here a built-in is a module whose
 * default export is the built-in itself (its lazy parts stay lazy) and whose named exports are its
 * plain values; a named import of a lazy part fails the build (but those of READ_GETTERS).
 */
const builtinsUnread: Plugin = {
  name: 'builtins-unread',
  setup(plugin) {
    const names = builtinModules.filter((name) => !name.startsWith('_')).map(escapeRegExp);
    const filter = new RegExp(`^(node:.*|${names.join('|')})$`);
    plugin.onResolve({ filter }, (args) => ({
      path: args.path.startsWith('node:') ? args.path : `node:${args.path}`,
      namespace: 'unread',
    }));
    plugin.onLoad({ filter: /.*/, namespace: 'unread' }, (args) => {
      const module = process.getBuiltinModule(args.path) as Record<string, unknown>;
      const read = READ_GETTERS[args.path] ?? [];
      const plain = Object.entries(Object.getOwnPropertyDescriptors(module))
        .filter(([key, d]) => ('value' in d || read.includes(key)) && d.enumerable)
        .map(([key]) => key)
        .filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && key !== 'default');
      const id = JSON.stringify(args.path);
      return {
        contents:
          `const m = process.getBuiltinModule(${id});\nexport default m;\n` +
          (plain.length ? `export const { ${plain.join(', ')} } = m;\n` : ''),
        loader: 'js',
      };
    });
  },
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * In the packages, `new Intl.Segmenter(` is `new __vivLazySegmenter(` (src/ui/lazy-segmenter.ts,
 * given them through esbuild's `inject`): the first Intl object of a process loads ICU's data
 * (~8.5 ms), which ink's first frame needed only to split plain text into characters.
 */
const LAZY_SEGMENTER = join(ROOT, 'src', 'ui', 'lazy-segmenter.ts');
const lazySegmenter: Plugin = {
  name: 'lazy-segmenter',
  setup(plugin) {
    plugin.onLoad({ filter: /[\\/]node_modules[\\/].*\.[cm]?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('new Intl.Segmenter(')) return undefined;
      return {
        contents: text.replaceAll('new Intl.Segmenter(', 'new __vivLazySegmenter('),
        loader: 'js',
      };
    });
  },
};

/**
 * signal-exit (ink's) takes node:assert for one `assert.equal(typeof cb, 'function', message)`:
 * loading node:assert costs ~1.9 ms at every start of the REPL. It gets that one check.
 */
const signalExitAssert: Plugin = {
  name: 'signal-exit-assert',
  setup(plugin) {
    plugin.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      /[\\/]node_modules[\\/]signal-exit[\\/]/.test(args.importer)
        ? { path: 'assert', namespace: 'signal-exit-assert' }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'signal-exit-assert' }, () => ({
      contents:
        'module.exports = { equal(actual, expected, message) {\n' +
        '  if (actual != expected) throw new TypeError(message);\n' +
        '} };\n',
      loader: 'js',
    }));
  },
};

/** Packages the session does not bundle (below). */
const UNBUNDLED = [
  'isolated-vm',
  'zeromq',
  'esbuild',
  'sucrase',
  'typescript',
  'react-devtools-core',
];

/**
 * In the session's script, a package left out of the bundle is taken with `require` when the
 * module importing it first runs (as when it was imported from a module loaded on demand): the
 * script has no module loader to import it, and taken at its start the Jupyter kernel's zeromq
 * would load at every start of the REPL (and ink's devtools, which are not installed, would fail).
 */
const lazyPackages: Plugin = {
  name: 'lazy-packages',
  setup(plugin) {
    const filter = new RegExp(`^(${UNBUNDLED.join('|')})$`);
    // (The module's own `require` of the package is left to Node: the script's `require`.)
    plugin.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-package'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'lazy-package' },
    );
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/** The native module of isolated-vm that node-gyp-build picks for this Node (runner/ivm.ts). */
function isolatedVmBinary(): string | undefined {
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    const gypBuild = require(
      require.resolve('node-gyp-build', {
        paths: [join(ROOT, 'node_modules', 'isolated-vm')],
      }),
    ) as { path(dir: string): string };
    return gypBuild.path(join(ROOT, 'node_modules', 'isolated-vm'));
  } catch {
    return undefined;
  }
}

const KERNEL_NAME = '__vivKernel';

/**
 * The kernel's IIFE (`"use strict"; var NAME = (() => { ... })();`) made an expression whose value is a plain object of the kernel's two
 * exports (esbuild's exports object has getters, which isolated-vm does not read through): the
 * script's completion value, which the runner takes (load-kernel.ts). No global variable is
 * declared, so the guest's global object holds nothing of the kernel's.
 */
async function kernelScript(file: string): Promise<void> {
  const text = await readFile(file, 'utf8');
  const head = `"use strict";\nvar ${KERNEL_NAME} = (() => {`;
  const tail = '})();\n';
  if (!text.startsWith(head) || !text.endsWith(tail)) {
    throw new Error(`the kernel's bundle is not one IIFE (${head} ... ${tail})`);
  }
  const body = text.slice(head.length, -tail.length);
  const exports = '(kernel) => ({ boot: kernel.boot, handle: kernel.handle })';
  await writeFile(file, `"use strict";\n(${exports})((() => {${body}})());\n`);
}

/**
 * Builds into a folder of its own and swaps it in whole, so a `viv` starting meanwhile finds the
 * old bundle, the new one or none (and runs from the sources), never half of one.
 */
export async function bundle(): Promise<void> {
  const next = `${DIST}.${process.pid}.new`;
  const old = `${DIST}.${process.pid}.old`;
  await removeLeftovers();
  // The installed packages, as one input: npm rewrites this record at every install, update or
  // uninstall, so one stat at start stands for the ~550 package files bundled.
  const packages = await stat(join(ROOT, PACKAGES)).catch(() => undefined);
  const binary = isolatedVmBinary();
  // What the session's builds share: Node's ES modules, with the bundle's paths defined.
  const node = {
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  } as const;
  const defined = {
    'import.meta.vivRunner': JSON.stringify(join(DIST, 'runner', 'main.js')),
    'import.meta.vivKernel': JSON.stringify(join(DIST, 'kernel.js')),
    'process.env.NODE_ENV': '"production"',
  };
  const result = await build({
    ...node,
    // The session's first steps (starting the runner, loading the session script) and the runner.
    entryPoints: ['src/session/start.ts', 'src/runner/main.ts'],
    outbase: 'src',
    outdir: next,
    // Native code and packages that find their own files at run time stay in node_modules.
    external: UNBUNDLED,
    define: {
      ...defined,
      // (None found: `undefined`, and the runner takes isolated-vm the usual way. esbuild takes
      // only text here, and fails the whole build on a missing value.)
      'import.meta.vivIsolatedVm': JSON.stringify(binary) ?? 'undefined',
    },
    // Bundled CommonJS packages require Node's built-ins: give every output file a `require`.
    banner: {
      js: "import { createRequire as __vivCreateRequire } from 'node:module'; const require = __vivCreateRequire(import.meta.url);",
    },
    plugins: [sourceUrls, stringWidthFastPath, builtinsUnread],
  });
  // The session: one module, made a script (scripts/module-to-script.ts).
  const session = await build({
    ...node,
    entryPoints: ['src/session/cli.ts'],
    outfile: join(next, 'session.js'),
    // (Licence comments in a file beside it: the script must end with the module's export.)
    legalComments: 'external',
    write: false,
    // `import.meta` is the script's parameter.
    define: { ...defined, 'import.meta': IMPORT_META },
    inject: [LAZY_SEGMENTER],
    plugins: [
      sourceUrls,
      stringWidthFastPath,
      signalExitAssert,
      builtinsUnread,
      lazyPackages,
      lazySegmenter,
    ],
  });
  for (const output of session.outputFiles) {
    const imports = session.metafile.outputs[relative(ROOT, output.path)]?.imports ?? [];
    const text = output.path.endsWith('.js')
      ? moduleToScript(output.text, imports)
      : output.contents;
    await writeFile(output.path, text);
  }
  // The kernel: no packages, no Node; it runs in the isolate as one script (kernelScript below).
  const kernel = await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/kernel/kernel.ts'],
    outfile: join(next, 'kernel.js'),
    bundle: true,
    format: 'iife',
    globalName: KERNEL_NAME,
    // Strict, as the kernel's modules are (esbuild says so in the IIFE for this option, which it
    // would otherwise take from a tsconfig.json: a checkout need not have one).
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
    platform: 'neutral',
    target: 'esnext',
    metafile: true,
    logLevel: 'warning',
    plugins: [sourceUrls],
  });
  await kernelScript(join(next, 'kernel.js'));
  const files: BundleInputs['files'] = {};
  // Every source read (the plugins' modules, named `namespace:path`, are made here, not read).
  const sources = [
    ...new Set([
      ...Object.keys(result.metafile.inputs),
      ...Object.keys(session.metafile.inputs),
      ...Object.keys(kernel.metafile.inputs),
    ]),
  ].filter((input) => !/^[a-z-]+:/.test(input));
  for (const input of sources) {
    if (packages && input.startsWith('node_modules/')) continue;
    const path = join(ROOT, input);
    const { size, mtimeMs } = readStats.get(path) ?? (await stat(path));
    files[input] = { size, mtimeMs };
  }
  if (packages) files[PACKAGES] = { size: packages.size, mtimeMs: packages.mtimeMs };
  const outputs: BundleInputs['outputs'] = {};
  for (const file of await readdir(next, { recursive: true, encoding: 'utf8' })) {
    if (file.endsWith('.js')) outputs[file] = (await stat(join(next, file))).size;
  }
  const recipe: BundleInputs['recipe'] = {};
  for (const file of RECIPE) {
    const { size, mtimeMs } = await stat(join(ROOT, file));
    recipe[file] = { size, mtimeMs };
  }
  const inputs: BundleInputs = {
    root: ROOT,
    node: process.version,
    files,
    outputs,
    kernel: Object.keys(kernel.metafile.inputs),
    recipe,
    isolatedVm: binary ?? null,
  };
  await writeFile(join(next, 'inputs.json'), JSON.stringify(inputs, null, 1) + '\n');
  await rename(DIST, old).catch(() => {});
  await rename(next, DIST);
  await rm(old, { recursive: true, force: true });
  process.stdout.write(
    `bundled ${sources.length} sources into ${relative(process.cwd(), DIST) || '.'}/\n`,
  );
}

/**
 * The folders of builds that were killed (`dist.PID.new`, `dist.PID.old`: a whole bundle each) go;
 * those of a build still running are left to it.
 */
async function removeLeftovers(): Promise<void> {
  for (const name of await readdir(ROOT)) {
    const pid = /^dist\.(\d+)\.(new|old)$/.exec(name)?.[1];
    if (pid && (Number(pid) === process.pid || !running(Number(pid)))) {
      await rm(join(ROOT, name), { recursive: true, force: true });
    }
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether dist/ is what a build would make now: built here, by this Node, from the sources, the
 * packages and the recipe as they are, with the same isolated-vm binary, and whole (what
 * bin/viv.js checks, and more). `npm test` builds first; a build not needed is skipped (~0.9 s of
 * CPU).
 */
export async function upToDate(): Promise<boolean> {
  try {
    const inputs = JSON.parse(await readFile(INPUTS, 'utf8')) as Partial<BundleInputs>;
    if (inputs.root !== ROOT || inputs.node !== process.version) return false;
    if (!inputs.files || !inputs.outputs || !inputs.recipe) return false;
    if ((inputs.isolatedVm ?? undefined) !== isolatedVmBinary()) return false;
    if (Object.keys(inputs.recipe).sort().join() !== [...RECIPE].sort().join()) return false;
    const same = async (path: string, was: { size: number; mtimeMs: number }) => {
      const now = await stat(path);
      return now.size === was.size && now.mtimeMs === was.mtimeMs;
    };
    for (const [file, was] of [...Object.entries(inputs.files), ...Object.entries(inputs.recipe)]) {
      if (!(await same(join(ROOT, file), was))) return false;
    }
    for (const [file, size] of Object.entries(inputs.outputs)) {
      if ((await stat(join(DIST, file))).size !== size) return false;
    }
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  try {
    if (!process.argv.includes('--force') && (await upToDate())) {
      process.stdout.write(`${relative(process.cwd(), DIST) || '.'}/ is up to date\n`);
      process.exit(0);
    }
    await bundle();
  } catch (error) {
    // Never fatal: a bundle left from before serves only the sources it was built from (bin/viv.js
    // checks), and without one viv runs from the sources (a slower start, nothing else).
    process.stderr.write(`viv: could not bundle (viv will run from its sources): ${error}\n`);
    await rm(`${DIST}.${process.pid}.new`, { recursive: true, force: true });
  }
}
