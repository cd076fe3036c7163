// Analysis of an entry with acorn: which top-level names it defines and how, whether it awaits at
// the top level, and where each declaration's text begins and ends in what the user typed.
import { eachNode } from './each-node.ts';
import type * as acorn from 'acorn';
import { EntrySyntaxError } from './source-error.ts';
import { refuseReservedNames } from './reserved.ts';
import { IncompleteEntry, isIncomplete, plainScript, stripTypeScript } from './strip.ts';
import { parseScript } from './parse-script.ts';
import { PositionMap } from './position-map.ts';
import { openBrackets } from './brackets.ts';
import { splitImports } from './imports.ts';
import type { ImportDeclaration } from './imports.ts';
import type { DeclarationInfo, DefKind } from '../../shared/types.ts';

type Node = acorn.AnyNode;

const NO_MODULES =
  'export is not available in entries (every top-level declaration is already shared by the image); import only at the top level of an entry, from an npm package';

const NO_DECORATORS =
  'decorators (@) are not supported in entries: V8 does not run them yet and compiling them needs helpers that would change what a class is; call the function on the class or method instead';

/** A declaration as the analysis sees it: the one type the guest receives too (shared/types.ts). */
export type Declaration = DeclarationInfo;
export type { DefKind };

export interface AnalyzedEntry {
  /** The entry as typed. */
  source: string;
  /** The entry with types stripped, same lines. */
  code: string;
  program: acorn.Program;
  declarations: Declaration[];
  topLevelAwait: boolean;
  positions: PositionMap;
  /** `import ... from 'pkg'` declarations (blanked in `code`). */
  imports: ImportDeclaration[];
}

/**
 * Parses and analyses an entry; throws EntrySyntaxError or IncompleteEntry. Node's REPL rule: an
 * entry that starts with `{` and does not end with `;` is tried as an expression in parentheses
 * first (`{a: 1}` is an object, not a block with a label); if that does not parse, as typed.
 * Replay analyses the journaled text again, so it takes the same reading.
 */
export function analyze(source: string): AnalyzedEntry {
  if (/^\s*\{/.test(source) && !/;\s*$/.test(source)) {
    try {
      return analyzeText(`(${source.trim()})`);
    } catch {
      // A block after all (`{ let x = 1; x }`): read as typed, below.
    }
  }
  return analyzeText(source);
}

function analyzeText(source: string): AnalyzedEntry {
  // Plain JavaScript is parsed once: the parse that tells it needs no stripping is the program
  // (and, parsing as a script, it has no import declaration to split off).
  const plain = plainScript(source);
  const stripped = plain ? source : stripTypeScript(source);
  const positions = new PositionMap(source, stripped);
  const split = plain
    ? { code: source, imports: [], declarations: [] }
    : splitImports(stripped, source, positions);
  const code = split.code;
  let program: acorn.Program;
  try {
    program = plain ?? parseScript(code);
  } catch (error) {
    const e = error as SyntaxError & { pos?: number };
    const pos = typeof e.pos === 'number' ? e.pos : code.length;
    let message = e.message.replace(/ \(\d+:\d+\)$/, '');
    if (isIncomplete(message, pos, code)) throw new IncompleteEntry(message);
    if (message.startsWith("'import' and 'export'")) message = NO_MODULES;
    if (code[pos] === '@') message = NO_DECORATORS;
    throw new EntrySyntaxError(message, source, positions.toSource(pos));
  }
  refuseReservedNames(program, source, positions);
  const declarations: Declaration[] = [...split.declarations];
  for (const statement of program.body) {
    collectDeclarations(statement, source, positions, declarations);
  }
  return {
    source,
    code,
    program,
    declarations,
    topLevelAwait: hasTopLevelAwait(program),
    positions,
    imports: split.imports,
  };
}

/** True when more input could complete the text (the REPL's continuation rule). */
export function isComplete(source: string): boolean {
  return completeAnalysis(source) !== 'incomplete';
}

/**
 * The REPL's continuation rule, answered with the analysis itself when the text is a complete
 * entry (so that it is analysed once on its way to the guest): 'incomplete' when more lines could
 * complete it, 'error' when they could not (the error is reported when it is evaluated). Text
 * with brackets still open is incomplete without being parsed.
 */
export function completeAnalysis(source: string): AnalyzedEntry | 'incomplete' | 'error' {
  if (openBrackets(source) > 0) return 'incomplete';
  try {
    return analyze(source);
  } catch (error) {
    return error instanceof IncompleteEntry ? 'incomplete' : 'error';
  }
}

function collectDeclarations(
  statement: Node,
  source: string,
  positions: PositionMap,
  out: Declaration[],
): void {
  const text = () => positions.sourceSlice(statement.start, statement.end);
  switch (statement.type) {
    case 'FunctionDeclaration':
      out.push({
        name: statement.id!.name,
        kind: 'function',
        binding: 'function',
        once: false,
        source: text(),
      });
      return;
    case 'ClassDeclaration':
      out.push({
        name: statement.id!.name,
        kind: 'class',
        binding: 'class',
        once: false,
        source: text(),
      });
      return;
    case 'VariableDeclaration':
      for (const declarator of statement.declarations) {
        const binding = statement.kind as 'const' | 'let' | 'var';
        if (declarator.id.type === 'Identifier') {
          const enumText = enumSource(statement, positions.code, source);
          out.push({
            name: declarator.id.name,
            kind: enumText === undefined ? valueKind(declarator.init, binding) : 'enum',
            binding,
            once: isOnceCall(declarator.init),
            source: enumText ?? text(),
          });
        } else {
          for (const name of patternNames(declarator.id)) {
            out.push({ name, kind: binding, binding, once: false, source: text() });
          }
        }
      }
      return;
    case 'ImportDeclaration':
    case 'ExportNamedDeclaration':
    case 'ExportDefaultDeclaration':
    case 'ExportAllDeclaration':
      throw new EntrySyntaxError(NO_MODULES, source, positions.toSource(statement.start));
    default:
      return;
  }
}

/**
 * The typed text of `enum E { ... }` (or `const enum`) when the stripped `var E;` came from one:
 * the stripper writes `var E;` and the enum's body on the enum's line, so the declaration's text
 * is found on that line of the typed text, up to its closing brace (strings and comments skipped).
 */
function enumSource(
  statement: acorn.VariableDeclaration,
  code: string,
  source: string,
): string | undefined {
  const [only, ...more] = statement.declarations;
  if (statement.kind !== 'var' || more.length > 0 || only?.init) return undefined;
  if (only?.id.type !== 'Identifier') return undefined;
  let lineStart = 0;
  for (let i = code.indexOf('\n'); i !== -1 && i < statement.start; i = code.indexOf('\n', i + 1)) {
    lineStart = source.indexOf('\n', lineStart) + 1;
  }
  const name = only.id.name.replace(/\$/g, '\\$');
  const head = new RegExp(`(?:\\bconst\\s+)?\\benum\\s+${name}\\s*\\{`, 'y');
  const lineEnd = source.indexOf('\n', lineStart);
  for (let at = lineStart; at < (lineEnd === -1 ? source.length : lineEnd); at++) {
    head.lastIndex = at;
    if (!head.exec(source)) continue;
    const text = source.slice(at);
    for (let end = text.indexOf('}'); end !== -1; end = text.indexOf('}', end + 1)) {
      if (openBrackets(text.slice(0, end + 1)) === 0) return text.slice(0, end + 1);
    }
  }
  return undefined;
}

/** A declarator whose initializer is a function or class literal defines a stable cell. */
export function valueKind(
  init: acorn.Expression | null | undefined,
  binding: 'const' | 'let' | 'var',
): DefKind {
  if (!init) return binding;
  if (isPackageCall(init)) return 'module';
  if (init.type === 'ArrowFunctionExpression' || init.type === 'FunctionExpression') {
    return 'function';
  }
  if (init.type === 'ClassExpression' && !init.id) return 'class';
  return binding;
}

/**
 * `$package(name, version, integrity, code)`, four string literals: the form in which `:install`
 * and an entry's `import` record a package's bundle as a module definition (src/session/packages).
 */
export function isPackageCall(init: acorn.Expression | null | undefined): boolean {
  return (
    !!init &&
    init.type === 'CallExpression' &&
    init.callee.type === 'Identifier' &&
    init.callee.name === '$package' &&
    init.arguments.length === 4 &&
    init.arguments.every((a) => a.type === 'Literal' && typeof a.value === 'string')
  );
}

export function isOnceCall(init: acorn.Expression | null | undefined): boolean {
  return isCallOf('once', init);
}

/** `transient(() => init)`: a value rebuilt when the image opens instead of saved. */
export function isTransientCall(init: acorn.Expression | null | undefined): boolean {
  return isCallOf('transient', init);
}

function isCallOf(callee: string, init: acorn.Expression | null | undefined): boolean {
  return (
    !!init &&
    init.type === 'CallExpression' &&
    init.callee.type === 'Identifier' &&
    init.callee.name === callee &&
    init.arguments.length === 1 &&
    init.arguments[0]!.type !== 'SpreadElement'
  );
}

export function patternNames(pattern: acorn.Pattern): string[] {
  switch (pattern.type) {
    case 'Identifier':
      return [pattern.name];
    case 'ObjectPattern':
      return pattern.properties.flatMap((p) =>
        p.type === 'RestElement' ? patternNames(p.argument) : patternNames(p.value),
      );
    case 'ArrayPattern':
      return pattern.elements.flatMap((e) => (e ? patternNames(e) : []));
    case 'RestElement':
      return patternNames(pattern.argument);
    case 'AssignmentPattern':
      return patternNames(pattern.left);
    default:
      return [];
  }
}

/** An `await` (or `for await`) outside every function body makes the entry asynchronous. */
export function hasTopLevelAwait(program: acorn.Program): boolean {
  let found = false;
  eachNode(program.body, (n) => {
    if (found) return false;
    if (n.type === 'AwaitExpression' || (n.type === 'ForOfStatement' && n.await)) found = true;
    return !found && !isFunctionBoundary(n.type);
  });
  return found;
}

export function isFunctionBoundary(type: string): boolean {
  return (
    type === 'FunctionDeclaration' ||
    type === 'FunctionExpression' ||
    type === 'ArrowFunctionExpression' ||
    type === 'MethodDefinition' ||
    type === 'PropertyDefinition' ||
    type === 'StaticBlock'
  );
}
