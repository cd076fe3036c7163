// How packages are named in an image: the npm name as typed, and the identifier of the module
// definition that holds it (`lodash-es` -> `lodash_es`, `@scope/pkg` -> `scope_pkg`).
import { builtinModules } from 'node:module';

/** A valid npm package name (scoped or not), lower case as the registry requires. */
const NAME = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

export function isPackageName(name: string): boolean {
  return NAME.test(name) && name.length <= 214;
}

/** The identifier of the module definition for a package. */
export function moduleName(pkg: string): string {
  const id = pkg.replace(/^@/, '').replace(/[^A-Za-z0-9_$]/g, '_');
  return /^[0-9]/.test(id) ? `_${id}` : id;
}

/** `fs`, `node:fs`, `fs/promises`: a Node built-in, which the isolate does not have. */
export function isNodeBuiltin(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  return builtinModules.includes(specifier) || builtinModules.includes(specifier.split('/')[0]!);
}

/** `NAME[@VERSION]` as `:install` takes it (`@scope/name@1.2.3` too). */
export function parseSpec(spec: string): { name: string; version?: string } | undefined {
  const at = spec.indexOf('@', 1);
  const name = at > 0 ? spec.slice(0, at) : spec;
  const version = at > 0 ? spec.slice(at + 1) : undefined;
  if (!isPackageName(name) || version === '') return undefined;
  if (version !== undefined && !/^[A-Za-z0-9.^~<>=|*+\- ]+$/.test(version)) return undefined;
  return { name, version };
}
