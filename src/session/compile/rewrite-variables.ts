// The rewrite of a top-level `const`/`let`/`var` declaration (see rewrite.ts for the whole shape):
// each declarator becomes the staging call of its kind (`__viv.val`, `__viv.fn`, `__viv.cls`,
// `__viv.once`, `__viv.transient`, `__viv.module`), its initialiser kept where the user wrote it.
import type MagicString from 'magic-string';
import type * as acorn from 'acorn';
import {
  isFunctionBoundary,
  isOnceCall,
  isPackageCall,
  isTransientCall,
  patternNames,
  valueKind,
} from './analyze.ts';
import { rewriteClass } from './rewrite-class.ts';
import { blank, keepLines } from './blank.ts';
import { selfNamed } from './self-name.ts';

export function rewriteVariables(
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
