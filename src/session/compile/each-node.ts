// A walk over every node of an acorn tree, parents before children, for passes that need no
// context of where a node sits (those that do, such as code-io/order.ts, walk with their own).
import type * as acorn from 'acorn';

/** Calls `visit` on each node under `root`; when it answers false, that node's children are skipped. */
export function eachNode(root: unknown, visit: (node: acorn.AnyNode) => boolean | void): void {
  if (!root || typeof root !== 'object') return;
  if (Array.isArray(root)) {
    for (const child of root) eachNode(child, visit);
    return;
  }
  const node = root as acorn.AnyNode;
  if (typeof node.type !== 'string') return;
  if (visit(node) === false) return;
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'type' && key !== 'start' && key !== 'end') eachNode(value, visit);
  }
}
