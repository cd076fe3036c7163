// Type detection for `inspect.ts` using only ECMAScript builtins (no `util.types`). Most checks
// call a builtin accessor or method that throws unless the receiver has the matching internal
// slot, so they work across realms and ignore Symbol.toStringTag and prototype tricks.
// Checks that cannot be done that way are marked "heuristic".
import {
  safe,
  RealMap,
  RealSet,
  RealWeakMap,
  RealWeakSet,
  BigIntPrototype,
  BooleanPrototype,
  DatePrototype,
  NumberPrototype,
  ObjectPrototype,
  StringPrototype,
  SymbolPrototype,
  Array,
  ArrayBuffer,
  BigInt,
  Boolean,
  DataView,
  Date,
  Error,
  Map,
  Number,
  Object,
  RegExp,
  Set,
  SharedArrayBuffer,
  String,
  Symbol,
  Uint8Array,
  WeakMap,
  WeakSet,
  globalThis,
} from '../primordials.ts';
import { $apply, $call, $filter, $push, $slice, $test } from '../primordials-methods.ts';

type Method = (this: unknown, ...args: unknown[]) => unknown;

function getter(proto: object, key: PropertyKey): Method {
  return Object.getOwnPropertyDescriptor(proto, key)!.get as Method;
}

function hasSlot(method: Method, value: unknown, ...args: unknown[]): boolean {
  try {
    $apply(method, value, args);
    return true;
  } catch {
    return false;
  }
}

const objectToString = ObjectPrototype.toString;
const isEnumerable = (obj: object, key: PropertyKey) =>
  $call(ObjectPrototype.propertyIsEnumerable, obj, key);
export const INDEX_KEY = /^(?:0|[1-9][0-9]*)$/;
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const mapSizeGetter = getter(RealMap.prototype, 'size');
const setSizeGetter = getter(RealSet.prototype, 'size');
const typedArrayTagGetter = getter(TypedArrayPrototype, Symbol.toStringTag);
const typedArrayLengthGetter = getter(TypedArrayPrototype, 'length');
const arrayBufferLengthGetter = getter(ArrayBuffer.prototype, 'byteLength');
const sharedBufferLengthGetter =
  typeof SharedArrayBuffer === 'function'
    ? getter(SharedArrayBuffer.prototype, 'byteLength')
    : undefined;
const dataViewBufferGetter = getter(DataView.prototype, 'buffer');
const regExpSourceGetter = getter(RegExp.prototype, 'source');
const MapIteratorPrototype = Object.getPrototypeOf(new RealMap().entries()) as object;
const SetIteratorPrototype = Object.getPrototypeOf(new RealSet().values()) as object;

export function builtinTag(value: unknown): string {
  return $slice($call(objectToString, value), 8, -1);
}

export const isMap = (value: object): value is Map<unknown, unknown> =>
  hasSlot(mapSizeGetter, value);
export const isSet = (value: object): value is Set<unknown> => hasSlot(setSizeGetter, value);
export const mapSize = (value: object): number => $call(mapSizeGetter, value) as number;
export const setSize = (value: object): number => $call(setSizeGetter, value) as number;
export const isDate = (value: object): value is Date => hasSlot(DatePrototype.getTime, value);
export const isWeakMap = (value: object): boolean =>
  hasSlot(RealWeakMap.prototype.has as Method, value, {});
export const isWeakSet = (value: object): boolean =>
  hasSlot(RealWeakSet.prototype.has as Method, value, {});
export const isDataView = (value: object): value is DataView =>
  hasSlot(dataViewBufferGetter, value);
// RegExp.prototype itself is special-cased by the `source` getter, so exclude it explicitly.
export const isRegExp = (value: object): value is RegExp =>
  value !== RegExp.prototype && hasSlot(regExpSourceGetter, value);

// Returns 'ArrayBuffer' / 'SharedArrayBuffer' for buffers, undefined otherwise.
export function arrayBufferKind(value: object): string | undefined {
  if (hasSlot(arrayBufferLengthGetter, value)) return 'ArrayBuffer';
  if (sharedBufferLengthGetter !== undefined && hasSlot(sharedBufferLengthGetter, value)) {
    return 'SharedArrayBuffer';
  }
  return undefined;
}

// The element type name ('Uint8Array', ...) of a typed array, undefined for anything else.
export function typedArrayName(value: object): string | undefined {
  return $call(typedArrayTagGetter, value) as string | undefined;
}

export function typedArrayLength(value: object): number {
  return $call(typedArrayLengthGetter, value) as number;
}

// Errors: `Error.isError` checks the internal slot (V8 13.4+); `instanceof` also accepts
// objects that merely inherit from Error.prototype, as Node does.
export function isError(value: object): value is Error {
  const isErrorFn = (Error as unknown as { isError?: (v: unknown) => boolean }).isError;
  if (typeof isErrorFn === 'function' ? isErrorFn(value) : builtinTag(value) === 'Error') {
    return true;
  }
  return isInstance(value, Error);
}

// 'Number', 'String', 'Boolean', 'BigInt' or 'Symbol' for boxed primitives.
export function boxedKind(value: object): string | undefined {
  if (hasSlot(NumberPrototype.valueOf, value)) return 'Number';
  if (hasSlot(StringPrototype.valueOf, value)) return 'String';
  if (hasSlot(BooleanPrototype.valueOf, value)) return 'Boolean';
  if (hasSlot(BigIntPrototype.valueOf, value)) return 'BigInt';
  if (hasSlot(SymbolPrototype.valueOf, value)) return 'Symbol';
  return undefined;
}

export function unbox(value: object, kind: string): unknown {
  const proto = { Number, String, Boolean, BigInt, Symbol }[kind]!.prototype as {
    valueOf: Method;
  };
  return $call(proto.valueOf, value);
}

export const isArguments = (value: object): boolean => builtinTag(value) === 'Arguments';
// Heuristic: promise state and identity have no side-effect-free brand check in ECMAScript.
export const isPromise = (value: object): boolean => builtinTag(value) === 'Promise';
// Heuristic: prototype identity (same realm only).
export const isMapIterator = (value: object): boolean =>
  Object.getPrototypeOf(value) === MapIteratorPrototype;
export const isSetIterator = (value: object): boolean =>
  Object.getPrototypeOf(value) === SetIteratorPrototype;

export function isModuleNamespace(value: object): boolean {
  return (
    Object.getPrototypeOf(value) === null &&
    !Object.isExtensible(value) &&
    Object.getOwnPropertyDescriptor(value, Symbol.toStringTag)?.value === 'Module'
  );
}

// 'Function', 'AsyncFunction', 'GeneratorFunction' or 'AsyncGeneratorFunction', read from the
// inherited Symbol.toStringTag (heuristic, but realm-independent).
export function functionKind(fn: Function): string {
  const tag = builtinTag(fn);
  return tag === 'AsyncFunction' || tag === 'GeneratorFunction' || tag === 'AsyncGeneratorFunction'
    ? tag
    : 'Function';
}

// Only a revoked proxy makes Array.isArray throw; no trap is invoked.
export function isRevokedProxy(value: object): boolean {
  try {
    Array.isArray(value);
    return false;
  } catch {
    return true;
  }
}

export function isInstance(value: object, ctor: Function): boolean {
  try {
    return value instanceof ctor;
  } catch {
    return false;
  }
}

// Reads a data property through the prototype chain without running getters (stops at an
// accessor), like V8's GetDataProperty.
function dataProperty(value: object, key: PropertyKey): unknown {
  let current: object | null = value;
  while (current !== null) {
    const desc = Object.getOwnPropertyDescriptor(current, key);
    if (desc !== undefined) return 'value' in desc ? desc.value : undefined;
    current = Object.getPrototypeOf(current);
  }
  return undefined;
}

// Approximates V8's internal constructor name (used by Node when the prototype chain has no
// usable `constructor`): the builtin kind, else a Symbol.toStringTag or `constructor` data
// property, else 'Object'. The class of a user-defined instance cannot be recovered.
export function internalConstructorName(value: object): string {
  if (typeof value === 'function') return 'Function';
  if (Array.isArray(value)) return 'Array';
  const typed = typedArrayName(value);
  if (typed !== undefined) return typed;
  const kind =
    (isMap(value) && 'Map') ||
    (isSet(value) && 'Set') ||
    (isDate(value) && 'Date') ||
    (isRegExp(value) && 'RegExp') ||
    (isError(value) && 'Error') ||
    arrayBufferKind(value) ||
    (isDataView(value) && 'DataView') ||
    (isWeakMap(value) && 'WeakMap') ||
    (isWeakSet(value) && 'WeakSet') ||
    boxedKind(value);
  if (kind) return kind;
  const tag = dataProperty(value, Symbol.toStringTag);
  if (typeof tag === 'string') return tag;
  const ctor = dataProperty(value, 'constructor');
  if (typeof ctor === 'function' && typeof ctor.name === 'string' && ctor.name !== '') {
    return ctor.name;
  }
  return 'Object';
}

let builtInNames: Set<string> | undefined;

// Names of the global constructors/namespaces (`Object`, `Map`, `Intl`, ...), computed lazily.
export function isBuiltInName(name: unknown): boolean {
  builtInNames ??= new Set(
    safe($filter(Object.getOwnPropertyNames(globalThis), (n) => $test(/^[A-Z][a-zA-Z0-9]+$/, n))),
  );
  return typeof name === 'string' && builtInNames.has(name);
}

// Own enumerable string keys then enumerable symbols (everything own when showHidden).
export function getKeys(value: object, showHidden: boolean): PropertyKey[] {
  let keys: PropertyKey[];
  if (showHidden) {
    keys = Object.getOwnPropertyNames(value);
  } else {
    try {
      keys = Object.keys(value);
    } catch {
      keys = Object.getOwnPropertyNames(value); // module namespace with uninitialized bindings
    }
  }
  for (const symbol of safe(Object.getOwnPropertySymbols(value))) {
    if (showHidden || isEnumerable(value, symbol)) $push(keys, symbol);
  }
  return keys;
}

export function isIndexKey(key: PropertyKey): boolean {
  return typeof key === 'string' && $test(INDEX_KEY, key) && Number(key) < 2 ** 32 - 1;
}

// Keys of an array-like other than its indices. Own keys list indices first (ascending), so
// they are skipped with a binary search instead of testing each of possibly millions of keys.
export function getNonIndexKeys(value: object, showHidden: boolean): PropertyKey[] {
  const names = showHidden ? Object.getOwnPropertyNames(value) : Object.keys(value);
  let low = 0;
  let high = names.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isIndexKey(names[mid])) low = mid + 1;
    else high = mid;
  }
  const keys: PropertyKey[] = $filter($slice(names, low), (key) => !isIndexKey(key));
  for (const symbol of safe(Object.getOwnPropertySymbols(value))) {
    if (showHidden || isEnumerable(value, symbol)) $push(keys, symbol);
  }
  return keys;
}
