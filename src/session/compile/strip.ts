// Type stripping of entries, chosen on evidence (ARCHITECTURE.md, "Choosing the TypeScript
// stripper"). Node's own stripper (amaro, swc's parser: `module.stripTypeScriptTypes` in strip
// mode) comes first: it parses JavaScript as V8 does (sucrase refuses `yield [...yield]`) and
// replaces types with spaces, so every character stays at its offset and errors and stack traces
// point at the user's text. What strip mode cannot erase because it needs generated code (enums,
// parameter properties, `<T>x` casts) goes to sucrase, which generates it on the same lines.
// Namespaces and `export =` are refused with their line (sucrase would drop a namespace silently,
// sucrase#659).
import { createRequire, getCompileCacheDir, stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { readSealed, sha256, writeSealed } from '../../shared/sealed-file.ts';
import type * as acorn from 'acorn';
import { parseScript } from './parse-script.ts';
import { EntrySyntaxError } from './source-error.ts';
import { openBrackets } from './brackets.ts';

export class IncompleteEntry extends Error {
  override name = 'IncompleteEntry';
}

interface SucraseError extends Error {
  pos?: number;
}

/** TypeScript constructs that are refused, by the words of amaro's message, with where they start. */
const REFUSED: { construct: RegExp; at: RegExp; message: string }[] = [
  {
    construct: /namespace|module declaration/,
    at: /\b(namespace|module)\s+[\w$.]+\s*\{/,
    message:
      'TypeScript namespaces are not supported in entries: every top-level declaration is already shared by the image; declare its members at the top level or in an object',
  },
  {
    construct: /export assignment|import equals|import.*require/i,
    at: /\b(export\s*=|import\s+[\w$]+\s*=)/,
    message:
      'TypeScript `export =` and `import x = require()` are not available in entries: every top-level declaration is already shared by the image',
  },
];

/** Strips TypeScript from an entry. Throws IncompleteEntry when more lines could complete it. */
export function stripTypes(source: string): string {
  return plainScript(source) ? source : stripTypeScript(source);
}

/** Strips TypeScript from text known not to be plain JavaScript (see plainScript). */
export function stripTypeScript(source: string): string {
  try {
    const stripped = stripKept(source);
    return blanksModifierWord(source, stripped) ? stripWithSucrase(source) : stripped;
  } catch (error) {
    const e = error as Error & { code?: string };
    if (e.code === 'ERR_UNSUPPORTED_TYPESCRIPT_SYNTAX') {
      const refused = REFUSED.find((r) => r.construct.test(e.message));
      if (refused) throw new EntrySyntaxError(refused.message, source, where(source, refused.at));
    }
    // Constructs that need generated code, or a syntax error: amaro's errors carry no position,
    // sucrase's do (and an entry that is still incomplete must be told apart).
    return stripWithSucrase(source);
  }
}

/**
 * Text with nothing to strip, parsed: it parses as JavaScript, and has no `<` (where text that
 * parses as JavaScript can mean something else as TypeScript: `f<T>(x)` is a generic call there,
 * two comparisons here). Node's stripper is WebAssembly that takes ~45 ms of CPU (~85 ms) to load: a
 * session whose entries are plain JavaScript never loads it.
 */
export function plainScript(source: string): acorn.Program | undefined {
  if (source.includes('<')) return undefined;
  try {
    return parseScript(source);
  } catch {
    return undefined;
  }
}

/**
 * A word that TypeScript takes for a modifier only when what it modifies is on the same line
 * (`declare`, `abstract`, `namespace`, `module`, `global`), at the end of a line, and blanked by
 * Node's stripper: it read `declare⏎let x = 1` as one ambient declaration and blanked both lines,
 * where tsc (and JavaScript) read the expression `declare` and then `let x = 1`. Sucrase reads it
 * as tsc does. (Without a `<` the text goes as typed, so it meant one thing or the other depending
 * on whether a `<` appeared anywhere in the entry, even in a comment.)
 */
function blanksModifierWord(source: string, stripped: string): boolean {
  const word = /\b(declare|abstract|namespace|module|global)[ \t]*(?:\/\/[^\n]*)?\r?\n/g;
  for (let m = word.exec(source); m; m = word.exec(source)) {
    if (stripped.slice(m.index, m.index + m[1]!.length).trim() === '') return true;
  }
  return false;
}

/**
 * Long texts (the standard library every new image loads, files loaded or imported) are kept
 * stripped on disk under Node's compile cache, keyed by the text and Node's version (amaro comes
 * with Node), and sealed: opening a new image does not load the stripper for the same 400 lines.
 */
const KEPT_FROM = 512;

export function stripKept(source: string, dir = keptDir(source)): string {
  if (!dir) return nodeStrip(source);
  const file = join(dir, `${sha256(`${process.version}\0${source}`).slice(0, 40)}.js`);
  const kept = readSealed(file);
  if (kept !== undefined && isStrippingOf(kept, source)) return kept;
  const stripped = nodeStrip(source);
  writeSealed(dir, file, stripped);
  return stripped;
}

/** Node's own stripper (amaro), strip mode: every character stays at its offset. */
function nodeStrip(source: string): string {
  return withoutExperimentalWarning(() => stripTypeScriptTypes(source, { mode: 'strip' }));
}

/**
 * Whether `kept` can be what strip mode made of `source`: it keeps every character at its offset
 * and only blanks some (a space, U+FEFF for half of a surrogate pair, or `;` where removing a type
 * would join two statements). A sealed file of some other text put under this one's name (copied
 * by hand, or by someone who can write there) is stripped again, not run.
 */
function isStrippingOf(kept: string, source: string): boolean {
  if (kept.length !== source.length) return false;
  for (let i = 0; i < kept.length; i++) {
    const c = kept.charCodeAt(i);
    if (c !== source.charCodeAt(i) && c !== 0x20 && c !== 0xfeff && c !== 0x3b) return false;
  }
  return true;
}

/** Where a text is kept stripped: long ones under Node's compile cache (bin/viv.js turns it on). */
function keptDir(source: string): string | undefined {
  const base = source.length >= KEPT_FROM ? getCompileCacheDir() : undefined;
  return base ? join(base, 'vivarium-stripped') : undefined;
}

/**
 * Node warns once that `stripTypeScriptTypes` is experimental, on stderr, in the middle of a
 * session's output: the first call runs with warnings silenced (Node warns only once anyway).
 */
let warned = false;
function withoutExperimentalWarning<T>(strip: () => T): T {
  if (warned) return strip();
  const emitWarning = process.emitWarning;
  process.emitWarning = () => {};
  try {
    return strip();
  } finally {
    process.emitWarning = emitWarning;
    warned = true;
  }
}

function where(source: string, pattern: RegExp): number {
  return pattern.exec(source)?.index ?? 0;
}

/**
 * Sucrase (57 modules) is loaded the first time an entry needs it, not at every start: most entries
 * never do (issue 12, start time). `require` keeps stripping synchronous.
 */
let sucrase: typeof import('sucrase') | undefined;
const require = createRequire(import.meta.url);

function stripWithSucrase(source: string): string {
  sucrase ??= require('sucrase') as typeof import('sucrase');
  try {
    const code = sucrase.transform(source, {
      transforms: ['typescript'],
      disableESTransforms: true,
      keepUnusedImports: true,
    }).code;
    return freshEnums(code);
  } catch (error) {
    // TypeScript refuses some JavaScript (a `with` statement): text that is JavaScript as it
    // stands needs no stripping.
    if (isJavaScript(source)) return source;
    const e = error as SucraseError;
    const pos = typeof e.pos === 'number' ? e.pos : source.length;
    const message = e.message.replace(/ \(\d+:\d+\)$/, '');
    if (isIncomplete(message, pos, source)) throw new IncompleteEntry(message);
    throw new EntrySyntaxError(message, source, pos);
  }
}

function isJavaScript(source: string): boolean {
  try {
    parseScript(source);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sucrase compiles `enum E {...}` to `var E; (function (E) {...})(E || (E = {}));`, which merges
 * into an existing `E`: in an image, entering the enum again would keep members it no longer has.
 * Each declaration makes a new object instead (as a fresh tsc-compiled script would).
 */
function freshEnums(code: string): string {
  return code.replace(/\}\)\(([\w$]+) \|\| \(\1 = \{\}\)\);/g, '})($1 = {});');
}

/**
 * An error at the very end of the text, or an open template or comment, means "keep typing".
 * Sucrase reports some unfinished entries (a dangling `=>`, an arrow whose body is still open) at
 * a token in the middle, so an error followed by nothing but such a token, or any error while
 * brackets are still open, counts as "keep typing" too.
 */
export function isIncomplete(message: string, pos: number, source: string): boolean {
  if (/^Unterminated (template|comment)/.test(message)) return true;
  if (/^Unterminated string/.test(message)) return false;
  const rest = source.slice(pos).trim();
  if (rest === '' || /^(=>|[,([{.?:=+\-*/%&|^<>!~]+)$/.test(rest)) return true;
  return openBrackets(source) > 0;
}
