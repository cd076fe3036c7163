// Entry formatters for `inspect`: the `key: value` / item strings inside an object's braces
// (properties, array items and holes, typed array elements, Set/Map entries, namespace
// bindings). Nested values go back through `ctx.formatValue`.

import {
  escapeText,
  formatBigInt,
  formatNumber,
  quoteString,
  type LayoutCtx,
  type Stylize,
} from './text.ts';
import * as types from './types.ts';
import { safe, ObjectPrototype, Map, Math, Object, Set, String } from '../primordials.ts';
import { $call, $map, $push, $slice, $test } from '../primordials-methods.ts';
import { $toString } from '../primordials-methods.ts';

export interface Ctx extends LayoutCtx {
  seen: object[];
  circular: Map<object, number> | undefined;
  stylize: Stylize;
  showHidden: boolean;
  depth: number;
  customInspect: boolean;
  // The public `inspect`, handed to custom inspect functions and used for nested prototypes.
  inspect: (value: unknown, options?: object) => string;
  // The caller's options, passed on to custom inspect functions.
  userOptions: object;
  // Recursion entry point (inspect-value's formatValue bound to this context), so the entry
  // formatters here need not import the module that imports them.
  formatValue: (value: unknown, recurseTimes: number, inTypedArray?: boolean) => string;
}

// How entries are rendered: object properties (`key: value`), array items (value only), or
// the extra keys of an array-like (`key: value`; the entry list may be grouped in columns).
export const OBJECT = 0;
export const ARRAY_ITEM = 1;
export const ARRAY_EXTRAS = 2;
export type EntryType = typeof OBJECT | typeof ARRAY_ITEM | typeof ARRAY_EXTRAS;

type AnyObject = Record<PropertyKey, unknown>;

const IDENTIFIER_KEY = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const hasOwn = (obj: object, key: PropertyKey) => $call(ObjectPrototype.hasOwnProperty, obj, key);
const remainingText = (n: number) => `... ${n} more item${n > 1 ? 's' : ''}`;

// One `key: value` entry (or just the value for array items). Accessors are not invoked.
export function formatProperty(
  ctx: Ctx,
  value: object,
  recurseTimes: number,
  key: PropertyKey,
  type: EntryType,
  desc?: PropertyDescriptor,
): string {
  const descriptor = desc ??
    Object.getOwnPropertyDescriptor(value, key) ?? {
      value: (value as AnyObject)[key],
      enumerable: true,
    };
  let text: string;
  if (descriptor.value !== undefined) {
    ctx.indentationLvl += 2;
    text = ctx.formatValue(descriptor.value, recurseTimes);
    ctx.indentationLvl -= 2;
  } else if (descriptor.get !== undefined) {
    const label = descriptor.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    text = ctx.stylize(label, 'special');
  } else if (descriptor.set !== undefined) {
    text = ctx.stylize('[Setter]', 'special');
  } else {
    text = ctx.stylize('undefined', 'undefined');
  }
  if (type === ARRAY_ITEM) return text;
  let name: string;
  if (typeof key === 'symbol') name = ctx.stylize(escapeText($toString(key)), 'symbol');
  else if (key === '__proto__') name = "['__proto__']";
  else if ($test(IDENTIFIER_KEY, String(key))) name = ctx.stylize(String(key), 'name');
  else name = ctx.stylize(quoteString(String(key)), 'string');
  if (descriptor.enumerable === false) name = `[${name}]`;
  return `${name}: ${text}`;
}

// An entry for a value read from a builtin getter (e.g. an ArrayBuffer's byteLength).
export function formatPseudo(
  ctx: Ctx,
  key: string,
  value: unknown,
  recurseTimes: number,
  inTyped = false,
) {
  ctx.indentationLvl += 2;
  const text = ctx.formatValue(value, recurseTimes, inTyped);
  ctx.indentationLvl -= 2;
  return `${ctx.stylize(`[${key}]`, 'string')}: ${text}`;
}

export function unknownItems(ctx: Ctx): string[] {
  return [ctx.stylize('<items unknown>', 'special')];
}

export function formatArray(ctx: Ctx, value: AnyObject, recurseTimes: number): string[] {
  const length = (value as unknown as unknown[]).length;
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output: string[] = [];
  for (let i = 0; i < shown; i++) {
    if (!hasOwn(value, i)) return formatSparseArray(ctx, value, recurseTimes, shown, output, i);
    $push(output, formatProperty(ctx, value, recurseTimes, i, ARRAY_ITEM));
  }
  if (length > shown) $push(output, remainingText(length - shown));
  return output;
}

// Continues `formatArray` from the first hole at `index`, folding runs of holes into
// `<n empty items>`; `maxLength` bounds the number of output entries.
function formatSparseArray(
  ctx: Ctx,
  value: AnyObject,
  recurseTimes: number,
  maxLength: number,
  output: string[],
  index: number,
): string[] {
  const keys = Object.keys(value);
  let expected = index;
  for (let i = index; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i];
    const numeric = +key;
    if (numeric > 2 ** 32 - 2) break;
    if (`${expected}` !== key) {
      if (!$test(types.INDEX_KEY, key)) break;
      const holes = numeric - expected;
      $push(output, ctx.stylize(`<${holes} empty item${holes > 1 ? 's' : ''}>`, 'undefined'));
      expected = numeric;
      if (output.length === maxLength) break;
    }
    $push(output, formatProperty(ctx, value, recurseTimes, key, ARRAY_ITEM));
    expected++;
  }
  const remaining = (value as unknown as unknown[]).length - expected;
  if (output.length !== maxLength) {
    if (remaining > 0) {
      $push(
        output,
        ctx.stylize(`<${remaining} empty item${remaining > 1 ? 's' : ''}>`, 'undefined'),
      );
    }
  } else if (remaining > 0) {
    $push(output, remainingText(remaining));
  }
  return output;
}

export function formatTypedArray(ctx: Ctx, value: AnyObject, recurseTimes: number): string[] {
  const length = types.typedArrayLength(value);
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const output: string[] = [];
  for (let i = 0; i < shown; i++) {
    const item = value[i];
    $push(
      output,
      typeof item === 'bigint'
        ? formatBigInt(ctx.stylize, item)
        : formatNumber(ctx.stylize, item as number),
    );
  }
  if (length > shown) $push(output, remainingText(length - shown));
  if (ctx.showHidden) {
    for (const key of safe(['BYTES_PER_ELEMENT', 'length', 'byteLength', 'byteOffset', 'buffer'])) {
      $push(output, formatPseudo(ctx, key, value[key], recurseTimes, true));
    }
  }
  return output;
}

// Iterates with the original iterator methods and `next` (safe()), so that neither an overridden
// `Symbol.iterator` nor a patched %MapIteratorPrototype%.next is called.
function formatCollection(
  ctx: Ctx,
  items: ReadonlyMap<unknown, unknown> | ReadonlySet<unknown>,
  size: number,
  format: (item: unknown) => string,
): string[] {
  const shown = Math.min(Math.max(0, ctx.maxArrayLength), size);
  const output: string[] = [];
  ctx.indentationLvl += 2;
  for (const item of safe(items)) {
    if (output.length >= shown) break;
    $push(output, format(item));
  }
  if (size > shown) $push(output, remainingText(size - shown));
  ctx.indentationLvl -= 2;
  return output;
}

export function formatSet(ctx: Ctx, value: AnyObject, recurseTimes: number): string[] {
  const set = value as unknown as Set<unknown>;
  return formatCollection(ctx, set, types.setSize(set), (item) =>
    ctx.formatValue(item, recurseTimes),
  );
}

export function formatMap(ctx: Ctx, value: AnyObject, recurseTimes: number): string[] {
  const map = value as unknown as Map<unknown, unknown>;
  return formatCollection(ctx, map, types.mapSize(map), (entry) => {
    const key = (entry as [unknown, unknown])[0];
    const item = (entry as [unknown, unknown])[1];
    return `${ctx.formatValue(key, recurseTimes)} => ${ctx.formatValue(item, recurseTimes)}`;
  });
}

// Module namespace entries; bindings still in their temporal dead zone read as <uninitialized>.
export function formatNamespace(
  ctx: Ctx,
  ns: AnyObject,
  recurseTimes: number,
  keys: PropertyKey[],
) {
  return $map(keys, (key) => {
    try {
      return formatProperty(ctx, ns, recurseTimes, key, OBJECT);
    } catch {
      // Format a placeholder to get the key part, then swap in the marker for its value.
      const text = formatProperty(ctx, { [key]: '' }, recurseTimes, key, OBJECT);
      const marker = ctx.stylize('<uninitialized>', 'special');
      return `${$slice(text, 0, text.lastIndexOf(' ') + 1)}${marker}`;
    }
  });
}
