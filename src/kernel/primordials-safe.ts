// Prototype methods the kernel calls, uncurried (captured before user code), and the few
// operations whose builtin form would run user code on kernel data: Array methods that consult
// `Symbol.species`, JSON.stringify (which calls `toJSON` found on a prototype), reading `.stack`
// (which calls a user `Error.prepareStackTrace`), and telling a Proxy apart without its traps.
import { ReflectApply, ReflectConstruct, rawGlobal, uncurryThis } from './primordials-core.ts';

const g = rawGlobal;
const AP = g.Array.prototype;
const SP = g.String.prototype;
const FP = g.Function.prototype;
const { getOwnPropertyDescriptor: describe, defineProperty, keys: objectKeys } = g.Object;
const { isArray } = g.Array;
const { stringify: nativeStringify, parse: nativeParse } = g.JSON;

export const ArrayIsArray = isArray;
export const ArrayPrototypePush = uncurryThis(AP.push) as <T>(a: T[], ...items: T[]) => number;
export const ArrayPrototypePop = uncurryThis(AP.pop) as <T>(a: T[]) => T | undefined;
export const ArrayPrototypeJoin = uncurryThis(AP.join) as (
  a: readonly unknown[],
  s?: string,
) => string;
export const ArrayPrototypeIndexOf = uncurryThis(AP.indexOf) as <T>(
  a: readonly T[],
  v: T,
) => number;
export const ArrayPrototypeIncludes = uncurryThis(AP.includes) as <T>(
  a: readonly T[],
  v: T,
) => boolean;
export const ArrayPrototypeReverse = uncurryThis(AP.reverse) as <T>(a: T[]) => T[];
export const ArrayPrototypeSort = uncurryThis(AP.sort) as <T>(
  a: T[],
  f?: (x: T, y: T) => number,
) => T[];
export const ArrayPrototypeUnshift = uncurryThis(AP.unshift) as <T>(
  a: T[],
  ...items: T[]
) => number;
export const ArrayPrototypeSome = uncurryThis(AP.some) as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => boolean;
export const ArrayPrototypeEvery = uncurryThis(AP.every) as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => boolean;
export const ArrayPrototypeFind = uncurryThis(AP.find) as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => T | undefined;
export const ArrayPrototypeFindIndex = uncurryThis(AP.findIndex) as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => number;
export const ArrayPrototypeForEach = uncurryThis(AP.forEach) as <T>(
  a: readonly T[],
  f: (v: T, i: number) => void,
) => void;

/** `a.map(f)` into a plain array (no `Symbol.species`). */
export function ArrayPrototypeMap<T, U>(a: readonly T[], f: (v: T, i: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < a.length; i++) defineProperty(out, i, own(f(a[i]!, i)));
  return out;
}

/** `a.filter(f)` into a plain array (no `Symbol.species`). */
export function ArrayPrototypeFilter<T>(a: readonly T[], f: (v: T, i: number) => unknown): T[] {
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) {
    if (f(a[i]!, i)) defineProperty(out, out.length, own(a[i]));
  }
  return out;
}

/** `a.slice(start, end)` into a plain array (no `Symbol.species`). */
export function ArrayPrototypeSlice<T>(a: readonly T[], start = 0, end = a.length): T[] {
  const len = a.length;
  const from = start < 0 ? Math.max(len + start, 0) : Math.min(start, len);
  const to = end < 0 ? Math.max(len + end, 0) : Math.min(end, len);
  const out: T[] = [];
  for (let i = from; i < to; i++) defineProperty(out, out.length, own(a[i]));
  return out;
}

/** `a.concat(...more)` of arrays into a plain array (no `Symbol.species`). */
export function ArrayPrototypeConcat<T>(a: readonly T[], ...more: (readonly T[])[]): T[] {
  const out = ArrayPrototypeSlice(a);
  for (let m = 0; m < more.length; m++) {
    const b = more[m]!;
    for (let i = 0; i < b.length; i++) defineProperty(out, out.length, own(b[i]));
  }
  return out;
}

/** `a.flatMap(f)` into a plain array (no `Symbol.species`), one level deep as the builtin. */
export function ArrayPrototypeFlatMap<T, U>(
  a: readonly T[],
  f: (v: T, i: number) => U | readonly U[],
): U[] {
  const out: U[] = [];
  for (let i = 0; i < a.length; i++) {
    const r = f(a[i]!, i);
    if (isArray(r)) for (let j = 0; j < r.length; j++) defineProperty(out, out.length, own(r[j]));
    else defineProperty(out, out.length, own(r));
  }
  return out;
}

/** `a.splice(start, count, ...items)` returning a plain array (no `Symbol.species`). */
export function ArrayPrototypeSplice<T>(a: T[], start: number, count?: number, ...items: T[]): T[] {
  const len = a.length;
  const from = start < 0 ? Math.max(len + start, 0) : Math.min(start, len);
  const n = count === undefined ? len - from : Math.min(Math.max(count, 0), len - from);
  const removed = ArrayPrototypeSlice(a, from, from + n);
  const tail = ArrayPrototypeSlice(a, from + n);
  a.length = from;
  for (let i = 0; i < items.length; i++) ArrayPrototypePush(a, items[i]!);
  for (let i = 0; i < tail.length; i++) ArrayPrototypePush(a, tail[i]!);
  return removed;
}

/** A data property descriptor: `defineProperty` never runs a setter found on a prototype. */
function own(value: unknown): PropertyDescriptor {
  return { value, writable: true, enumerable: true, configurable: true };
}

const Math = { max: g.Math.max, min: g.Math.min };

export const StringPrototypeSlice = uncurryThis(SP.slice) as (
  s: string,
  a?: number,
  b?: number,
) => string;
export const StringPrototypeSplit = uncurryThis(SP.split) as unknown as (
  s: string,
  sep: string,
) => string[];
export const StringPrototypeIndexOf = uncurryThis(SP.indexOf) as (
  s: string,
  t: string,
  from?: number,
) => number;
export const StringPrototypeIncludes = uncurryThis(SP.includes) as (
  s: string,
  t: string,
) => boolean;
export const StringPrototypeStartsWith = uncurryThis(SP.startsWith) as (
  s: string,
  t: string,
) => boolean;
export const StringPrototypeEndsWith = uncurryThis(SP.endsWith) as (
  s: string,
  t: string,
) => boolean;
export const StringPrototypeRepeat = uncurryThis(SP.repeat) as (s: string, n: number) => string;
export const StringPrototypeTrim = uncurryThis(SP.trim) as (s: string) => string;
export const StringPrototypePadStart = uncurryThis(SP.padStart) as (
  s: string,
  n: number,
  f?: string,
) => string;
export const StringPrototypePadEnd = uncurryThis(SP.padEnd) as (
  s: string,
  n: number,
  f?: string,
) => string;
export const StringPrototypeCharCodeAt = uncurryThis(SP.charCodeAt) as (
  s: string,
  i: number,
) => number;
export const StringPrototypeToLowerCase = uncurryThis(SP.toLowerCase) as (s: string) => string;
export const StringPrototypeReplaceAll = uncurryThis(SP.replaceAll) as unknown as (
  s: string,
  a: string,
  b: string,
) => string;

export const FunctionPrototypeCall = uncurryThis(FP.call) as (
  f: Function,
  self: unknown,
  ...args: unknown[]
) => unknown;
export const FunctionPrototypeToString = uncurryThis(FP.toString) as (f: Function) => string;
export const ObjectPrototypeToString = uncurryThis(g.Object.prototype.toString) as (
  v: unknown,
) => string;
export const ObjectPrototypePropertyIsEnumerable = uncurryThis(
  g.Object.prototype.propertyIsEnumerable,
) as (o: object, k: PropertyKey) => boolean;
export const RegExpPrototypeTest = uncurryThis(g.RegExp.prototype.test) as (
  r: RegExp,
  s: string,
) => boolean;
export const RegExpPrototypeExec = uncurryThis(g.RegExp.prototype.exec) as (
  r: RegExp,
  s: string,
) => RegExpExecArray | null;
export const PromisePrototypeThen = uncurryThis(g.Promise.prototype.then) as <T>(
  p: Promise<T>,
  ok?: (v: T) => unknown,
  fail?: (e: unknown) => unknown,
) => Promise<unknown>;
export { ReflectApply, ReflectConstruct };

const ObjectProto = g.Object.prototype;
const ArrayProto = AP;

/**
 * JSON text of kernel data (plain objects, arrays, primitives). The native stringify is used
 * unless a user put a `toJSON` on Object.prototype or Array.prototype (it would be called on
 * kernel data); then a walk that reads own enumerable data properties only.
 */
function stringify(value: unknown): string {
  if (
    describe(ObjectProto, 'toJSON') === undefined &&
    describe(ArrayProto, 'toJSON') === undefined
  ) {
    return nativeStringify(value);
  }
  return walk(value) ?? 'null';
}

function walk(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'function' || typeof value === 'symbol' || value === undefined
      ? undefined
      : nativeStringify(value);
  }
  const parts: string[] = [];
  if (isArray(value)) {
    for (let i = 0; i < value.length; i++) ArrayPrototypePush(parts, walk(value[i]) ?? 'null');
    return '[' + ArrayPrototypeJoin(parts, ',') + ']';
  }
  const keys = objectKeys(value);
  for (let i = 0; i < keys.length; i++) {
    const text = walk(describe(value, keys[i]!)?.value);
    if (text !== undefined) ArrayPrototypePush(parts, nativeStringify(keys[i]) + ':' + text);
  }
  return '{' + ArrayPrototypeJoin(parts, ',') + '}';
}

export const JSON = g.Object.freeze({ stringify, parse: nativeParse });
/** The kernel's own name for JSON (older modules import `json`). */
export const json = JSON;

const RealError = g.Error;

/**
 * `error.stack` as V8 formats it by default: a user's `Error.prepareStackTrace` (which V8 calls
 * lazily, on the first read of `.stack`) is set aside for the read, so it can neither throw into
 * the kernel nor return junk.
 */
export function stackOf(error: object): unknown {
  const hook = describe(RealError, 'prepareStackTrace');
  if (hook === undefined) return readStack(error);
  if (!hook.configurable) return readStack(error);
  ReflectApply(g.Reflect.deleteProperty, undefined, [RealError, 'prepareStackTrace']);
  try {
    return readStack(error);
  } finally {
    defineProperty(RealError, 'prepareStackTrace', hook);
  }
}

function readStack(error: object): unknown {
  try {
    return (error as { stack?: unknown }).stack;
  } catch {
    return undefined;
  }
}

const RealProxy = g.Proxy;
const proxies = new g.WeakSet<object>();
const weakSetAdd = uncurryThis(g.WeakSet.prototype.add);
const weakSetHas = uncurryThis(g.WeakSet.prototype.has);

/** Whether `value` was made by `new Proxy` or `Proxy.revocable` (no trap runs). */
export function isProxy(value: object): boolean {
  return weakSetHas(proxies, value);
}

/**
 * Puts in place of the global `Proxy` one that records every proxy it makes (saving refuses
 * them: a trap is user code). It is a proxy of the original, so `new Proxy`, `Proxy()` without
 * new, `Proxy.length`, `Proxy.prototype` and `Proxy.revocable` behave as in JavaScript.
 */
export function installProxyWatch(): void {
  const revocable = RealProxy.revocable;
  defineProperty(RealProxy, 'revocable', {
    value: {
      revocable(target: object, handler: ProxyHandler<object>) {
        const result = revocable(target, handler);
        weakSetAdd(proxies, result.proxy);
        return result;
      },
    }.revocable,
  });
  const watched: ProxyConstructor = new RealProxy(RealProxy, {
    construct(target, args, newTarget): object {
      const proxy: object = ReflectConstruct(
        target,
        args,
        newTarget === watched ? target : newTarget,
      );
      weakSetAdd(proxies, proxy);
      return proxy;
    },
  });
  defineProperty(g, 'Proxy', { value: watched });
}

/** A frozen copy of a prototype's own data properties as they were before user code ran. */
function snapshotOf<T extends object>(proto: T): T {
  const copy = g.Object.create(null) as T;
  const keys = g.Reflect.ownKeys(proto);
  for (let i = 0; i < keys.length; i++) {
    const desc = describe(proto, keys[i]!)!;
    if ('value' in desc) defineProperty(copy, keys[i]!, desc);
  }
  return g.Object.freeze(copy);
}

// `FunctionPrototype.toString` is Function.prototype.toString whatever a user later assigns to
// it (call it with `$call(FunctionPrototype.toString, fn)`).
export const ObjectPrototype = snapshotOf(g.Object.prototype);
export const FunctionPrototype = snapshotOf(g.Function.prototype);
export const ErrorPrototype = snapshotOf(g.Error.prototype);
export const RegExpPrototype = snapshotOf(g.RegExp.prototype);
export const DatePrototype = snapshotOf(g.Date.prototype);
export const NumberPrototype = snapshotOf(g.Number.prototype);
export const StringPrototype = snapshotOf(g.String.prototype);
export const BooleanPrototype = snapshotOf(g.Boolean.prototype);
export const BigIntPrototype = snapshotOf(g.BigInt.prototype);
export const SymbolPrototype = snapshotOf(g.Symbol.prototype);
