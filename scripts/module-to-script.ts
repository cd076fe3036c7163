// The session's bundle, one ES module, made a script (dist/session.js) that bin/viv.js compiles
// with node:vm, so that it can be given V8's cached data made *after* a run: every function the run
// compiled is in it, where Node's compile cache for modules keeps only what is compiled before a
// module runs (its top level). ~40 ms of CPU less at each start of the REPL, most of it before the
// REPL is drawn.
//
// The script's value is `async function (require, __vivImportMeta)`, which runs the module and
// resolves to its exports. esbuild makes the module so that a script can hold it: built-ins are
// modules of the bundle (builtinsUnread), packages left out are taken with `require`
// (lazyPackages), and `import.meta` is `__vivImportMeta` (a define). What is left here:
// - the module's imports, as esbuild's metafile lists them: none may need a module loader (an
//   import statement or a dynamic import of something outside the bundle), or the build fails;
// - esbuild's closing `export { a as b };`: `return { b: a }`;
// - a character outside ASCII: esbuild escapes them in code, so one left is in a comment: `?`
//   (the script is ASCII and loads as Latin-1, without decoding UTF-8).
// The module's text is kept line for line (its source map still holds). No parse: acorn took
// ~0.5 s for the 1.7 MB bundle, at every build.

/** The script's parameter that stands for `import.meta` (bundle.ts defines it so). */
export const IMPORT_META = '__vivImportMeta';

/** An import of the module, as esbuild's metafile lists the output's. */
export interface OutputImport {
  path: string;
  kind: string;
  external?: boolean;
}

/** The closing export statement esbuild writes, and the source map's comment after it. */
const CLOSING_EXPORT = /\nexport \{([^}]*)\};\n((?:\/\/# sourceMappingURL=[^\n]*\n)?)$/;

/** The script made of `module` (esbuild's output, ESM, with the `imports` its metafile lists). */
export function moduleToScript(module: string, imports: readonly OutputImport[]): string {
  for (const { path, kind, external } of imports) {
    if (external && (kind === 'import-statement' || kind === 'dynamic-import')) {
      throw new Error(`the module imports what a script cannot: ${path} (${kind})`);
    }
  }
  const closing = CLOSING_EXPORT.exec(module);
  if (!closing) throw new Error('the module does not end with one export { ... } of its names');
  const body = module.slice(0, closing.index);
  const exports = closing[1]!
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [local, exported = local] = part.split(/\s+as\s+/);
      return `${JSON.stringify(exported)}: ${local}`;
    });
  const ascii = body.replace(/[^\x00-\x7f]/gu, '?');
  // The function's head goes on the first line, so no line moves.
  return (
    `(async function (require, ${IMPORT_META}) {"use strict";${ascii}\n` +
    `return { ${exports.join(', ')} };\n})\n${closing[2]}`
  );
}
