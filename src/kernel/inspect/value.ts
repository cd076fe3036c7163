// The recursive part of `inspect`: turns one value into text following Node's util.inspect
// rules (labels, braces, entries), leaving line layout to `reduceToSingleString`.

import {
  ARRAY_EXTRAS,
  OBJECT,
  formatArray,
  formatMap,
  formatNamespace,
  formatProperty,
  formatPseudo,
  formatSet,
  formatTypedArray,
  unknownItems,
  type Ctx,
  type EntryType,
} from './entries.ts';
import { formatError } from './error.ts';
import {
  formatBufferContents,
  getBoxedBase,
  getFunctionBase,
  getTag,
  objectFallback,
} from './labels.ts';
import { formatNumber, formatPrimitive, getPrefix, reduceToSingleString } from './text.ts';
import * as types from './types.ts';
import { promiseState } from './promise-state.ts';
import {
  safe,
  DatePrototype,
  ObjectPrototype,
  RegExpPrototype,
  Array,
  Date,
  Map,
  Number,
  Object,
  RangeError,
  Reflect,
  RegExp,
  Set,
  String,
  Symbol,
} from '../primordials.ts';
import {
  $call,
  $includes,
  $map,
  $pop,
  $push,
  $repeat,
  $replaceAll,
  $slice,
  $splice,
} from '../primordials-methods.ts';

type AnyObject = Record<PropertyKey, unknown>;
type Formatter = (ctx: Ctx, value: AnyObject, recurseTimes: number) => string[];

const CUSTOM_INSPECT = Symbol.for('nodejs.util.inspect.custom');
const hasOwn = (obj: object, key: PropertyKey) => $call(ObjectPrototype.hasOwnProperty, obj, key);
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

// The name of the nearest constructor in the prototype chain that `value` is an instance of;
// null for a null prototype; `Name <ProtoName>` when the chain has no usable constructor.
// With showHidden it also collects non-method prototype properties into `protoProps`.
function getConstructorName(
  value: object,
  ctx: Ctx,
  recurseTimes: number,
  protoProps: string[] | undefined,
): string | null {
  let firstProto: object | null | undefined;
  let current: object | null = value;
  while (current !== null) {
    const desc = Object.getOwnPropertyDescriptor(current, 'constructor');
    const ctor: unknown = desc?.value;
    if (typeof ctor === 'function' && ctor.name !== '' && types.isInstance(value, ctor)) {
      if (protoProps !== undefined && (firstProto !== current || !types.isBuiltInName(ctor.name))) {
        addPrototypeProperties(ctx, value, firstProto ?? value, recurseTimes, protoProps);
      }
      return String(ctor.name);
    }
    current = Object.getPrototypeOf(current) as object | null;
    if (firstProto === undefined) firstProto = current;
  }
  if (firstProto === null || firstProto === undefined) return null;
  const internal = types.internalConstructorName(value);
  if (recurseTimes > ctx.depth) return `${internal} <Complex prototype>`;
  const protoName = getConstructorName(firstProto, ctx, recurseTimes + 1, protoProps);
  if (protoName === null) {
    const options = { colors: ctx.colors, customInspect: false, depth: -1 };
    return `${internal} <${ctx.inspect(firstProto, options)}>`;
  }
  return `${internal} <${protoName}>`;
}

// showHidden: data and accessor properties (not methods) of up to three user-defined
// prototype levels, rendered faint in colour mode.
function addPrototypeProperties(
  ctx: Ctx,
  main: object,
  start: object,
  recurseTimes: number,
  output: string[],
): void {
  let keys: PropertyKey[] = [];
  const seenKeys = new Set<PropertyKey>();
  let proto: object | null = start;
  for (let depth = 0; depth < 3; depth++) {
    if (depth !== 0 || main === proto) {
      proto = Object.getPrototypeOf(proto) as object | null;
      if (proto === null) return;
      const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
      if (typeof ctor === 'function' && types.isBuiltInName(ctor.name)) return;
    }
    for (const key of safe(keys)) seenKeys.add(key);
    keys = Reflect.ownKeys(proto);
    $push(ctx.seen, main);
    for (const key of safe(keys)) {
      if (key === 'constructor' || hasOwn(main, key) || seenKeys.has(key)) continue;
      const desc = Object.getOwnPropertyDescriptor(proto, key)!;
      if (typeof desc.value === 'function') continue;
      const text = formatProperty(ctx, proto, recurseTimes, key, OBJECT, desc);
      $push(output, ctx.colors ? `\u001b[2m${text}\u001b[22m` : text);
    }
    $pop(ctx.seen);
  }
}

// How a non-primitive is presented: entries come from `formatter`, then from `keys`; `text`,
// when set, is the complete result (empty containers, functions without properties, ...).
interface Shape {
  text?: string;
  keys: PropertyKey[];
  braces: [string, string];
  base: string;
  formatter: Formatter;
  entryType: EntryType;
}

function newShape(keys: PropertyKey[], braces: [string, string] = ['{', '}']): Shape {
  return { keys, braces, base: '', formatter: () => [], entryType: OBJECT };
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

// Arrays, Sets, Maps, typed arrays and collection iterators; undefined for anything else.
function describeIterable(
  ctx: Ctx,
  value: AnyObject,
  constructor: string | null,
  tag: string,
  hasProtoProps: boolean,
): Shape | undefined {
  if (Array.isArray(value)) {
    const size = `(${value.length})`;
    const prefix =
      constructor !== 'Array' || tag !== '' ? getPrefix(constructor, tag, 'Array', size) : '';
    const shape = newShape(types.getNonIndexKeys(value, ctx.showHidden), [`${prefix}[`, ']']);
    if (value.length === 0 && shape.keys.length === 0 && !hasProtoProps) shape.text = `${prefix}[]`;
    return { ...shape, entryType: ARRAY_EXTRAS, formatter: formatArray };
  }
  const isSet = types.isSet(value);
  if (isSet || types.isMap(value)) {
    const size = isSet ? types.setSize(value) : types.mapSize(value);
    const prefix = getPrefix(constructor, tag, isSet ? 'Set' : 'Map', `(${size})`);
    const shape = newShape(types.getKeys(value, ctx.showHidden), [`${prefix}{`, '}']);
    if (size === 0 && shape.keys.length === 0 && !hasProtoProps) shape.text = `${prefix}{}`;
    return { ...shape, formatter: isSet ? formatSet : formatMap };
  }
  const typedName = types.typedArrayName(value);
  if (typedName !== undefined) {
    const size = `(${types.typedArrayLength(value)})`;
    const prefix = getPrefix(constructor, tag, constructor === null ? typedName : '', size);
    const shape = newShape(types.getNonIndexKeys(value, ctx.showHidden), [`${prefix}[`, ']']);
    if (value.length === 0 && shape.keys.length === 0 && !ctx.showHidden)
      shape.text = `${prefix}[]`;
    return { ...shape, entryType: ARRAY_EXTRAS, formatter: formatTypedArray };
  }
  const iterated = types.isMapIterator(value) ? 'Map' : types.isSetIterator(value) ? 'Set' : '';
  if (iterated !== '') {
    let label = `${iterated} Iterator`;
    if (tag !== label) label = tag === '' ? label : `${tag}] [${label}`;
    return {
      ...newShape(types.getKeys(value, ctx.showHidden), [`[${label}] {`, '}']),
      formatter: unknownItems,
    };
  }
  return undefined;
}

// Everything that is not a collection: functions, plain and class objects, and the builtins
// shown with a base text (RegExp, Date, Error, boxed primitives) or special entries.
function describeOther(
  ctx: Ctx,
  value: AnyObject,
  recurseTimes: number,
  constructor: string | null,
  tag: string,
  hasProtoProps: boolean,
  inTypedArray: boolean,
): Shape {
  const shape = newShape(types.getKeys(value, ctx.showHidden));
  const keys = shape.keys;
  const isEmpty = () => keys.length === 0 && !hasProtoProps;
  const label = (fallback: string) => getPrefix(constructor, tag, fallback);
  let kind: string | undefined;
  if (typeof value === 'function') {
    shape.base = getFunctionBase(value, constructor, tag);
    if (isEmpty()) shape.text = ctx.stylize(shape.base, 'special');
  } else if (constructor === 'Object') {
    if (types.isArguments(value)) shape.braces[0] = '[Arguments] {';
    else if (tag !== '') shape.braces[0] = `${label('Object')}{`;
    if (isEmpty()) shape.text = `${shape.braces[0]}}`;
  } else if (types.isRegExp(value)) {
    const regexp = constructor !== null ? value : new RegExp(value);
    shape.base = $call(RegExpPrototype.toString, regexp);
    if (label('RegExp') !== 'RegExp ') shape.base = `${label('RegExp')}${shape.base}`;
    if (isEmpty() || recurseTimes > ctx.depth) shape.text = ctx.stylize(shape.base, 'regexp');
  } else if (types.isDate(value)) {
    const valid = !Number.isNaN($call(DatePrototype.getTime, value));
    shape.base = $call(valid ? DatePrototype.toISOString : DatePrototype.toString, value);
    if (label('Date') !== 'Date ') shape.base = `${label('Date')}${shape.base}`;
    if (isEmpty()) shape.text = ctx.stylize(shape.base, 'date');
  } else if (types.isError(value)) {
    shape.base = formatError(ctx, value as Error & AnyObject, constructor, tag, keys, {
      formatOther: (stack) => formatValue(ctx, stack, recurseTimes),
      isError: types.isError,
    });
    if (isEmpty()) shape.text = shape.base;
  } else if ((kind = types.arrayBufferKind(value)) !== undefined) {
    const byteLength = (value as unknown as ArrayBuffer).byteLength;
    if (inTypedArray && isEmpty()) {
      shape.text = `${label(kind)}{ [byteLength]: ${formatNumber(ctx.stylize, byteLength)} }`;
    }
    shape.braces[0] = `${label(kind)}{`;
    shape.formatter = (c, buffer, depth) => [
      ...safe(inTypedArray ? [] : [formatBufferContents(c, buffer)]),
      formatPseudo(c, 'byteLength', byteLength, depth),
    ];
  } else if (types.isDataView(value)) {
    shape.braces[0] = `${label('DataView')}{`;
    shape.formatter = (c, view, depth) =>
      $map(['byteLength', 'byteOffset', 'buffer'], (k) => formatPseudo(c, k, view[k], depth));
  } else if (types.isPromise(value)) {
    shape.braces[0] = `${label('Promise')}{`;
    shape.formatter = (c, promise, depth) => formatPromise(c, promise, depth);
  } else if (types.isWeakSet(value) || types.isWeakMap(value)) {
    shape.braces[0] = `${label(types.isWeakSet(value) ? 'WeakSet' : 'WeakMap')}{`;
    shape.formatter = unknownItems;
  } else if (types.isModuleNamespace(value)) {
    shape.braces[0] = `${label('Module')}{`;
    const names = $splice(keys, 0);
    shape.formatter = (c, ns, depth) => formatNamespace(c, ns, depth, names);
  } else if ((kind = types.boxedKind(value)) !== undefined) {
    shape.base = getBoxedBase(ctx, value, kind, keys, constructor, tag);
    if (isEmpty()) shape.text = shape.base;
  } else {
    const prefix = label(constructor === null ? objectFallback(value, tag) : 'Object');
    if (isEmpty()) shape.text = `${prefix}{}`;
    shape.braces[0] = `${prefix}{`;
  }
  return shape;
}

/** Node's `formatPromise`, with the state the kernel saw (promise-state.ts). */
function formatPromise(ctx: Ctx, promise: object, depth: number): string[] {
  const seen = promiseState(promise);
  if (!seen) return [ctx.stylize('<state unknown>', 'special')];
  if (seen.state === 'pending') return [ctx.stylize('<pending>', 'special')];
  ctx.indentationLvl += 2;
  const text = ctx.formatValue(seen.value, depth);
  ctx.indentationLvl -= 2;
  return [seen.state === 'rejected' ? `${ctx.stylize('<rejected>', 'special')} ${text}` : text];
}
