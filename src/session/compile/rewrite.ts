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
import type * as acorn from 'acorn';
import {
  isFunctionBoundary,
  isOnceCall,
  isPackageCall,
  isTransientCall,
  patternNames,
  valueKind,
} from './analyze.ts';
import type { AnalyzedEntry } from './analyze.ts';
import { rewriteClass } from './rewrite-class.ts';
import { selfNamed } from './self-name.ts';
import { STAGING_PARAMETER } from './reserved.ts';

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

/**
 * The names of the entry's top-level `var` declarations that no function declaration of the entry
 * binds: as in a script, they exist (undefined) from the entry's start, so that code before the
 * declaration reads undefined instead of failing with a ReferenceError.
 */
function hoistedVars(body: acorn.Program['body']): string[] {
  const functions = new Set(
    body.flatMap((st) => (st.type === 'FunctionDeclaration' ? [st.id.name] : [])),
  );
  const names = body.flatMap((st) =>
    st.type === 'VariableDeclaration' && st.kind === 'var'
      ? st.declarations.flatMap((d) => patternNames(d.id))
      : [],
  );
  return [...new Set(names)].filter((n) => !functions.has(n));
}

/**
 * A `var` inside a top-level block, loop, `try` or `with` declares a global in a script, not a
 * variable of the entry's wrapper: it loses its keyword (`var i = 0` becomes `i = 0`, which
 * assigns as the declaration would, through a `with` object too) and its names are hoisted as
 * globals. Such a global is plain, like `x = 1`: not a definition. A declaration naming a function
 * the entry declares stays as it is (that function is the wrapper's binding).
 */
function nestedVars(
  s: MagicString,
  statement: acorn.Statement | acorn.ModuleDeclaration,
  functions: Set<string>,
): string[] {
  const names: string[] = [];
  const visit = (node: unknown, loopHead: boolean): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, false));
    const n = node as acorn.AnyNode;
    if (typeof n.type !== 'string' || isFunctionBoundary(n.type)) return;
    if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
    if (n.type === 'VariableDeclaration' && n.kind === 'var') {
      const declared = n.declarations.flatMap((d) => patternNames(d.id));
      if (declared.some((name) => functions.has(name))) return;
      names.push(...declared);
      const first = n.declarations[0]!;
      // `var {a} = o` as a statement would read as a block: `void 0, {a} = o` does not.
      const keyword = !loopHead && first.id.type !== 'Identifier' ? 'void 0,' : '   ';
      s.overwrite(n.start, n.start + 'var'.length, keyword);
      for (const d of n.declarations) visit(d.init, false);
      return;
    }
    for (const [key, value] of Object.entries(n)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const head =
        (n.type === 'ForStatement' && key === 'init') ||
        ((n.type === 'ForInStatement' || n.type === 'ForOfStatement') && key === 'left');
      visit(value, head);
    }
  };
  visit(statement, false);
  return names;
}

function rewriteVariables(
  s: MagicString,
  declaration: acorn.VariableDeclaration,
  checkOnly: boolean,
  functions: Set<string>,
): void {
  const binding = JSON.stringify(declaration.kind);
  const declarators = declaration.declarations;
  blank(s, declaration.start, declarators[0]!.start);
  declarators.forEach((d, i) => {
    const next = declarators[i + 1];
    blank(s, d.end, next ? next.start : declaration.end);
    const init = d.init;
    if (d.id.type !== 'Identifier') {
      const names = patternNames(d.id);
      if (checkOnly) return blank(s, d.start, d.end);
      if (isOnceCall(init)) return rewriteOncePattern(s, d, names, binding);
      const defs = names.map((n) => `__viv.val(${JSON.stringify(n)}, ${n}, ${binding}, true);`);
      const local = declaration.kind === 'const' ? 'const' : 'let';
      s.prependRight(d.start, `{ ${local} `);
      s.appendLeft(d.end, `; ${defs.join(' ')} }`);
      return;
    }
    const name = JSON.stringify(d.id.name);
    const kind = valueKind(init, declaration.kind as 'const' | 'let' | 'var');
    if (!init) {
      if (checkOnly) return blank(s, d.start, d.end);
      s.overwrite(d.start, d.end, `__viv.val(${name}, undefined, ${binding}, false);`);
      return;
    }
    if (kind === 'class' && init.type === 'ClassExpression') {
      rewriteClass(s, init, d.id.name, {
        head: [d.start, init.start + 'class'.length],
        superClass: init.superClass,
        binding: declaration.kind,
      });
      return;
    }
    if (kind === 'function') {
      const self = selfNamed(s, init, name, binding);
      if (self) return replaceAround(s, d, init, self.head, self.tail);
      // `{ "f": init }["f"]` names an anonymous function "f" as `const f = init` would.
      replaceAround(s, d, init, `__viv.fn(${name}, { ${name}: `, ` }[${name}], ${binding});`);
      return;
    }
    if (checkOnly) return blank(s, d.start, d.end);
    if (isPackageCall(init)) {
      const call = init as acorn.CallExpression;
      s.overwrite(d.start, call.arguments[0]!.start, `__viv.module(${name}, `);
      s.overwrite(call.arguments[3]!.end, call.end, `, ${binding});`);
      return;
    }
    if (isTransientCall(init)) {
      return wrapArgument(s, d, init, `__viv.transient(${name}, (`, `), ${binding});`);
    }
    if (isOnceCall(init)) {
      // `once(await x)`: the initialiser awaits, and so does the entry, before the definition.
      return hasAwait(init)
        ? wrapArgument(
            s,
            d,
            init,
            `await __viv.onceAsync(${name}, async () => (`,
            `), ${binding});`,
          )
        : wrapArgument(s, d, init, `__viv.once(${name}, () => (`, `), ${binding});`);
    }
    // `function f() {}` and `var f = 1` in one entry: `f` is also the wrapper's local binding
    // (the function declaration), which must see the assignment as the global does.
    const local = functions.has(d.id.name) ? `${d.id.name} = ` : '';
    replaceAround(s, d, init, `__viv.val(${name}, ${local}(`, `), ${binding}, true);`);
  });
}

/**
 * `NAME = init` becomes `HEAD init TAIL`. Parentheses around `init` (`const f = (function () {})`)
 * go with the `=`: acorn's `init` starts inside them, the declarator ends after them.
 */
function replaceAround(
  s: MagicString,
  d: acorn.VariableDeclarator,
  init: acorn.Node,
  head: string,
  tail: string,
): void {
  s.overwrite(d.start, init.start, head + keepLines(s.original.slice(d.start, init.start)));
  blank(s, init.end, d.end);
  s.appendLeft(d.end, tail);
}

/**
 * `const { a, b } = once(init)`: `init` runs and the pattern binds only when not every name is
 * already a once-definition; otherwise all are kept as they are.
 */
function rewriteOncePattern(
  s: MagicString,
  d: acorn.VariableDeclarator,
  names: string[],
  binding: string,
): void {
  const call = d.init as acorn.CallExpression;
  const arg = call.arguments[0]!;
  const list = JSON.stringify(names);
  const defs = names.map((n) => `__viv.once(${JSON.stringify(n)}, () => ${n}, ${binding});`);
  s.prependRight(d.start, `if (!__viv.keep(${list})) { const `);
  s.overwrite(d.id.end, arg.start, ' = (' + keepLines(s.original.slice(d.id.end, arg.start)));
  blank(s, arg.end, d.end);
  s.appendLeft(d.end, `); ${defs.join(' ')} }`);
}

/** An `await` in an expression outside any nested function. */
function hasAwait(node: acorn.Node): boolean {
  let found = false;
  const visit = (n: unknown): void => {
    if (found || !n || typeof n !== 'object') return;
    if (Array.isArray(n)) return n.forEach(visit);
    const t = (n as { type?: string }).type;
    if (typeof t !== 'string' || isFunctionBoundary(t)) return;
    if (t === 'AwaitExpression') found = true;
    for (const [k, v] of Object.entries(n)) if (k !== 'type') visit(v);
  };
  visit(node);
  return found;
}

/** `x = f(arg)` becomes `HEAD arg TAIL`: the call to `once`/`transient` gives way to the kernel's. */
function wrapArgument(
  s: MagicString,
  d: acorn.VariableDeclarator,
  init: acorn.Expression,
  head: string,
  tail: string,
): void {
  const call = init as acorn.CallExpression;
  const arg = call.arguments[0]!;
  s.overwrite(d.start, arg.start, head + keepLines(s.original.slice(d.start, arg.start)));
  blank(s, arg.end, d.end);
  s.appendLeft(d.end, tail);
}

/**
 * `delete NAME` outside any function: a definition's binding is a configurable global property
 * (so that a transaction can undo it), yet in JavaScript a declared global is not deletable; the
 * kernel answers false for a definition and deletes anything else as written.
 */
function markDeletes(s: MagicString, statement: acorn.Statement | acorn.AnyNode): void {
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as acorn.AnyNode;
    if (typeof n.type !== 'string' || isFunctionBoundary(n.type)) return;
    if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
    if (
      n.type === 'UnaryExpression' &&
      n.operator === 'delete' &&
      n.argument.type === 'Identifier'
    ) {
      s.appendRight(n.start, `__viv.del(${JSON.stringify(n.argument.name)}, () => `);
      s.prependLeft(n.end, ')');
      return;
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'type' && key !== 'start' && key !== 'end') visit(value);
    }
  };
  visit(statement);
}

/** Wraps each top-level `await` so a continuation of an abandoned entry stops there. */
function markTopLevelAwaits(s: MagicString, body: acorn.Statement[] | acorn.AnyNode[]): void {
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    const n = node as acorn.AnyNode;
    if (typeof n.type !== 'string' || isFunctionBoundary(n.type)) return;
    if (n.type === 'ClassDeclaration' || n.type === 'ClassExpression') {
      visit(n.superClass);
      return;
    }
    if (n.type === 'AwaitExpression') {
      s.prependRight(n.start, '__viv.live($viv$entry, ');
      s.appendLeft(n.end, ')');
    }
    if (n.type === 'ForOfStatement' && n.await && n.body.type === 'BlockStatement') {
      s.appendLeft(n.body.start + 1, '__viv.live($viv$entry);');
    }
    for (const [key, value] of Object.entries(n)) {
      if (key !== 'type' && key !== 'start' && key !== 'end') visit(value);
    }
  };
  visit(body);
}

/** Replaces a range with nothing but the line breaks it held. */
export function blank(s: MagicString, start: number, end: number): void {
  if (end <= start) return;
  s.overwrite(start, end, keepLines(s.original.slice(start, end)) || ' ');
}

function keepLines(text: string): string {
  return text.replace(/[^\n]/g, '');
}
