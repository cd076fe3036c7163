// Packages on their way into an image: `:install NAME[@VERSION]`, and an entry's `import` of a
// package the image does not hold yet, which installs it first (as `:install` would, as its own
// transaction) and then runs the entry. Installation and bundling happen before anything is
// entered: a package that fails to install or is refused leaves the image as it was.
import type { DefSummary } from '../../shared/types.ts';
import type { SessionPort } from '../port.ts';
import type { Result } from '../result.ts';
import type { ImportDeclaration } from '../compile/imports.ts';
import { ask } from '../commands/queries.ts';
import { moduleName, parseSpec } from './names.ts';
import { imagePackages } from './packages.ts';
import type { ImagePackages } from './packages.ts';
import type { PackageInfo } from '../../shared/types.ts';

/** What installing needs of the engine: its package folder, and the `defs` op. */
type Engine = Pick<SessionPort, 'request'> & { readonly packages: ImagePackages };

type Enter = (source: string) => Promise<Result>;

const failure = (error: unknown): Result => ({
  ok: false,
  error: {
    name: (error as Error).name || 'PackageError',
    message: (error as Error).message ?? String(error),
  },
  printed: [],
});

/** Every definition of the image, by name. */
async function definitions(engine: Engine): Promise<Map<string, DefSummary>> {
  const reply = await ask(engine, { op: 'defs' });
  if (!reply.ok) throw new Error(reply.error.message);
  return new Map(reply.defs.map((d) => [d.name, d]));
}

/**
 * A package's module definition is named after it (`a-b` -> `a_b`): when that name already holds
 * something else, installing would replace it, silently. `a-b`, `a_b` and `@a/b` share one
 * module name (the last installed would answer imports from all three), and a package named as
 * one of the person's own definitions would replace their code. Refused, before npm runs.
 */
function nameTaken(defs: Map<string, DefSummary>, pkg: string): Result | undefined {
  const name = moduleName(pkg);
  const def = defs.get(name);
  if (!def || def.package?.name === pkg) return undefined;
  const other = def.kind === 'module' ? def.package?.name : undefined;
  return failure({
    name: 'PackageError',
    message: other
      ? `${pkg} cannot be installed: its module definition would be ${name}, which is already the module of the package ${other} (packages whose names differ only in - _ @ / share one name; an image holds one of them)`
      : `${pkg} cannot be installed: its module definition would be ${name}, which is already the image's ${def.kind} ${name} (installing would replace it); rename that first`,
  });
}

/** `:install NAME[@VERSION]`: installs, bundles and enters the package's module definition. */
export async function installPackage(engine: Engine, spec: string, enter: Enter): Promise<Result> {
  const parsed = parseSpec(spec.trim());
  if (!parsed) {
    return failure({
      name: 'UsageError',
      message: spec.trim()
        ? `'${spec.trim()}' is not an npm package name with an optional version: only packages from the registry are installed (NAME, NAME@1.2.3, NAME@^1, @scope/NAME), never a URL, a path, a tarball or git`
        : 'usage: :install NAME[@VERSION] (an npm package)',
    });
  }
  try {
    const defs = await definitions(engine);
    const taken = nameTaken(defs, parsed.name);
    if (taken) return taken;
    const prepared = await engine.packages.prepare(spec.trim(), false);
    const current = defs.get(moduleName(parsed.name))?.package;
    if (
      current?.version === prepared.info.version &&
      current.integrity === prepared.info.integrity
    ) {
      return {
        ok: true,
        value: `${parsed.name}@${current.version} is already installed (${moduleName(parsed.name)})`,
        printed: [],
      };
    }
    const result = await enter(prepared.source);
    return result.ok
      ? { ...result, value: installedLine(prepared) }
      : loadFailure(prepared, result);
  } catch (error) {
    return failure(error);
  }
}

/**
 * Before an entry that imports packages: installs each one the image lacks (taking the version
 * its package folder already holds, if any). Undefined when nothing was needed; else the results
 * of the installations, merged (a failed one is returned as it is, and the entry does not run).
 */
export async function installImports(
  engine: Engine,
  imports: ImportDeclaration[],
  enter: Enter,
): Promise<Result | undefined> {
  let have: Map<string, DefSummary>;
  try {
    have = await definitions(engine);
  } catch (error) {
    return failure(error);
  }
  const wanted = [...new Set(imports.map((i) => i.package))].filter(
    (pkg) => have.get(moduleName(pkg))?.package?.name !== pkg,
  );
  if (wanted.length === 0) return undefined;
  const done: Result = { ok: true, defined: [], printed: [] };
  for (const pkg of wanted) {
    const taken = nameTaken(have, pkg);
    if (taken) return taken;
    let result: Result;
    let line: string;
    try {
      const prepared = await engine.packages.prepare(pkg, true);
      line = installedLine(prepared);
      result = loadFailure(prepared, await enter(prepared.source));
    } catch (error) {
      return failure(error);
    }
    if (!result.ok) return result;
    done.defined!.push(...(result.defined ?? []));
    done.printed.push(...result.printed, line);
  }
  return done;
}

/**
 * A package whose own code throws while the image loads it (its top level): the error names the
 * package, which the stack (frames in an anonymous bundle) does not. Nothing was entered.
 */
function loadFailure(prepared: { info: PackageInfo; undo: () => void }, result: Result): Result {
  const error = result.error;
  if (result.ok || !error) return result;
  prepared.undo();
  // Its line and column are in the generated entry, whose one line holds the whole bundle: not
  // something to show (lodash's is 300 KiB).
  const { sourceLine: _line, line: _l, column: _c, stack: _s, ...rest } = error;
  const { name, version } = prepared.info;
  return {
    ...result,
    error: error.message.includes(name)
      ? rest
      : {
          ...rest,
          message: `${name}@${version} threw while loading in the image: ${error.message}; it was not installed`,
        },
  };
}

/** `installed lodash-es@4.17.21 (bundle 301.2 KiB)`: which version the image now holds. */
function installedLine(prepared: { info: PackageInfo; source: string }): string {
  const { name, version } = prepared.info;
  return `installed ${name}@${version} (bundle ${(prepared.source.length / 1024).toFixed(1)} KiB)`;
}

/** The installations' definitions shown before the entry's own. */
export function withInstalls(installed: Result, result: Result): Result {
  return {
    ...result,
    defined: [...(installed.defined ?? []), ...(result.defined ?? [])],
    printed: [...installed.printed, ...result.printed],
  };
}

/** The image's packages (name, version, integrity), sorted by name: for an export's manifest. */
export async function packagesOf(engine: Engine): Promise<PackageInfo[]> {
  const reply = await ask(engine, { op: 'defs' });
  if (!reply.ok) throw new Error(reply.error.message);
  return imagePackages(reply.defs);
}
