// How `inspect` presents a non-primitive before its entries are formatted: the braces, the base
// text, the keys to list and the formatter of its special entries (a Shape), for each kind of
// builtin. Split from value.ts; nested values go back through `ctx.formatValue`.
import {
  ARRAY_EXTRAS,
  OBJECT,
  formatArray,
  formatMap,
  formatNamespace,
  formatPseudo,
  formatSet,
  formatTypedArray,
  unknownItems,
  type Ctx,
  type EntryType,
} from './entries.ts';
import { formatError } from './error.ts';
import { formatBufferContents, getBoxedBase, getFunctionBase, objectFallback } from './labels.ts';
import { formatNumber, getPrefix } from './text.ts';
import * as types from './types.ts';
import { promiseState } from './promise-state.ts';
import { safe, DatePrototype, RegExpPrototype, Array, Number, RegExp } from '../primordials.ts';
import { $call, $map, $splice } from '../primordials-methods.ts';

export type AnyObject = Record<PropertyKey, unknown>;
type Formatter = (ctx: Ctx, value: AnyObject, recurseTimes: number) => string[];

// How a non-primitive is presented: entries come from `formatter`, then from `keys`; `text`,
// when set, is the complete result (empty containers, functions without properties, ...).
export interface Shape {
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

// Arrays, Sets, Maps, typed arrays and collection iterators; undefined for anything else.
export function describeIterable(
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
export function describeOther(
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
      formatOther: (stack) => ctx.formatValue(stack, recurseTimes),
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
