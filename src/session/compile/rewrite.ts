// Turns an analysed entry into the script the guest kernel evaluates. Every line stays on its line
// (only line 1 gains a prefix), so stack traces and errors keep pointing at the user's text.
//
// The shape: the entry becomes the body of a wrapper function that the kernel calls inside a
// transaction. Top-level declarations become calls into the kernel (`__viv.fn`, `__viv.cls`,
// `__viv.val`, `__viv.once`) that stage a new version of a definition; function declarations keep
// their hoisting (they stay local declarations of the wrapper, registered in a prologue), and the
// last expression statement becomes the entry's result. Implementations are named by the
// language (declarations, `{ "f": expr }["f"]`), never by defineProperty: a function whose `name`
// was redefined is no longer inlined through `apply` (measured: 14x slower stub calls).
import MagicString from 'magic-string';
import { patternNames } from './analyze.ts';
import type { AnalyzedEntry } from './analyze.ts';
import { rewriteClass } from './rewrite-class.ts';
import { STAGING_PARAMETER } from './reserved.ts';
import { blank } from './blank.ts';
import { rewriteVariables } from './rewrite-variables.ts';
import { hoistedVars, markDeletes, markTopLevelAwaits, nestedVars } from './rewrite-statements.ts';

export interface RewriteOptions {
  /** `:check`: evaluate only function and class definitions, skip every other statement. */
  checkOnly?: boolean;
  /** Shown in stack traces as the script's name. */
  sourceName?: string;
}

export interface GuestScript {
  /** Script text that evaluates to the wrapper function. */
  code: string;
  /** Decoded source map: per generated line, [column, source, line, column] segments (0-based). */
  mappings: number[][][];
  async: boolean;
}

export function rewrite(entry: AnalyzedEntry, options: RewriteOptions = {}): GuestScript {
  const s = new MagicString(entry.code);
  const body = entry.program.body;
  const prologue: string[] = [];
  // Two declarations of one function: the binding holds the last (hoisting), registered once.
  const registered = new Set<string>();

  if (entry.topLevelAwait) markTopLevelAwaits(s, body);
  const hoisted = hoistedVars(body);
  const functions = new Set(
    body.flatMap((st) => (st.type === 'FunctionDeclaration' ? [st.id.name] : [])),
  );

  for (const statement of body) {
    switch (statement.type) {
      case 'FunctionDeclaration': {
        // The declaration stays (hoisted, named, unchanged); the prologue registers it and then
        // points the entry's local binding at the stable stub, so the body's own `f` is the stub.
        const name = statement.id.name;
        if (registered.has(name)) break;
        registered.add(name);
        prologue.push(`${name} = __viv.fn(${JSON.stringify(name)}, ${name}, "function");`);
        break;
      }
      case 'ClassDeclaration': {
        const name = statement.id.name;
        rewriteClass(s, statement, name, {
          head: [statement.start, statement.id.end],
          superClass: statement.superClass,
          binding: 'let',
        });
        // Inside its body a declared class's name is a constant of its own scope, the class
        // itself (here: the stable class), whatever later happens to the outer binding.
        s.prependRight(statement.start, `{ const ${name} = __viv.pre(${JSON.stringify(name)}); `);
        s.appendLeft(statement.end, ' }');
        break;
      }
      case 'VariableDeclaration':
        rewriteVariables(s, statement, !!options.checkOnly, functions);
        break;
      default:
        if (options.checkOnly) blank(s, statement.start, statement.end);
        else {
          markDeletes(s, statement);
          hoisted.push(...nestedVars(s, statement, functions));
        }
    }
  }

  for (const imported of entry.imports) {
    // Blanked in the code: the import's own range becomes the calls that bind its names.
    const calls = imported.names.map(
      (n) =>
        `__viv.imported(${JSON.stringify(n.local)}, ${JSON.stringify(imported.module)}, ${JSON.stringify(imported.package)}, ${JSON.stringify(n.imported)});`,
    );
    const lines = entry.code.slice(imported.start, imported.end).replace(/[^\n]/g, '');
    s.overwrite(
      imported.start,
      imported.end,
      (options.checkOnly ? '' : calls.join(' ')) + lines || ' ',
    );
  }

  const lexical = body.flatMap((st) =>
    st.type === 'ClassDeclaration'
      ? [st.id.name]
      : st.type === 'VariableDeclaration' && st.kind !== 'var'
        ? st.declarations.flatMap((d) => patternNames(d.id))
        : [],
  );
  if (lexical.length > 0) {
    // Uninitialised until declared only when no other code can run before the declaration: during
    // an entry's await, timers and ticks would see the new names too (a script's do not).
    const uninitialised = !entry.topLevelAwait && !options.checkOnly;
    prologue.unshift(`__viv.lexical(${JSON.stringify(lexical)}${uninitialised ? '' : ', false'});`);
  }
  if (!options.checkOnly && hoisted.length > 0) {
    prologue.unshift(`__viv.hoist(${JSON.stringify([...new Set(hoisted)])});`);
  }

  const last = body[body.length - 1];
  if (!options.checkOnly && last && last.type === 'ExpressionStatement') {
    // At the statement's start, so that parentheses around the expression stay inside.
    s.prependRight(last.start, 'return (');
    s.appendLeft(last.expression.end, ')');
  }

  // The staging API is the wrapper's first parameter, never a global: user code cannot reach it.
  // An arrow function, so that `arguments` at the top of an entry is the global one, as in a
  // script (a function would bring its own), and `this` is the global object.
  const head = `(${entry.topLevelAwait ? 'async ' : ''}(${STAGING_PARAMETER}, $viv$entry) => {${prologue.join(' ')}`;
  s.prepend(head);
  s.append(`\n})${options.sourceName ? `\n//# sourceURL=${options.sourceName}` : ''}`);
  const mappings = s.generateDecodedMap({ hires: true }).mappings as number[][][];
  return { code: s.toString(), mappings, async: entry.topLevelAwait };
}
