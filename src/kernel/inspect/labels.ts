// Base texts and labels for `inspect.ts` that need no recursion: function and class labels,
// boxed primitives, Symbol.toStringTag handling and ArrayBuffer byte dumps.

import { sourceOf } from './source-of.ts';
import { formatPrimitive, stylizeNoColor, type LayoutCtx, type Stylize } from './text.ts';
import * as types from './types.ts';
import {
  FunctionPrototype,
  ObjectPrototype,
  Array,
  safe,
  Function,
  Math,
  Object,
  Symbol,
  Uint8Array,
} from '../primordials.ts';
import {
  $call,
  $endsWith,
  $includes,
  $indexOf,
  $join,
  $padStart,
  $replace,
  $slice,
  $splice,
  $startsWith,
  $test,
  $toLowerCase,
} from '../primordials-methods.ts';
import { $toString } from '../primordials-methods.ts';

const hasOwn = (obj: object, key: PropertyKey) => $call(ObjectPrototype.hasOwnProperty, obj, key);
const isEnumerable = (obj: object, key: PropertyKey) =>
  $call(ObjectPrototype.propertyIsEnumerable, obj, key);

// Symbol.toStringTag, unless it is missing or an own enumerable property (printed as a key).
export function getTag(value: object, showHidden: boolean): string {
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag !== 'string') return '';
  if (tag !== '' && (showHidden ? hasOwn : isEnumerable)(value, Symbol.toStringTag)) return '';
  return tag;
}

// Fallback label for objects with a null prototype (V8's own name for them, e.g. a tag).
export function objectFallback(value: object, tag: string): string {
  const name = types.internalConstructorName(value);
  return name === tag ? 'Object' : name;
}

// A class is recognised by its source text: `class`, then no `(` before the body's `{`
// (comments ignored), which rules out functions whose source merely starts with "class".
function isClassSource(source: string): boolean {
  if (!$startsWith(source, 'class') || !$endsWith(source, '}')) return false;
  const body = $slice(source, 5, -1);
  const brace = $indexOf(body, '{');
  if (brace === -1) return false;
  if (!$includes($slice(body, 0, brace), '(')) return true;
  const uncommented = $replace(body, /(\/\/.*?\n)|(\/\*(.|\n)*?\*\/)/g, '');
  return $test(/^(\s+[^(]*?)\s*{/, uncommented);
}

export function getFunctionBase(fn: Function, constructor: string | null, tag: string): string {
  if (isClassSource(sourceOf(fn))) {
    const name = (hasOwn(fn, 'name') && fn.name) || '(anonymous)';
    let base = `class ${name}`;
    if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    if (constructor === null) {
      base += ' extends [null prototype]';
    } else {
      const superName: unknown = (Object.getPrototypeOf(fn) as Function).name;
      if (superName) base += ` extends ${superName}`;
    }
    return `[${base}]`;
  }
  const type = types.functionKind(fn);
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  base += fn.name === '' ? ' (anonymous)' : `: ${fn.name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

// `[Number: 3]`-style text; for boxed strings the index keys are removed from `keys`.
export function getBoxedBase(
  ctx: LayoutCtx & { stylize: Stylize },
  value: object,
  kind: string,
  keys: PropertyKey[],
  constructor: string | null,
  tag: string,
): string {
  const primitive = types.unbox(value, kind);
  if (kind === 'String') $splice(keys, 0, (primitive as string).length);
  let base = `[${kind}`;
  if (kind !== constructor)
    base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
  base += `: ${formatPrimitive(stylizeNoColor, primitive, ctx)}]`;
  if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
  if (keys.length !== 0 || !ctx.colors) return base;
  return ctx.stylize(base, $toLowerCase(kind) as 'number' | 'string' | 'boolean' | 'bigint');
}

// `[Uint8Contents]: <01 02 ...>` for an ArrayBuffer, at most maxArrayLength bytes.
export function formatBufferContents(ctx: LayoutCtx & { stylize: Stylize }, buffer: object) {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(buffer as ArrayBuffer);
  } catch {
    return ctx.stylize('(detached)', 'special');
  }
  const shown = Math.min(ctx.maxArrayLength, bytes.length);
  let hex = $join(
    Array.from(safe(bytes.subarray(0, Math.max(0, shown))), (byte) =>
      $padStart($toString(byte, 16), 2, '0'),
    ),
    ' ',
  );
  const remaining = bytes.length - ctx.maxArrayLength;
  if (remaining > 0) hex += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return `${ctx.stylize('[Uint8Contents]', 'special')}: <${hex}>`;
}
