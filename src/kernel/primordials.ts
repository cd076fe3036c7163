// The kernel's builtins, captured when the kernel's modules are evaluated, before any user code
// runs (after Node core's lib/internal/per_context/primordials.js). The kernel shares its context
// with user code, which may define `class Map {}` (shadowing the global for every free reference),
// patch `Array.prototype.push` or `Object.keys`, or set `Error.prepareStackTrace`. So:
// - kernel modules import every builtin by its global name from here (an import binding shadows
//   the global inside the module; test/untouchable.test.ts refuses any free reference);
// - a constructor exported here is a frozen copy whose statics are the original ones (bound to the
//   original constructor) and whose `prototype` is the original prototype;
// - Map, Set, WeakMap, WeakSet are safe classes: their prototype methods are copies on a frozen
//   prototype, and their iterators do not go through %MapIteratorPrototype%.next;
// - prototype methods are called uncurried (`ArrayPrototypePush(array, x)`), species-sensitive
//   Array methods are plain loops (a user `Array[Symbol.species]` never reaches the kernel).
import {
  safeNamespace,
  safeConstructor,
  makeSafe,
  uncurryThis,
  rawGlobal,
} from './primordials-core.ts';
export { uncurryThis, ReflectApply, ReflectConstruct, safe } from './primordials-core.ts';
export * from './primordials-safe.ts';

const g = rawGlobal;

export const globalObject = g;
export const globalThis = g;
export const Object = safeConstructor(g.Object);
export const Array = safeConstructor(g.Array);
export const Function = safeConstructor(g.Function);
export const String = safeConstructor(g.String);
export const Number = safeConstructor(g.Number);
export const Boolean = safeConstructor(g.Boolean);
export const Symbol = safeConstructor(g.Symbol);
export const BigInt = safeConstructor(g.BigInt);
export const Promise = safeConstructor(g.Promise);
export const Error = safeConstructor(g.Error);
export const TypeError = safeConstructor(g.TypeError);
export const RangeError = safeConstructor(g.RangeError);
export const ReferenceError = safeConstructor(g.ReferenceError);
export const SyntaxError = safeConstructor(g.SyntaxError);
export const RegExp = safeConstructor(g.RegExp);
/** The original Date (determinism.ts installs the recorded clock in its place). */
export const RealDate = g.Date;
/** The built-in `eval`: a call `eval(...)` is a direct eval only while the name still means it. */
export const intrinsicEval = g.eval;
export const Date = safeConstructor(g.Date);
export const ArrayBuffer = safeConstructor(g.ArrayBuffer);
export const SharedArrayBuffer =
  typeof g.SharedArrayBuffer === 'function' ? safeConstructor(g.SharedArrayBuffer) : undefined!;
export const DataView = safeConstructor(g.DataView);
export const Uint8Array = safeConstructor(g.Uint8Array);
export const Int8Array = safeConstructor(g.Int8Array);
export const Int16Array = safeConstructor(g.Int16Array);
export const Uint32Array = safeConstructor(g.Uint32Array);
export const Float64Array = safeConstructor(g.Float64Array);
export const WeakRef = safeConstructor(g.WeakRef);
export const FinalizationRegistry = safeConstructor(g.FinalizationRegistry);
export const Proxy = safeConstructor(g.Proxy);
export const Reflect = safeNamespace(g.Reflect);
export const Math = safeNamespace(g.Math);
export const Intl = safeNamespace(g.Intl);
export const console = g.console;

// The builtin collections as user code sees them: what the kernel makes for the user (a decoded
// Map) and what it recognises in user data (a prototype) must be these, not the safe classes.
export const RealMap = safeConstructor(g.Map);
export const RealSet = safeConstructor(g.Set);
export const RealWeakMap = safeConstructor(g.WeakMap);
export const RealWeakSet = safeConstructor(g.WeakSet);

export const Map = makeSafe(
  g.Map,
  class SafeMap<K, V> extends g.Map<K, V> {
    constructor(entries?: Iterable<readonly [K, V]> | null) {
      super(entries);
    }
  },
) as unknown as MapConstructor;
export const Set = makeSafe(
  g.Set,
  class SafeSet<T> extends g.Set<T> {
    constructor(values?: Iterable<T> | null) {
      super(values);
    }
  },
) as unknown as SetConstructor;
export const WeakMap = makeSafe(
  g.WeakMap,
  class SafeWeakMap<K extends WeakKey, V> extends g.WeakMap<K, V> {
    constructor(entries?: Iterable<readonly [K, V]> | null) {
      super(entries);
    }
  },
) as unknown as WeakMapConstructor;
export const WeakSet = makeSafe(
  g.WeakSet,
  class SafeWeakSet<T extends WeakKey> extends g.WeakSet<T> {
    constructor(values?: readonly T[] | null) {
      super(values);
    }
  },
) as unknown as WeakSetConstructor;

export const {
  defineProperty,
  getOwnPropertyDescriptor,
  getOwnPropertyDescriptors,
  getOwnPropertyNames,
  getPrototypeOf,
  setPrototypeOf,
  create: objectCreate,
} = Object;
export const hasOwn = Object.hasOwn;
export const { ownKeys, construct, deleteProperty } = Reflect;
export const WeakRefCtor = WeakRef;
export const now = g.Date.now;
export const indirectEval = g.eval;
void uncurryThis;
