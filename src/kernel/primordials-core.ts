// The capture itself: the only kernel file that reads the global object's builtins by name, at
// module evaluation (before any user code). Everything here reaches builtins through constants
// captured on the first lines, never through a global or a prototype lookup at call time.
export const rawGlobal = globalThis;
const { Reflect: R, Object: O, Function: F } = rawGlobal;
export const { apply: ReflectApply, construct: ReflectConstruct } = R;
const {
  ownKeys,
  defineProperty,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  setPrototypeOf,
  freeze,
} = {
  ownKeys: R.ownKeys,
  getPrototypeOf: O.getPrototypeOf,
  defineProperty: O.defineProperty,
  getOwnPropertyDescriptor: O.getOwnPropertyDescriptor,
  setPrototypeOf: O.setPrototypeOf,
  freeze: O.freeze,
};
const { bind, call } = F.prototype;
const iteratorSymbol = rawGlobal.Symbol.iterator;

/** `uncurryThis(Array.prototype.push)(array, x)` is `array.push(x)` without looking up anything. */
export const uncurryThis: <T, A extends unknown[], R>(
  fn: (this: T, ...args: A) => R,
) => (self: T, ...args: A) => R = ReflectApply(bind, bind, [call]);

const bindTo = (fn: Function, self: unknown) => ReflectApply(bind, fn, [self]) as Function;

/**
 * Own properties of `from` onto `to`, but for those `to` has. Methods are bound to `self` (when
 * given) for those that use their receiver (`Array.from`, `Promise.all`); constructors
 * (`Intl.DateTimeFormat`) are copied as they are.
 */
function copyStatics(from: object, to: object, self?: unknown): void {
  const keys = ownKeys(from);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (getOwnPropertyDescriptor(to, key) !== undefined) continue;
    const desc = getOwnPropertyDescriptor(from, key)!;
    const fn = desc.value as unknown;
    if (
      self !== undefined &&
      typeof fn === 'function' &&
      getOwnPropertyDescriptor(fn, 'prototype') === undefined
    ) {
      desc.value = bindTo(desc.value, self);
    }
    defineProperty(to, key, desc);
  }
}

/**
 * A frozen stand-in for a builtin constructor: callable and constructible as the original (a
 * kernel class may extend it), its statics the original ones, its `prototype` the original one.
 */
export function safeConstructor<T extends Function>(Ctor: T): T {
  const Safe = function (this: unknown, ...args: unknown[]) {
    return new.target === undefined
      ? ReflectApply(Ctor, undefined, args)
      : ReflectConstruct(Ctor, args, new.target === Safe ? Ctor : new.target);
  };
  defineProperty(Safe, 'prototype', {
    value: (Ctor as unknown as { prototype: unknown }).prototype,
  });
  defineProperty(Safe, 'name', { value: Ctor.name });
  copyStatics(Ctor, Safe, Ctor);
  return freeze(Safe) as unknown as T;
}

/** A frozen copy of a namespace object (`Math`, `Reflect`, `Intl`). */
export function safeNamespace<T extends object>(ns: T): T {
  const copy = {};
  copyStatics(ns, copy);
  return freeze(copy) as T;
}

/**
 * A safe collection class (Node's makeSafe): the original prototype's methods copied onto the
 * class's own prototype, which is then cut from the original and frozen, so patching
 * `Map.prototype.get` changes nothing for the kernel. Iterators are wrapped, so that their `next`
 * is the original one whatever a user does to %MapIteratorPrototype%.
 */
export function makeSafe<T extends Function>(unsafe: Function, safe: T): T {
  const from = unsafe.prototype as object;
  const to = (safe as unknown as { prototype: object }).prototype;
  const keys = ownKeys(from);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (getOwnPropertyDescriptor(to, key) !== undefined) continue;
    const desc = getOwnPropertyDescriptor(from, key)!;
    if (typeof desc.value === 'function' && isIteratorMethod(key)) {
      desc.value = safeIteratorMethod(desc.value, new (unsafe as FunctionConstructor)());
    }
    defineProperty(to, key, desc);
  }
  setPrototypeOf(to, null);
  freeze(to);
  safePrototypes[safePrototypes.length] = to;
  return freeze(safe);
}

/** The prototypes of the safe collections: iterating one of their instances runs no user code. */
const safePrototypes: object[] = [];

const isIteratorMethod = (key: PropertyKey) =>
  key === 'entries' || key === 'keys' || key === 'values' || key === iteratorSymbol;

/** An iterator whose `next` and `[Symbol.iterator]` are its own (the original `next`, captured). */
function safeIteratorMethod(create: Function, dummy: object): Function {
  const iteratorProto = getPrototypeOf(ReflectApply(create, dummy, []) as object) as object;
  const next = getOwnPropertyDescriptor(iteratorProto, 'next')!.value as Function;
  return {
    m(this: unknown) {
      return new SafeIterator(ReflectApply(create, this, []) as object, next);
    },
  }.m;
}

/**
 * `for (const x of safe(list))`: an iterable whose iterator the kernel owns, so that iterating
 * runs none of `Array.prototype[Symbol.iterator]`, %ArrayIteratorPrototype%.next or the Map, Set
 * and String iterators, which user code may delete or patch (test262 does). An array (or typed
 * array, or any array-like) is walked by index as its builtin iterator would; a string by code
 * points; a safe Map or Set and their iterators are safe already; a user's Map or Set goes through
 * the original iterator methods and `next`. Anything else (a generator, a user's Map iterator) is
 * refused, and the overloads let TypeScript refuse it first. Hot paths (saving, decoding,
 * migrations) use plain index loops.
 */
export function safe<T>(list: ArrayLike<T>): Iterable<T>;
export function safe<K, V>(map: ReadonlyMap<K, V>): Iterable<[K, V]>;
export function safe<T>(set: ReadonlySet<T>): Iterable<T>;
export function safe<T>(iterator: MapIterator<T> | SetIterator<T>): Iterable<T>;
export function safe<T>(iterable: Iterable<T> | ArrayLike<T>): Iterable<T> {
  if (isArray(iterable) || isTypedArray(iterable)) {
    return new SafeArrayIterator(iterable as ArrayLike<T>) as unknown as Iterable<T>;
  }
  if (typeof iterable === 'string') {
    return new SafeIterator(
      ReflectApply(stringIterate, iterable, []),
      stringNext,
    ) as unknown as Iterable<T>;
  }
  const proto = getPrototypeOf(iterable);
  for (let i = 0; i < safePrototypes.length; i++) {
    if (proto === safePrototypes[i]) return iterable as Iterable<T>;
  }
  if (iterable instanceof SafeIterator || iterable instanceof SafeArrayIterator) {
    return iterable as unknown as Iterable<T>;
  }
  if (hasSlot(mapSize, iterable)) {
    return new SafeIterator(
      ReflectApply(mapEntries, iterable, []),
      mapNext,
    ) as unknown as Iterable<T>;
  }
  if (hasSlot(setSize, iterable)) {
    return new SafeIterator(
      ReflectApply(setValues, iterable, []),
      setNext,
    ) as unknown as Iterable<T>;
  }
  if (typeof (iterable as ArrayLike<T>).length === 'number') {
    return new SafeArrayIterator(iterable as ArrayLike<T>) as unknown as Iterable<T>;
  }
  throw new rawGlobal.TypeError('safe(): not an array, string, Map, Set or array-like');
}

const { isArray } = rawGlobal.Array;
const typedArrayProto = getPrototypeOf(rawGlobal.Uint8Array.prototype) as object;
const typedArrayTag = getOwnPropertyDescriptor(typedArrayProto, rawGlobal.Symbol.toStringTag)!
  .get as Function;
const isTypedArray = (v: unknown) => ReflectApply(typedArrayTag, v, []) !== undefined;
const nextOf = (iterator: object) =>
  getOwnPropertyDescriptor(getPrototypeOf(iterator) as object, 'next')!.value as Function;
const stringIterate = rawGlobal.String.prototype[rawGlobal.Symbol.iterator] as Function;
const stringNext = nextOf(ReflectApply(stringIterate, '', []) as object);
const MapProto = rawGlobal.Map.prototype;
const SetProto = rawGlobal.Set.prototype;
const mapEntries = MapProto.entries as Function;
const setValues = SetProto.values as Function;
const mapNext = nextOf(new rawGlobal.Map().entries());
const setNext = nextOf(new rawGlobal.Set().values());
const mapSize = getOwnPropertyDescriptor(MapProto, 'size')!.get as Function;
const setSize = getOwnPropertyDescriptor(SetProto, 'size')!.get as Function;

/** Whether `value` has the internal slot `getter` (a builtin accessor) reads. */
function hasSlot(getter: Function, value: unknown): boolean {
  try {
    ReflectApply(getter, value, []);
    return true;
  } catch {
    return false;
  }
}

/** An array's iterator as the builtin one (reads `length` at every step), owned by the kernel. */
class SafeArrayIterator<T> {
  #list: ArrayLike<T>;
  #index = 0;
  constructor(list: ArrayLike<T>) {
    this.#list = list;
  }
  next(): IteratorResult<T> {
    const i = this.#index;
    if (i >= this.#list.length) return { value: undefined, done: true };
    this.#index = i + 1;
    return { value: this.#list[i]!, done: false };
  }
  [iteratorSymbol](): SafeArrayIterator<T> {
    return this;
  }
}
setPrototypeOf(SafeArrayIterator.prototype, null);
freeze(SafeArrayIterator.prototype);

class SafeIterator {
  #inner: object;
  #next: Function;
  constructor(inner: object, next: Function) {
    this.#inner = inner;
    this.#next = next;
  }
  next(): unknown {
    return ReflectApply(this.#next, this.#inner, []);
  }
  [iteratorSymbol](): SafeIterator {
    return this;
  }
}
setPrototypeOf(SafeIterator.prototype, null);
freeze(SafeIterator.prototype);
