// Iteration the kernel does not own (for test/untouchable.test.ts): every place in a kernel module
// where JavaScript would run the iteration protocol through a user-patchable builtin
// (`Array.prototype[Symbol.iterator]`, %ArrayIteratorPrototype%.next, the Map, Set and String
// iterators). The module's TypeScript is stripped (positions kept) and parsed with acorn. Refused:
// - `for (... of x)` unless x is `safe(...)` (primordials.ts: an iterator the kernel owns);
// - a spread into an array literal or an argument list, unless over `safe(...)`;
// - array destructuring (`const [a, b] = pair`, `([k, v]) => ...`), which iterates the array;
// - `new Map(x)`, `new Set(x)`, `Object.fromEntries(x)`, `Array.from(x)`, `Promise.all(x)` (and
//   the other Promise combinators) and `yield*`, unless x is `safe(...)`.
// Object spread and rest parameters use no iterator and are allowed.
import { stripTypeScriptTypes } from 'node:module';
import * as acorn from 'acorn';

export interface Finding {
  what: string;
  line: number;
  column: number;
}

type Node = acorn.Node & Record<string, unknown>;

const isSafeCall = (n: Node | undefined): boolean =>
  n?.type === 'CallExpression' &&
  (n.callee as Node).type === 'Identifier' &&
  (n.callee as Node).name === 'safe';

const ITERATING_NEW = new Set(['Map', 'Set', 'WeakMap', 'WeakSet', 'SafeMap', 'SafeSet']);
const ITERATING_STATIC: Record<string, Set<string>> = {
  Object: new Set(['fromEntries', 'groupBy']),
  Array: new Set(['from']),
  Map: new Set(['groupBy']),
  Promise: new Set(['all', 'race', 'allSettled', 'any']),
};

export function unsafeIteration(typescript: string): Finding[] {
  const code = stripTypeScriptTypes(typescript);
  const program = acorn.parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    locations: true,
  });
  const found: Finding[] = [];
  const report = (node: Node, what: string) =>
    found.push({ what, line: node.loc!.start.line, column: node.loc!.start.column });
  visit(program as unknown as Node, undefined, (node, parent) => {
    switch (node.type) {
      case 'ForOfStatement':
        if (!isSafeCall(node.right as Node)) report(node, 'for-of not over safe(...)');
        break;
      case 'SpreadElement':
        if (parent?.type !== 'ObjectExpression' && !isSafeCall(node.argument as Node)) {
          report(node, 'spread not over safe(...)');
        }
        break;
      case 'ArrayPattern':
        report(node, 'array destructuring');
        break;
      case 'YieldExpression':
        if (node.delegate) report(node, 'yield*');
        break;
      case 'NewExpression': {
        const callee = node.callee as Node;
        const args = node.arguments as Node[];
        if (callee.type === 'Identifier' && ITERATING_NEW.has(callee.name as string)) {
          if (args.length > 0 && !isSafeCall(args[0]) && !isEmpty(args[0]!)) {
            report(node, `new ${callee.name as string}(...) not over safe(...)`);
          }
        }
        break;
      }
      case 'CallExpression': {
        const callee = node.callee as Node;
        if (callee.type !== 'MemberExpression' || callee.computed) break;
        const object = callee.object as Node;
        const property = (callee.property as Node).name as string;
        if (object.type !== 'Identifier') break;
        if (!ITERATING_STATIC[object.name as string]?.has(property)) break;
        const args = node.arguments as Node[];
        if (!isSafeCall(args[0]))
          report(node, `${object.name as string}.${property} not over safe(...)`);
        break;
      }
    }
  });
  return found;
}

/** `new Map()`, `new Map(undefined)`: no iteration. */
const isEmpty = (n: Node) => n.type === 'Identifier' && n.name === 'undefined';

function visit(
  node: Node,
  parent: Node | undefined,
  f: (node: Node, parent: Node | undefined) => void,
): void {
  f(node, parent);
  for (const k of Object.keys(node)) {
    const child = node[k];
    if (Array.isArray(child)) {
      for (const c of child) if (c && typeof c.type === 'string') visit(c, node, f);
    } else if (child && typeof (child as Node).type === 'string') visit(child as Node, node, f);
  }
}
