// `$name(receiver, ...args)`: the builtin method `name` of an array, string, function, RegExp or
// promise receiver, as it was before any user code ran (`$push(list, x)` for `list.push(x)`).
// Any other receiver (a kernel object, a safe Map) is called as usual. Array methods that would
// consult `Symbol.species` are the plain-array versions from primordials-safe.ts.
import { ReflectApply, rawGlobal } from './primordials-core.ts';
import {
  ArrayPrototypeConcat,
  ArrayPrototypeFilter,
  ArrayPrototypeFlatMap,
  ArrayPrototypeMap,
  ArrayPrototypeSlice,
  ArrayPrototypeSplice,
} from './primordials-safe.ts';

const g = rawGlobal;
const { getPrototypeOf, getOwnPropertyDescriptor: describe, defineProperty } = g.Object;
const { isArray } = g.Array;
const ArrayProto = g.Array.prototype as unknown as Record<string, Function>;
const StringProto = g.String.prototype as unknown as Record<string, Function>;
const FunctionProto = g.Function.prototype as unknown as Record<string, Function>;
const RegExpProto = g.RegExp.prototype as unknown as Record<string, Function>;
const PromiseProto = g.Promise.prototype as unknown as Record<string, Function>;
const NumberProto = g.Number.prototype as unknown as Record<string, Function>;
const SymbolProto = g.Symbol.prototype as unknown as Record<string, Function>;

/** The original method `name` of a prototype (undefined if it has none). */
const original = (proto: Record<string, Function>, name: string) =>
  describe(proto, name)?.value as Function | undefined;

type Method = (self: any, ...args: any[]) => any;

function method(name: string, arrayOverride?: Function, regExpOverride?: Function): Method {
  const onArray = arrayOverride ?? original(ArrayProto, name);
  const onString = original(StringProto, name);
  const onFunction = original(FunctionProto, name);
  const onRegExp = regExpOverride ?? original(RegExpProto, name);
  const onPromise = original(PromiseProto, name);
  const onNumber = original(NumberProto, name);
  const onSymbol = original(SymbolProto, name);
  return function (self: any, ...args: any[]): any {
    let fn: Function | undefined;
    if (isArray(self)) fn = onArray;
    else if (typeof self === 'string') fn = onString;
    else if (typeof self === 'function') fn = onFunction;
    else if (typeof self === 'number') fn = onNumber;
    else if (typeof self === 'symbol') fn = onSymbol;
    else if (self !== null && typeof self === 'object') {
      const proto = getPrototypeOf(self);
      if (proto === RegExpProto) fn = onRegExp;
      else if (proto === PromiseProto) fn = onPromise;
    }
    if (fn === undefined) fn = self[name] as Function;
    if (fn === onString && typeof args[0] === 'object') ownExec(args[0]);
    if (regExpOverride !== undefined && fn === onRegExp) return regExpOverride(self, args[0]);
    if (arrayOverride !== undefined && fn === onArray) {
      return ReflectApply(fn, undefined, prepend(self, args));
    }
    return ReflectApply(fn, self, args);
  };
}

/**
 * String methods given a RegExp (`replace`, `split`) call its `exec` as a property: a kernel
 * RegExp gets the original one as an own property, so a user's RegExp.prototype.exec is not run.
 */
function ownExec(pattern: object | null): void {
  if (pattern === null || getPrototypeOf(pattern) !== RegExpProto) return;
  if (describe(pattern, 'exec') === undefined)
    defineProperty(pattern, 'exec', { value: regExpExec });
}

/** `[first, ...rest]` without the array iterator (a user may patch it). */
function prepend(first: unknown, rest: unknown[]): unknown[] {
  const list: unknown[] = [first];
  for (let i = 0; i < rest.length; i++) list[i + 1] = rest[i];
  return list;
}

export const $push = method('push') as <T>(a: T[], ...items: T[]) => number;
export const $pop = method('pop') as <T>(a: T[]) => T | undefined;
export const $shift = method('shift') as <T>(a: T[]) => T | undefined;
export const $unshift = method('unshift') as <T>(a: T[], ...items: T[]) => number;
export const $splice = method('splice', ArrayPrototypeSplice) as <T>(
  a: T[],
  start: number,
  deleteCount?: number,
  ...items: T[]
) => T[];
export const $join = method('join') as (a: readonly unknown[], separator?: string) => string;
export const $map = method('map', ArrayPrototypeMap) as <T, U>(
  a: readonly T[],
  f: (v: T, i: number, a: readonly T[]) => U,
) => U[];
export const $filter = method('filter', ArrayPrototypeFilter) as {
  <T, S extends T>(a: readonly T[], f: (v: T, i: number) => v is S): S[];
  <T>(a: readonly T[], f: (v: T, i: number) => unknown): T[];
};
export const $slice = method('slice', ArrayPrototypeSlice) as {
  (s: string, start?: number, end?: number): string;
  <T>(a: readonly T[], start?: number, end?: number): T[];
};
export const $concat = method('concat', ArrayPrototypeConcat) as <T>(
  a: readonly T[],
  ...more: (T | readonly T[])[]
) => T[];
export const $forEach = method('forEach') as {
  <T>(a: readonly T[], f: (v: T, i: number) => void): void;
  <K, V>(m: ReadonlyMap<K, V>, f: (v: V, k: K) => void): void;
  <T>(s: ReadonlySet<T>, f: (v: T) => void): void;
};
export const $some = method('some') as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => boolean;
export const $every = method('every') as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => boolean;
export const $find = method('find') as {
  <T, S extends T>(a: readonly T[], f: (v: T, i: number) => v is S): S | undefined;
  <T>(a: readonly T[], f: (v: T, i: number) => unknown): T | undefined;
};
export const $findIndex = method('findIndex') as <T>(
  a: readonly T[],
  f: (v: T, i: number) => unknown,
) => number;
export const $flatMap = method('flatMap', ArrayPrototypeFlatMap) as <T, U>(
  a: readonly T[],
  f: (v: T, i: number) => U | readonly U[],
) => U[];
export const $sort = method('sort') as <T>(a: T[], f?: (x: T, y: T) => number) => T[];
export const $reverse = method('reverse') as <T>(a: T[]) => T[];
export const $indexOf = method('indexOf') as {
  (s: string, t: string, from?: number): number;
  <T>(a: readonly T[], v: T, from?: number): number;
};
export const $includes = method('includes') as {
  (s: string, t: string, from?: number): boolean;
  <T>(a: readonly T[], v: T, from?: number): boolean;
};
export const $split = method('split') as (
  s: string,
  separator: string | RegExp,
  limit?: number,
) => string[];
export const $replace = method('replace') as (
  s: string,
  pattern: string | RegExp,
  replacement: string | ((substring: string, ...args: any[]) => string),
) => string;
export const $replaceAll = method('replaceAll') as (
  s: string,
  pattern: string | RegExp,
  replacement: string | ((substring: string, ...args: any[]) => string),
) => string;
export const $startsWith = method('startsWith') as (s: string, t: string, at?: number) => boolean;
export const $endsWith = method('endsWith') as (s: string, t: string, at?: number) => boolean;
export const $repeat = method('repeat') as (s: string, n: number) => string;
export const $padStart = method('padStart') as (s: string, n: number, fill?: string) => string;
export const $padEnd = method('padEnd') as (s: string, n: number, fill?: string) => string;
export const $charCodeAt = method('charCodeAt') as (s: string, i: number) => number;
export const $codePointAt = method('codePointAt') as (s: string, i: number) => number | undefined;
export const $toUpperCase = method('toUpperCase') as (s: string) => string;
export const $toLowerCase = method('toLowerCase') as (s: string) => string;
const regExpExec = original(RegExpProto, 'exec')!;
/** `r.test(s)` without looking up `r.exec` (RegExp.prototype.test would: a user may patch it). */
const regExpTest = (r: RegExp, s: string) => ReflectApply(regExpExec, r, [s]) !== null;
export const $test = method('test', undefined, regExpTest) as (r: RegExp, s: string) => boolean;
export const $exec = method('exec') as (r: RegExp, s: string) => RegExpExecArray | null;
export const $call = method('call') as (f: Function, self: unknown, ...args: any[]) => any;
export const $apply = method('apply') as (
  f: Function,
  self: unknown,
  args?: ArrayLike<unknown>,
) => any;
export const $then = method('then') as <T>(
  p: PromiseLike<T>,
  ok?: ((v: T) => any) | null,
  fail?: ((e: any) => any) | null,
) => Promise<any>;
export const $catch = method('catch') as (
  p: Promise<unknown>,
  fail: (e: any) => any,
) => Promise<any>;
export const $toString = method('toString') as (value: unknown, radix?: number) => string;
