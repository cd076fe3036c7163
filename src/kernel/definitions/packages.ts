// npm packages in the image: a `module` definition holds a package's namespace, evaluated from the
// bundle that its version's source carries (the session installs and bundles; only this code, in
// the isolate, ever runs the package). Names bound by `import` read their export from it.
import type { DefSummary, ImportInfo } from '../../shared/types.ts';
import type { Definition, Version } from './model.ts';
import { safe, Error, Map, Object, TypeError, hasOwn, indirectEval } from '../primordials.ts';
import { $indexOf, $slice } from '../primordials-methods.ts';

/** Runs a package's bundle (a script whose value is the namespace) and checks what it yields. */
export function evaluatePackage(code: string, pkg: string): Record<string, unknown> {
  const exports = indirectEval(code) as unknown;
  if (exports === null || typeof exports !== 'object') {
    throw new TypeError(`the bundle of ${pkg} did not yield a module namespace`);
  }
  return exports as Record<string, unknown>;
}

/**
 * The package's exported functions, each by its export's name: read once, when the bundle ran (a
 * namespace's exports are getters, and saving runs no package code), so that a function of the
 * package held anywhere in the heap is saved as `module:export` and found again on open.
 */
export function exportedFunctions(exports: Record<string, unknown>): Map<Function, string> {
  const found = new Map<Function, string>();
  for (const key of safe(Object.keys(exports))) {
    const value = exports[key];
    if (typeof value === 'function' && !found.has(value)) found.set(value, key);
  }
  return found;
}

/** How the heap names a package's function: `lodash_es:chunk` (a definition name has no colon). */
export function packageFunctionName(modules: Definition[], fn: Function): string | undefined {
  for (const def of safe(modules)) {
    const key = def.exportFns?.get(fn);
    if (key !== undefined) return `${def.name}:${key}`;
  }
  return undefined;
}

/** The function a heap's `module:export` names, from the module as the image opened it. */
export function packageFunction(
  lookup: (name: string) => Definition | undefined,
  name: string,
): Function | undefined {
  const at = $indexOf(name, ':');
  if (at < 0) return undefined;
  const def = lookup($slice(name, 0, at));
  const key = $slice(name, at + 1);
  const value = def?.exports?.[key];
  if (typeof value !== 'function') {
    throw new Error(
      `the heap holds the function ${key} of the package in ${$slice(name, 0, at)}, which the image's bundle does not export`,
    );
  }
  return value;
}

/** What `import { name }` (or `default`, or `* as`) binds; throws when the package lacks it. */
export function exportOf(
  exports: Record<string, unknown>,
  imports: ImportInfo,
  local: string,
  version?: string,
): unknown {
  if (imports.export === '*') return exports;
  if (!hasOwn(exports, imports.export)) {
    const which = version ? `${imports.package}@${version}` : imports.package;
    throw new Error(
      `${which} has no export '${imports.export}' (imported as ${local})` +
        (imports.export === 'default'
          ? `; try import * as ${local} from '${imports.package}'`
          : ''),
    );
  }
  return exports[imports.export];
}

/** The installed namespace of a module definition, or a clear error when there is none. */
export function installedExports(
  def: Definition | undefined,
  imports: ImportInfo,
): Record<string, unknown> {
  if (!def || def.current === 0 || def.kind !== 'module' || !def.exports) {
    throw new Error(
      `the package ${imports.package} is not installed in this image (:install ${imports.package})`,
    );
  }
  return def.exports;
}

/** What `:defs` says of a module or an imported name beyond kind and version. */
export function packageFields(v: Version | undefined): Partial<DefSummary> {
  if (!v) return {};
  if (v.package) return { package: v.package };
  if (v.imports) return { imports: v.imports };
  return {};
}
