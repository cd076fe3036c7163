// A named function expression that becomes a definition's value (`let ref = function F() {...}`).
// In JavaScript, `F` inside it is a binding of its own scope: the function itself, immutable
// (assigning it is ignored in sloppy code and a TypeError in strict code), shadowed by a parameter
// or `var F` of the body. Here the definition's value is its stable stub, and `F` must be that stub
// too (`ref() === ref`, a recursive call reaches the newest version). No binding the language makes
// for the function's own name can hold another value, so the expression loses its name (named by a
// property key instead, so `.name` stays `F`; the kernel keeps the text as typed for toString) and
// the binding is made around it:
//
// - `{ const F = __viv.fn(...) }` when nothing inside writes to `F` or may `eval` text naming it:
//   a read is all that can happen, and a block constant is as fast as the language's own binding;
// - otherwise a `with` object whose `F` is an accessor without a setter: the one binding besides the
//   function's own name that ignores a sloppy assignment and throws a TypeError on a strict one
//   (direct eval inside sees it too). Every other free name inside is then looked up through it,
//   which V8 does at run time (a loop reading globals measured 30-200x slower), so only functions
//   that need it get it. `with` needs the entry's wrapper to be sloppy, which it is: the prologue
//   its declarations bring comes first, so a "use strict" the entry starts with is no directive.
import type MagicString from 'magic-string';
import type * as acorn from 'acorn';
import { eachNode } from './each-node.ts';
import { patternNames } from './analyze.ts';

/** Names `const NAME` may not bind in the wrapper (sloppy, maybe async): these take the `with` form. */
const NOT_LEXICAL = new Set(['let', 'await', 'yield', 'eval', 'arguments']);

/**
 * For `NAME = init` where init is a function expression with its own name that the function uses:
 * removes that name from the code and returns the text to put before and after init (in place of
 * `__viv.fn(NAME, { "NAME": ` and ` }["NAME"], BINDING);`). Undefined when nothing is to change.
 */
export function selfNamed(
  s: MagicString,
  init: acorn.Expression,
  definition: string,
  binding: string,
): { head: string; tail: string } | undefined {
  if (init.type !== 'FunctionExpression' || !init.id) return undefined;
  const own = init.id.name;
  const use = ownNameUse(init, own);
  if (use === 'none') return undefined;
  const text = JSON.stringify(s.original.slice(init.start, init.end));
  const key = JSON.stringify(own);
  s.remove(init.id.start, init.id.end);
  const call = `__viv.fn(${definition}, { ${key}: `;
  const close = ` }[${key}], ${binding}, ${text})`;
  if (use === 'read' && !NOT_LEXICAL.has(own)) {
    return { head: `{ const ${own} = ${call}`, tail: `${close}; }` };
  }
  const scope = `{ __proto__: null, get ${key}() { return $viv$self; } }`;
  return {
    head: `{ let $viv$self; with (${scope}) $viv$self = ${call}`,
    tail: `${close}; }`,
  };
}

/**
 * Whether the text a direct eval runs may name `own`: any text not known when compiling does; a
 * string literal does when it holds the name as a word (or an escape, which could spell it, or an
 * `eval` of its own).
 */
function mayMention(arg: acorn.Node | undefined, own: string): boolean {
  if (!arg) return false;
  const text =
    arg.type === 'Literal' && typeof (arg as acorn.Literal).value === 'string'
      ? ((arg as acorn.Literal).value as string)
      : arg.type === 'TemplateLiteral' && (arg as acorn.TemplateLiteral).expressions.length === 0
        ? (arg as acorn.TemplateLiteral).quasis[0]!.value.cooked
        : undefined;
  if (typeof text !== 'string') return true;
  const name = own.replace(/\$/g, '\\$');
  if (text.includes('\\') || text.includes('eval')) return true;
  return new RegExp(`(^|[^\\w$])${name}([^\\w$]|$)`).test(text);
}

/**
 * How the function's code uses its own name, anywhere inside (shadowing is not looked at: a name a
 * nested scope rebinds never reaches the binding made here, whichever form it takes). A direct
 * `eval` of text that may name it may also assign it.
 */
function ownNameUse(fn: acorn.FunctionExpression, own: string): 'none' | 'read' | 'write' {
  let use: 'none' | 'read' | 'write' = 'none';
  const writes = (target: acorn.Node | null): boolean =>
    !!target &&
    target.type !== 'VariableDeclaration' &&
    patternNames(target as acorn.Pattern).includes(own);
  eachNode([fn.params, fn.body], (n) => {
    if (use === 'write') return false;
    if (n.type === 'Identifier' && n.name === own) use = 'read';
    const written =
      (n.type === 'AssignmentExpression' && writes(n.left)) ||
      (n.type === 'UpdateExpression' && writes(n.argument)) ||
      ((n.type === 'ForInStatement' || n.type === 'ForOfStatement') && writes(n.left)) ||
      (n.type === 'CallExpression' &&
        n.callee.type === 'Identifier' &&
        n.callee.name === 'eval' &&
        mayMention(n.arguments[0], own));
    if (written) use = 'write';
  });
  return use;
}
