// `f.toString()` and `C.toString()` of a definition give its source, not the stable stub's code:
// the kernel's own `Function.prototype.toString` looks through stubs (a function stub to its
// current implementation, a class stub to the class as typed). Inspecting values relies on it too
// (a class prints as `[class K]` because its text starts with `class`).
import { defineProperty } from '../intrinsics.ts';
import { implOfStub } from './functions.ts';
import { cellOfStub } from './classes.ts';

const nativeToString = Function.prototype.toString;
const call = Function.prototype.call.bind(nativeToString) as (fn: unknown) => string;

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
      const impl = implOfStub(this);
      return (impl && typedSource.get(impl)) ?? call(impl ?? this);
    },
  };
  defineProperty(Function.prototype, 'toString', {
    value: toString,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

/** `class K {...}` as typed, from a declaration (`class K ...` or `const K = class ...`). */
function classText(source: string): string | undefined {
  const start = source.startsWith('class') ? 0 : /=\s*(class\b)/.exec(source)?.index;
  if (start === undefined) return undefined;
  const text = source.slice(start).replace(/^=\s*/, '');
  return text.replace(/\s*;\s*$/, '');
}
