// A reimplementation of Node's `util.inspect` / `util.formatWithOptions` output format for code
// running in a bare V8 isolate (no Node APIs; ECMAScript builtins only). Output matches Node 24
// for the supported options, except where plain JavaScript cannot observe what Node shows:
//
// - Promises: the state and result are not readable from JS; an entry's value is watched
//   (promise-state.ts) and prints as Node's (`Promise { 1 }`, `Promise { <pending> }`, ...), a
//   promise the kernel never watched as `Promise { <state unknown> }`.
//   Detection uses Symbol.toStringTag ('Promise'), as there is no side-effect-free brand check.
// - Proxies cannot be detected: a proxy is inspected through its traps, like an ordinary object
//   (Node shows the target without running traps). A proxy around a Map, Date, etc. therefore
//   prints as a plain object. Revoked proxies print `<Revoked Proxy>` as in Node.
// - Map/Set iterators: their remaining entries cannot be read without consuming them, so they
//   print as `[Map Iterator] { <items unknown> }` / `[Set Iterator] { <items unknown> }` (Node
//   lists the entries and says `[Map Entries]` for entries()). Detected by prototype identity.
// - WeakMap/WeakSet print `<items unknown>` even with showHidden (Node can list entries then).
// - Async/generator functions are recognised by their inherited Symbol.toStringTag, not by
//   V8's function kind.
// - Objects whose prototype chain has no usable `constructor` print `Object <...>`-style names
//   with V8's internal class name approximated (builtin kind, toStringTag, or 'Object'); a
//   user class name hidden that way cannot be recovered.
// - Error stacks in colour mode: node_modules package names are underlined as in Node, but
//   frames of Node's own modules are not greyed and the current directory is not dimmed (the
//   isolate has no `process` and no list of Node's builtin modules).
//   A non-string truthy `stack` is rendered after `ErrorPrototype.toString()` without Node's
//   exact indentation.
// - String widths used for column alignment of arrays approximate ICU's East Asian width
//   (identical for ASCII and common CJK/emoji).
// - Options: only those of `InspectOptions` (plus `showHidden`, used by `%o`, and
//   `customInspect`); `compact: true`, `sorted`, `getters`, `numericSeparator`, `showProxy`
//   are not supported. Custom inspectors via `Symbol.for('nodejs.util.inspect.custom')` are.
// - Node's output-size budget (which lowers the depth after ~128 MiB of output) is not applied.
// - Nesting thousands of levels deep (with `depth: Infinity`) exhausts the stack sooner than in
//   Node; the level where it happens prints Node's own `[Object: Inspection interrupted
//   prematurely. Maximum call stack size exceeded.]`.

import { formatNumber, formatBigInt, stylizeNoColor, stylizeWithColor } from './text.ts';
import { isBuiltInName } from './types.ts';
import type { Ctx } from './entries.ts';
import { formatValue } from './value.ts';
import {
  ErrorPrototype,
  ObjectPrototype,
  Boolean,
  JSON,
  Number,
  Object,
  String,
  Symbol,
} from '../primordials.ts';
import { $call, $includes, $slice, $split } from '../primordials-methods.ts';

export interface InspectOptions {
  depth?: number;
  colors?: boolean;
  breakLength?: number;
  maxArrayLength?: number;
  maxStringLength?: number;
  compact?: number;
}

// Options honoured at runtime beyond the public ones (Node's option names).
interface RuntimeOptions extends InspectOptions {
  showHidden?: boolean;
  customInspect?: boolean;
}

// Node accepts `null` for "unlimited" on the numeric limits.
function limit(value: number | null | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return value === null ? Infinity : value;
}

export function inspect(value: unknown, options?: InspectOptions): string {
  const opts: RuntimeOptions = options ?? {};
  const colors = Boolean(opts.colors);
  const compact: unknown = opts.compact;
  const ctx: Ctx = {
    indentationLvl: 0,
    currentDepth: 0,
    seen: [],
    circular: undefined,
    colors,
    stylize: colors ? stylizeWithColor : stylizeNoColor,
    depth: limit(opts.depth, 2),
    breakLength: limit(opts.breakLength, 80),
    maxArrayLength: limit(opts.maxArrayLength, 100),
    maxStringLength: limit(opts.maxStringLength, 10000),
    compact: typeof compact === 'number' ? compact : compact === false ? 0 : 3,
    showHidden: opts.showHidden === true,
    customInspect: opts.customInspect !== false,
    inspect,
    userOptions: opts,
    formatValue: (nested, recurseTimes, inTypedArray) =>
      formatValue(ctx, nested, recurseTimes, inTypedArray),
  };
  return formatValue(ctx, value, 0);
}

const hasOwn = (obj: object, key: PropertyKey) => $call(ObjectPrototype.hasOwnProperty, obj, key);

// Whether `%s` should inspect an object rather than call String() on it: true unless the
// nearest `toString` or `Symbol.toPrimitive` in its prototype chain is user-defined.
function hasBuiltInToString(value: object): boolean {
  if (typeof (value as { toString?: unknown }).toString !== 'function') return true;
  let holder: object | null = value;
  while (holder !== null && !hasOwn(holder, 'toString') && !hasOwn(holder, Symbol.toPrimitive)) {
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  if (holder === null) return true;
  const ctor: unknown = Object.getOwnPropertyDescriptor(holder, 'constructor')?.value;
  return typeof ctor === 'function' && isBuiltInName(ctor.name);
}

let circularJsonMessage: string | undefined;

const firstLine = (error: unknown) => $split(String((error as Error)?.message), '\n')[0];

// JSON.stringify for `%j`, with circular structures shown as '[Circular]'.
function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (circularJsonMessage === undefined) {
      const circular: { self?: unknown } = {};
      circular.self = circular;
      try {
        JSON.stringify(circular);
      } catch (circularError) {
        circularJsonMessage = firstLine(circularError);
      }
    }
    if ((error as Error)?.name === 'TypeError' && firstLine(error) === circularJsonMessage) {
      return '[Circular]';
    }
    throw error;
  }
}

// Replacement text for one `%x` directive consuming `arg`.
function formatDirective(directive: string, arg: unknown, options: RuntimeOptions): string {
  switch (directive) {
    case 's':
      if (typeof arg === 'number') return formatNumber(stylizeNoColor, arg);
      if (typeof arg === 'bigint') return formatBigInt(stylizeNoColor, arg);
      if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) return String(arg);
      return inspect(arg, { ...options, depth: 0, colors: false, compact: 3 });
    case 'j':
      return stringifyJson(arg);
    case 'd':
    case 'i':
    case 'f': {
      if (typeof arg === 'bigint' && directive !== 'f') return formatBigInt(stylizeNoColor, arg);
      if (typeof arg === 'symbol') return 'NaN';
      const parse =
        directive === 'd' ? Number : directive === 'i' ? Number.parseInt : Number.parseFloat;
      return formatNumber(stylizeNoColor, parse(arg as string));
    }
    case 'O':
      return inspect(arg, options);
    case 'o':
      return inspect(arg, { ...options, showHidden: true, depth: 4 } as RuntimeOptions);
    default: // 'c': CSS is ignored outside browsers
      return '';
  }
}

// Like Node's util.formatWithOptions: printf-style directives in a leading string, remaining
// arguments appended separated by spaces (strings raw, everything else inspected).
export function formatWithOptions(options: InspectOptions, ...args: unknown[]): string {
  const first = args[0];
  let argIndex = 0;
  let result = '';
  let separator = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first[i] !== '%') continue;
      const directive = first[++i];
      if (argIndex + 1 !== args.length) {
        if (directive === '%') {
          result += $slice(first, lastPos, i);
          lastPos = i + 1;
          continue;
        }
        if (!$includes('sjdOoifc', directive)) continue;
        const text = formatDirective(directive, args[++argIndex], options);
        if (lastPos !== i - 1) result += $slice(first, lastPos, i - 1);
        result += text;
        lastPos = i + 1;
      } else if (directive === '%') {
        result += $slice(first, lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      argIndex++;
      separator = ' ';
      if (lastPos < first.length) result += $slice(first, lastPos);
    }
  }
  for (; argIndex < args.length; argIndex++) {
    const value = args[argIndex];
    result += separator + (typeof value === 'string' ? value : inspect(value, options));
    separator = ' ';
  }
  return result;
}
