// `f.toString()` and `C.toString()` of a definition give its source, not the stable stub's code:
// the kernel's own `Function.prototype.toString` looks through stubs (a function stub to its
// current implementation, a class stub to the class as typed). Inspecting values relies on it too
// (a class prints as `[class K]` because its text starts with `class`).
import { FunctionPrototype, WeakMap, defineProperty, globalObject } from '../primordials.ts';
import { $call, $exec, $replace, $slice, $startsWith } from '../primordials-methods.ts';
import { implOfStub } from './functions.ts';
import { setSourceOf } from '../inspect/source-of.ts';
import { cellOfStub } from './classes.ts';

const nativeToString = FunctionPrototype.toString;
const call = (fn: unknown): string => $call(nativeToString, fn);

/** A function declaration's text as typed (types included), by its implementation. */
const typedSource = new WeakMap<Function, string>();

export function recordTypedSource(impl: Function, source: string): void {
  typedSource.set(impl, source);
}

/** Installs the stub-aware `toString`; once, at boot, before user code runs. */
export function installSourceText(): void {
  // A method, like the built-in: no `prototype`, not a constructor, named `toString`.
  const { toString } = {
    toString(this: unknown): string {
      if (this === toString) return call(nativeToString);
      const version = cellOfStub(this)?.version;
      if (version) return classText(version.source) ?? call(version.impl);
      // The implementation itself is reachable too (`arguments.callee`), and shows the same text.
      const fn = implOfStub(this) ?? this;
      return typedSource.get(fn as Function) ?? call(fn);
    },
  };
  setSourceOf(toString);
  // The real Function.prototype (boot runs before any user code could replace the global).
  defineProperty((globalObject.Function as FunctionConstructor).prototype, 'toString', {
    value: toString,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/** `class K {...}` as typed, from a declaration (`class K ...` or `const K = class ...`). */
function classText(source: string): string | undefined {
  const start = $startsWith(source, 'class') ? 0 : $exec(/=\s*(class\b)/, source)?.index;
  if (start === undefined) return undefined;
  const text = $replace($slice(source, start), /^=\s*/, '');
  return $replace(text, /\s*;\s*$/, '');
}
