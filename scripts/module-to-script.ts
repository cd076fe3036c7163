// The session's bundle, one ES module, made a script (dist/session.js) that bin/viv.js compiles
// with node:vm, so that it can be given V8's cached data made *after* a run: every function the run
// compiled is in it, where Node's compile cache for modules keeps only what is compiled before a
// module runs (its top level). ~40 ms of CPU less at each start of the REPL, most of it before the
// REPL is drawn.
//
// The script's value is `async function (require, importMeta)`, which runs the module and resolves
// to its exports. The module's text is kept line for line (esbuild's source map still holds); what
// a script cannot hold is rewritten:
// - `import ... from 'node:x'` (a built-in, the only imports left: packages are bundled, or taken
//   through `require` when they are needed, see lazyPackages in bundle.ts): the same names taken
//   from `process.getBuiltinModule`, at the top, as the module's imports are linked before it runs;
// - `import('node:x')` of a built-in: `Promise.resolve(process.getBuiltinModule('node:x'))`; a
//   script compiled by node:vm has no module loader for any other;
// - `import.meta`: the parameter `importMeta`;
// - the closing `export { a as b }`: `return { b: a }`;
// - a character outside ASCII in a comment: `?` (so the script loads as Latin-1).
// Anything else a script cannot hold fails the build (bin/viv.js then runs the sources).
import { parse } from 'acorn';
import type {
  Comment,
  ExportNamedDeclaration,
  ImportDeclaration,
  ImportExpression,
  MetaProperty,
  Node,
  Program,
} from 'acorn';
import { builtinModules } from 'node:module';
import MagicString from 'magic-string';

const IMPORT_META = '__vivImportMeta';

/** The script made of `module` (the text of one ES module with no import but of built-ins). */
export function moduleToScript(module: string): string {
  if (module.includes(IMPORT_META)) throw new Error(`the module already uses ${IMPORT_META}`);
  const comments: Comment[] = [];
  const program = parse(module, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    onComment: comments,
  }) as Program;
  const text = new MagicString(module);
  // Only comments hold characters outside ASCII (esbuild escapes them in code): each becomes a
  // '?', so the script is ASCII and loads as Latin-1, without a UTF-8 decoding (~1.5 ms).
  for (const comment of comments) {
    for (const match of module.slice(comment.start, comment.end).matchAll(/[^\x00-\x7f]/gu)) {
      const at = comment.start + match.index;
      text.overwrite(at, at + match[0].length, '?');
    }
  }
  const imports: string[] = [];
  /** Each built-in taken once (a name per module id), however many imports name it. */
  const builtins = new Map<string, string>();
  let exports: string | undefined;
  for (const node of program.body) {
    if (node.type === 'ImportDeclaration') {
      imports.push(builtinImport(node, builtins));
      text.overwrite(node.start, node.end, ';');
    } else if (
      node.type === 'ExportNamedDeclaration' &&
      !node.declaration &&
      !node.source &&
      exports === undefined
    ) {
      exports = exportsObject(node);
      text.overwrite(node.start, node.end, ';');
    } else if (node.type.startsWith('Export')) {
      throw new Error(`the module has an export a script cannot hold: ${node.type}`);
    }
  }
  walk(program, (node) => {
    if (node.type === 'MetaProperty') {
      const meta = node as MetaProperty;
      if (meta.meta.name === 'import') text.overwrite(meta.start, meta.end, IMPORT_META);
    } else if (node.type === 'ImportExpression') {
      const call = node as ImportExpression;
      const source = call.source;
      if (source.type !== 'Literal' || typeof source.value !== 'string' || !builtin(source.value)) {
        throw new Error(
          `the module imports at run time what is not a built-in: ${module.slice(call.start, call.end)}`,
        );
      }
      text.overwrite(
        call.start,
        call.end,
        `Promise.resolve(process.getBuiltinModule(${JSON.stringify(source.value)}))`,
      );
    }
  });
  // The first line (esbuild's banner, or the first import) takes the function's head, so no line
  // moves.
  text.prepend(`(async function (require, ${IMPORT_META}) {"use strict";${imports.join('')}`);
  text.append(`\nreturn ${exports ?? '{}'};\n})\n`);
  return text.toString();
}

function builtin(id: string): boolean {
  return id.startsWith('node:') || builtinModules.includes(id);
}

/** `import a, { b as c } from 'node:x'` as `const a = m, c = m.b;` (m: the built-in, taken once). */
function builtinImport(node: ImportDeclaration, builtins: Map<string, string>): string {
  const id = node.source.value;
  if (typeof id !== 'string' || !builtin(id)) {
    throw new Error(`the module imports what is not a built-in: ${String(id)}`);
  }
  let module = builtins.get(id);
  let take = '';
  if (!module) {
    module = `${IMPORT_META}Builtin${builtins.size}`;
    builtins.set(id, module);
    take = `const ${module} = process.getBuiltinModule(${JSON.stringify(id)});`;
  }
  const names = node.specifiers.map((specifier) => {
    if (specifier.type !== 'ImportSpecifier') return `${specifier.local.name} = ${module}`;
    const imported = specifier.imported;
    const name = imported.type === 'Identifier' ? imported.name : String(imported.value);
    // (`default` of a built-in is the module itself.)
    return name === 'default'
      ? `${specifier.local.name} = ${module}`
      : `${specifier.local.name} = ${module}[${JSON.stringify(name)}]`;
  });
  return take + (names.length ? `const ${names.join(', ')};` : '');
}

/** `export { a as b, c }` as `{ "b": a, "c": c }`. */
function exportsObject(node: ExportNamedDeclaration): string {
  const pairs = node.specifiers.map((specifier) => {
    const local = specifier.local;
    const exported = specifier.exported;
    if (local.type !== 'Identifier') throw new Error('the module exports a string name');
    const name = exported.type === 'Identifier' ? exported.name : String(exported.value);
    return `${JSON.stringify(name)}: ${local.name}`;
  });
  return `{ ${pairs.join(', ')} }`;
}

/** Calls `visit` on every node under `node`. */
function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) walk(item, visit);
    } else if (isNode(value)) walk(value, visit);
  }
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}
