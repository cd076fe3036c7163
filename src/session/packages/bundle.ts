// Bundling an installed package for the isolate with esbuild: one self-contained script whose
// value is the package's module namespace. The isolate has no Node APIs, so a package that needs
// one (`fs`, `node:net`, ...) or native code (`.node`, `binding.gyp`) is refused here, naming what
// it needs and which of its files asked for it. Nothing of the package runs on the host: esbuild
// only reads its files.
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type * as esbuild from 'esbuild';
import { isNodeBuiltin } from './names.ts';
import { PackageError } from './install.ts';

/** The name the bundle's IIFE assigns inside the wrapper (local to it: nothing leaks). */
const GLOBAL = '__vivPackage';

/** What a package needs that the isolate lacks. */
export class PackageRefused extends PackageError {
  override name = 'PackageRefused';
}

const SKIP = Symbol('resolving past the guard');

/** A script whose value is `pkg`'s namespace, bundled from the folder it is installed in. */
export async function bundlePackage(dir: string, pkg: string): Promise<string> {
  refuseNative(dir, join(dir, 'node_modules', pkg));
  // What the package needs that the isolate lacks -> the first file that asked for it.
  const needs = new Map<string, string>();
  const need = (what: string, file: string) => needs.has(what) || needs.set(what, file);
  const guard: esbuild.Plugin = {
    name: 'vivarium-no-node-apis',
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === SKIP || args.kind === 'entry-point') return undefined;
        const file = args.importer ? relative(dir, args.importer) : pkg;
        if (args.path.endsWith('.node')) {
          need(`native code '${args.path}'`, file);
          return { path: args.path, external: true };
        }
        if (!isNodeBuiltin(args.path)) return undefined;
        // A package's `browser` field may stand in for the built-in (`"fs": false`): take that.
        const resolved = await build.resolve(args.path, {
          importer: args.importer,
          resolveDir: args.resolveDir,
          kind: args.kind,
          pluginData: SKIP,
        });
        if (resolved.errors.length === 0 && !resolved.external) return resolved;
        need(`the Node API '${args.path}'`, file);
        return { path: args.path, external: true };
      });
    },
  };
  // Loaded when a package is bundled, not at every start (~13 ms of CPU).
  const { build } = await import('esbuild');
  let result: esbuild.BuildResult & { metafile: esbuild.Metafile };
  try {
    result = await build({
      stdin: {
        contents: `import * as ns from ${JSON.stringify(pkg)};\nexport { ns };\n`,
        resolveDir: dir,
        sourcefile: 'vivarium-entry.js',
        loader: 'js',
      },
      absWorkingDir: dir,
      bundle: true,
      write: false,
      metafile: true,
      format: 'iife',
      globalName: GLOBAL,
      platform: 'browser',
      target: 'es2023',
      legalComments: 'none',
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      plugins: [guard],
    });
  } catch (error) {
    const failure = error as esbuild.BuildFailure;
    const messages = (failure.errors ?? []).slice(0, 4).map((m) => {
      const where = m.location ? `${m.location.file}:${m.location.line}: ` : '';
      return where + m.text;
    });
    throw new PackageError(`cannot bundle ${pkg}: ${messages.join('; ') || String(error)}`);
  }
  if (needs.size) {
    const listed = [...needs].map(([what, file]) => `${what} (imported by ${file})`);
    const more = listed.length > 5 ? `, and ${listed.length - 5} more` : '';
    throw new PackageRefused(
      `${pkg} cannot run in the image: it needs ${listed.slice(0, 5).join(', ')}${more}. Code in the image runs in an isolate without Node APIs`,
    );
  }
  for (const input of Object.keys(result.metafile.inputs)) {
    const root = packageRoot(input);
    if (root) refuseNative(dir, join(dir, root));
  }
  const text = result.outputFiles![0]!.text;
  return `(function () {\n${text}return ${GLOBAL}.ns;\n})()`;
}

/** `node_modules/a/b.js` -> `node_modules/a`; scoped and nested packages too. */
function packageRoot(input: string): string | undefined {
  const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
  return match?.[1];
}

/** A package with a native addon (`binding.gyp`, `gypfile`) cannot run in the isolate. */
function refuseNative(dir: string, root: string): void {
  let gypfile = false;
  try {
    gypfile = !!JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).gypfile;
  } catch {
    // No package.json: nothing to say about it here (esbuild reports what it cannot resolve).
  }
  if (gypfile || existsSync(join(root, 'binding.gyp'))) {
    const where = relative(dir, root);
    throw new PackageRefused(
      `${where.replace(/^node_modules\//, '')} cannot run in the image: it needs native code (${where}/binding.gyp). Code in the image runs in an isolate without Node APIs`,
    );
  }
}
