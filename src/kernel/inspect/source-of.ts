// The text of a function as the user sees it (`f.toString()`): the built-in's until boot installs
// the stub-aware one (definitions/source-text.ts), which then also serves printing (`[class K]`).
// Kept apart so that inspect/ needs nothing from definitions/.
import { FunctionPrototype } from '../primordials.ts';
import { $call } from '../primordials-methods.ts';

let current = (fn: Function): string => $call(FunctionPrototype.toString, fn);

export function sourceOf(fn: Function): string {
  return current(fn);
}

export function setSourceOf(toString: (this: unknown) => string): void {
  current = (fn) => $call(toString, fn);
}
