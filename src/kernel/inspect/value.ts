// The recursive part of `inspect`: turns one value into text following Node's util.inspect
// rules (labels, braces, entries), leaving line layout to `reduceToSingleString`.
import { ARRAY_EXTRAS, formatProperty, type Ctx } from './entries.ts';
import { getTag, objectFallback } from './labels.ts';
import { formatPrimitive, getPrefix, reduceToSingleString } from './text.ts';
import * as types from './types.ts';
import { getConstructorName } from './constructor-name.ts';
import { describeIterable, describeOther, type AnyObject } from './shape.ts';
import { safe, Map, RangeError, Symbol } from '../primordials.ts';
import {
  $call,
  $includes,
  $pop,
  $push,
  $repeat,
  $replaceAll,
  $slice,
} from '../primordials-methods.ts';

const CUSTOM_INSPECT = Symbol.for('nodejs.util.inspect.custom');
const STACK_OVERFLOW = 'Maximum call stack size exceeded';

export function formatValue(ctx: Ctx, value: unknown, recurseTimes: number, inTypedArray = false) {
  if (typeof value !== 'object' && typeof value !== 'function') {
    return formatPrimitive(ctx.stylize, value, ctx);
  }
  if (value === null) return ctx.stylize('null', 'null');
  if (types.isRevokedProxy(value)) return ctx.stylize('<Revoked Proxy>', 'special');
  if (ctx.customInspect) {
    const custom = formatCustom(ctx, value, recurseTimes);
    if (custom !== undefined) return custom;
  }
  if ($includes(ctx.seen, value)) {
    ctx.circular ??= new Map();
    let index = ctx.circular.get(value);
    if (index === undefined) {
      index = ctx.circular.size + 1;
      ctx.circular.set(value, index);
    }
    return ctx.stylize(`[Circular *${index}]`, 'special');
  }
  return formatRaw(ctx, value as AnyObject, recurseTimes, inTypedArray);
}

// Calls a `[Symbol.for('nodejs.util.inspect.custom')](depth, options, inspect)` method;
// undefined means "format normally" (no method, a prototype object, or it returned `this`).
function formatCustom(ctx: Ctx, value: object, recurseTimes: number): string | undefined {
  const custom = (value as unknown as AnyObject)[CUSTOM_INSPECT];
  if (typeof custom !== 'function' || custom === ctx.inspect) return undefined;
  const ctor = (value as unknown as AnyObject).constructor as unknown as AnyObject | undefined;
  if (ctor && ctor.prototype === value) return undefined;
  const options = {
    stylize: ctx.stylize,
    showHidden: ctx.showHidden,
    depth: ctx.depth,
    colors: ctx.colors,
    customInspect: ctx.customInspect,
    showProxy: false,
    maxArrayLength: ctx.maxArrayLength,
    maxStringLength: ctx.maxStringLength,
    breakLength: ctx.breakLength,
    compact: ctx.compact,
    sorted: false,
    getters: false,
    numericSeparator: false,
    ...ctx.userOptions,
  };
  const result: unknown = $call(custom, value, ctx.depth - recurseTimes, options, ctx.inspect);
  if (result === value) return undefined;
  if (typeof result !== 'string') return formatValue(ctx, result, recurseTimes);
  return $replaceAll(result, '\n', `\n${$repeat(' ', ctx.indentationLvl)}`);
}

function formatRaw(ctx: Ctx, value: AnyObject, recurseTimes: number, inTypedArray: boolean) {
  let protoProps: string[] | undefined =
    ctx.showHidden && recurseTimes <= ctx.depth ? [] : undefined;
  const constructor = getConstructorName(value, ctx, recurseTimes, protoProps);
  if (protoProps !== undefined && protoProps.length === 0) protoProps = undefined;
  const tag = getTag(value, ctx.showHidden);
  const hasProtoProps = protoProps !== undefined;
  const shape =
    ((constructor === null || Symbol.iterator in value) &&
      describeIterable(ctx, value, constructor, tag, hasProtoProps)) ||
    describeOther(ctx, value, recurseTimes, constructor, tag, hasProtoProps, inTypedArray);
  if (shape.text !== undefined) return shape.text;

  if (recurseTimes > ctx.depth) {
    const fallback = constructor === null ? objectFallback(value, tag) : 'Object';
    const name = $slice(getPrefix(constructor, tag, fallback), 0, -1);
    return ctx.stylize(constructor !== null ? `[${name}]` : name, 'special');
  }
  recurseTimes += 1;
  $push(ctx.seen, value);
  ctx.currentDepth = recurseTimes;
  const indentationLvl = ctx.indentationLvl;
  let output: string[];
  try {
    output = shape.formatter(ctx, value, recurseTimes);
    for (const key of safe(shape.keys)) {
      $push(output, formatProperty(ctx, value, recurseTimes, key, shape.entryType));
    }
    if (protoProps !== undefined) $push(output, ...safe(protoProps));
  } catch (error) {
    $pop(ctx.seen);
    ctx.indentationLvl = indentationLvl;
    // Keep this check minimal: it runs with the stack nearly exhausted (if it overflows
    // again, the RangeError simply propagates to the next level up).
    if (!(error instanceof RangeError && error.message === STACK_OVERFLOW)) throw error;
    const name = $slice(getPrefix(constructor, tag, 'Object'), 0, -1);
    const message = 'Inspection interrupted prematurely. Maximum call stack size exceeded.';
    return ctx.stylize(`[${name}: ${message}]`, 'special');
  }
  let base = shape.base;
  const index = ctx.circular?.get(value);
  if (index !== undefined) {
    const reference = ctx.stylize(`<ref *${index}>`, 'special');
    base = base === '' ? reference : `${reference} ${base}`;
  }
  $pop(ctx.seen);
  const arrayLike = shape.entryType === ARRAY_EXTRAS;
  const items = arrayLike ? (value as unknown as ArrayLike<unknown>) : undefined;
  return reduceToSingleString(ctx, output, base, shape.braces, arrayLike, recurseTimes, items);
}
