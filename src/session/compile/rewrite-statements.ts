// What the wrapper function would change in the meaning of an entry's other statements, put back
// as a script has it: `var` hoisting (top-level and nested), `delete NAME`, and top-level `await`
// that stops with an abandoned entry (see rewrite.ts for the whole shape).
import type MagicString from 'magic-string';
import type * as acorn from 'acorn';
import { isFunctionBoundary, patternNames } from './analyze.ts';

/**
 * The names of the entry's top-level `var` declarations that no function declaration of the entry
 * binds: as in a script, they exist (undefined) from the entry's start, so that code before the
 * declaration reads undefined instead of failing with a ReferenceError.
 */
export function hoistedVars(body: acorn.Program['body']): string[] {
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
export function nestedVars(
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

/**
 * `delete NAME` outside any function: a definition's binding is a configurable global property
 * (so that a transaction can undo it), yet in JavaScript a declared global is not deletable; the
 * kernel answers false for a definition and deletes anything else as written.
 */
export function markDeletes(s: MagicString, statement: acorn.Statement | acorn.AnyNode): void {
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
export function markTopLevelAwaits(
  s: MagicString,
  body: acorn.Statement[] | acorn.AnyNode[],
): void {
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
