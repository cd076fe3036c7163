// `import ... from 'pkg'` in an entry. Entries are scripts (sloppy, like Node's REPL), in which
// acorn refuses `import`; so an entry that has one is read once more as a module only to find its
// top-level import declarations, which are then blanked (lines kept) for the script parse and
// become declarations of their own: each imported name is a definition bound to an export of the
// package's module definition (src/kernel/definitions/packages.ts).
import * as acorn from 'acorn';
import { EntrySyntaxError } from './source-error.ts';
import { parseScript } from './parse-script.ts';
import type { PositionMap } from './position-map.ts';
import type { DeclarationInfo } from '../../shared/types.ts';
import { isNodeBuiltin, isPackageName, moduleName } from '../packages/names.ts';

export interface ImportDeclaration {
  /** Offsets in the stripped code. */
  start: number;
  end: number;
  /** The package (`lodash-es`) and its module definition (`lodash_es`). */
  package: string;
  module: string;
  /** Each local name and what it imports: an export's name, `default`, or `*`. */
  names: { local: string; imported: string }[];
}

/**
 * The entry's code with its import declarations blanked, and those declarations. Code without a
 * top-level `import` comes back as it was (the script parse then reports any error as usual).
 */
export function splitImports(
  code: string,
  source: string,
  positions: PositionMap,
): { code: string; imports: ImportDeclaration[]; declarations: DeclarationInfo[] } {
  const none = { code, imports: [], declarations: [] };
  if (!/\bimport\b/.test(code)) return none;
  let program: acorn.Program;
  try {
    parseScript(code);
    return none;
  } catch (error) {
    if (!(error as Error).message.startsWith("'import' and 'export'")) return none;
  }
  try {
    program = acorn.parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'module',
      allowHashBang: true,
    });
  } catch {
    return none;
  }
  const imports: ImportDeclaration[] = [];
  const declarations: DeclarationInfo[] = [];
  let blanked = code;
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration') continue;
    const pkg = String(statement.source.value);
    const at = positions.toSource(statement.source.start);
    refuseSpecifier(pkg, source, at);
    const text = positions.sourceSlice(statement.start, statement.end);
    const names = statement.specifiers.map((s) => ({
      local: s.local.name,
      imported:
        s.type === 'ImportNamespaceSpecifier'
          ? '*'
          : s.type === 'ImportDefaultSpecifier'
            ? 'default'
            : s.imported.type === 'Identifier'
              ? s.imported.name
              : String(s.imported.value),
    }));
    imports.push({
      start: statement.start,
      end: statement.end,
      package: pkg,
      module: moduleName(pkg),
      names,
    });
    for (const n of names) {
      declarations.push({
        name: n.local,
        kind: 'const',
        binding: 'const',
        once: false,
        source: text,
      });
    }
    blanked =
      blanked.slice(0, statement.start) +
      code.slice(statement.start, statement.end).replace(/[^\n]/g, ' ') +
      blanked.slice(statement.end);
  }
  return { code: blanked, imports, declarations };
}

function refuseSpecifier(pkg: string, source: string, at: number): void {
  if (isNodeBuiltin(pkg)) {
    throw new EntrySyntaxError(
      `'${pkg}' is a Node API: code in the image runs in an isolate, which has no Node APIs (no fs, net, child_process, ...)`,
      source,
      at,
    );
  }
  if (pkg.startsWith('.') || pkg.startsWith('/')) {
    throw new EntrySyntaxError(
      `import from a file ('${pkg}') is not supported in entries: import npm packages by name`,
      source,
      at,
    );
  }
  const root = pkg.startsWith('@') ? pkg.split('/').slice(0, 2).join('/') : pkg.split('/')[0]!;
  if (root !== pkg && isPackageName(root)) {
    throw new EntrySyntaxError(
      `import from a subpath of a package ('${pkg}') is not supported: import from '${root}'`,
      source,
      at,
    );
  }
  if (!isPackageName(pkg)) {
    throw new EntrySyntaxError(`'${pkg}' is not an npm package name`, source, at);
  }
}
