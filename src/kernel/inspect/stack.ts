// Stacks as the user's own: the one place that decides which frames of a V8 stack are the user's.
// The kernel's modules (`file://` URLs of the install), the stubs it evaluates for definitions
// (`eval at createFunctionCell (file://...)`) and isolated-vm's `<isolated-vm boundary>` are
// Vivarium, not the program; a person reading `_error.stack`, a printed error or an uncaught
// timer error sees only frames of their entries (`REPLn:line:column`), as in Node's REPL.
//
// Filtering is done on the text, when the kernel captures an error (an entry fails, a timer throws)
// or prints one, so it does not depend on `Error.prepareStackTrace`, which user code may replace.
import {
  safe,
  Error,
  stackOf,
  globalObject,
  defineProperty,
  getPrototypeOf,
  ReflectApply,
} from '../primordials.ts';
import { $includes, $join, $push, $replace, $split, $test } from '../primordials-methods.ts';

/** A frame line that belongs to Vivarium rather than to the user's code. */
function isVivariumFrame(line: string): boolean {
  return (
    $includes(line, 'file://') ||
    $includes(line, '<isolated-vm') ||
    $includes(line, '(node:internal')
  );
}

/**
 * `stack` without Vivarium's frames; a top-level frame of an entry reads `at REPL5:1:1` as in
 * Node's REPL (V8 names the entry's wrapper `eval`). Text that is not a stack frame (the message,
 * which may span lines) is kept as it is.
 */
export function userStack(stack: string): string {
  const lines = $split(stack, '\n');
  const kept: string[] = [];
  for (const line of safe(lines)) {
    if (!$test(/^\s+at /, line)) $push(kept, line);
    else if (!isVivariumFrame(line))
      $push(kept, $replace(line, /^(\s+at )eval \((REPL\d+:\d+:\d+)\)$/, '$1$2'));
  }
  return $join(kept, '\n');
}

/**
 * Replaces the `stack` of an error the kernel captured with its user's stack, so that later reads
 * (`_error.stack`, a handler that logs it) see the same. Never throws: an error whose `stack`
 * cannot be read or written is left as it is.
 */
export function cleanStack(error: unknown): void {
  if (!(error instanceof Error)) return;
  try {
    const stack: unknown = stackOf(error);
    if (typeof stack !== 'string') return;
    const clean = userStack(stack);
    if (clean !== stack) error.stack = clean;
  } catch {
    // A frozen error or a throwing accessor keeps its own stack.
  }
}

/**
 * What guest code reads as `error.stack`: V8's own text (each frame as its CallSite prints it)
 * without Vivarium's frames, as `userStack` decides. Installed as `Error.prepareStackTrace` when
 * the kernel boots, so `e.stack` read by user code (a catch block, a logger) shows the user's
 * frames only, not the kernel's modules and the install's paths. A user's own
 * `Error.prepareStackTrace` replaces it, as in plain JavaScript (it then gets every frame).
 */
export function installStackFilter(): void {
  const RealError = (globalObject as { Error: ErrorConstructor }).Error;
  const errorToString = RealError.prototype.toString;
  // CallSite.prototype.toString, taken from a first stack before any user code runs.
  defineProperty(RealError, 'prepareStackTrace', {
    value: (_: unknown, sites: object[]) => sites,
    writable: true,
    configurable: true,
  });
  const sites = new RealError().stack as unknown as object[];
  const siteToString = (getPrototypeOf(sites[0]) as { toString: () => string }).toString;
  const format = (error: unknown, frames: object[]): string => {
    let text: string;
    try {
      text = ReflectApply(errorToString, error, []) as string;
    } catch {
      text = '<error>';
    }
    for (const frame of safe(frames)) text += '\n    at ' + ReflectApply(siteToString, frame, []);
    return userStack(text);
  };
  defineProperty(RealError, 'prepareStackTrace', {
    value: format,
    writable: true,
    configurable: true,
  });
}
