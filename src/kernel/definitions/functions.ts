// Function definitions as stable cells. The image's `f` is a stub made once per definition; every
// version's implementation is handed to that stub, so any holder of `f` (a variable, a field, a
// timer, an array of handlers) calls the newest version from its next call, and `f === oldF`.
import type { FunctionCell } from './model.ts';
import { newSlot } from './slots.ts';

export type { FunctionCell } from './model.ts';
import type { Transaction } from '../transaction/transaction.ts';
import {
  safe,
  JSON,
  globalObject,
  ObjectPrototypeToString,
  ReflectApply,
  ReflectConstruct,
  Object,
  WeakMap,
  defineProperty,
  deleteProperty,
  getPrototypeOf,
  hasOwn,
  indirectEval,
  setPrototypeOf,
} from '../primordials.ts';
import { $test } from '../primordials-methods.ts';

const cellsByStub = new WeakMap<Function, FunctionCell>();

/** The definition name of a function stub, or undefined for any other function. */
export function functionDefinitionName(value: Function): string | undefined {
  return cellsByStub.get(value)?.name;
}

/** The current implementation behind a function stub, or undefined for any other function. */
export function implOfStub(value: unknown): Function | undefined {
  return cellsByStub.get(value as Function)?.impl;
}

/**
 * The stub calls (or constructs) whatever implementation is current, with `this` and arguments.
 * It is named by a property key, not by `function NAME`, so that names a strict function may not
 * have (`package`, `yield`, `implements`) are as valid as in the user's sloppy declaration.
 * Whether it is a constructor (with a `prototype`) follows the version it is made for: an arrow,
 * async or generator function gets a method stub, which `new` and `extends` refuse as V8 refuses
 * the function itself. A stub cannot change this later: a definition made as an arrow function
 * and redefined as a `function` is still no constructor (until the image is opened again).
 */
export function createFunctionCell(name: string, first: Function): FunctionCell {
  // apply and construct come in as parameters: a user `function Reflect() {}` or a patched
  // Function.prototype.apply must not change what calling a definition does. The implementation
  // is read from a slot of the global object only the kernel can name (slots.ts).
  const key = JSON.stringify(name);
  const slot = newSlot(name);
  const member = isConstructor(first)
    ? `${key}: function () { "use strict"; return new.target === undefined ? apply(G[K], this, arguments) : construct(G[K], arguments, new.target); }`
    : `${key}() { "use strict"; return apply(G[K], this, arguments); }`;
  const stub = (
    indirectEval(`(function (apply, construct, G, K) { return ({ ${member} })[${key}]; })`) as (
      a: typeof ReflectApply,
      c: typeof ReflectConstruct,
      g: object,
      k: symbol,
    ) => Function
  )(ReflectApply, ReflectConstruct, globalObject, slot.key);
  const set = slot.fill;
  const cell: FunctionCell = { name, stub, set, impl: undefined };
  cellsByStub.set(stub, cell);
  return cell;
}

export function installFunction(tx: Transaction, cell: FunctionCell, impl: Function): void {
  const previous = cell.impl;
  const previousLength = cell.stub.length;
  setImpl(cell, impl);
  tx.onUndo(() => {
    if (previous) setImpl(cell, previous);
    defineProperty(cell.stub, 'length', { value: previousLength, configurable: true });
  });
}

export function setImpl(cell: FunctionCell, impl: Function): void {
  cell.impl = impl;
  cell.set(isGenerator(impl) ? followingPrototype(cell.stub, impl) : impl);
  defineProperty(cell.stub, 'length', { value: impl.length, configurable: true });
  // `const f = function g() {}` is named g, `const f = (0, function () {})` is nameless; only
  // then is the stub renamed (a stub keeps its own name otherwise: see createFunctionCell).
  if (cell.stub.name !== impl.name) {
    defineProperty(cell.stub, 'name', { value: impl.name, configurable: true });
  }
  actLike(cell.stub, impl);
}

/**
 * The stub is what users hold, so it shows what the implementation is: an async function or a
 * generator by its prototype (`[AsyncFunction: af]`, `g.constructor`), a generator's objects
 * inherit the stub's `prototype` (`g() instanceof g`, across versions), and a sloppy function's
 * `caller` and `arguments` read null instead of throwing as a strict function's do.
 */
function actLike(stub: Function, impl: Function): void {
  setPrototypeOf(stub, getPrototypeOf(impl));
  if (isGenerator(impl)) {
    // Own only: a method stub has no `prototype`, and would read %GeneratorPrototype% through
    // its own prototype (GeneratorFunction.prototype).
    if (!hasOwn(stub, 'prototype') || !isGenerator(stub.prototype)) {
      defineProperty(stub, 'prototype', { value: impl.prototype, writable: true });
    }
    defineProperty(impl, 'prototype', { value: stub.prototype });
  }
  const sloppy = hasOwn(impl, 'caller');
  for (const key of safe(['caller', 'arguments'])) {
    if (sloppy) defineProperty(stub, key, { value: null, writable: false, configurable: true });
    else if (hasOwn(stub, key)) deleteProperty(stub, key);
  }
}

/**
 * A generator's objects inherit its `prototype` as read at the call: the stub's, which the user
 * may replace (`g.prototype = null` then gives %GeneratorPrototype%, as in V8). The version's own
 * `prototype` is set from it before each call.
 */
function followingPrototype(stub: Function, impl: Function): Function {
  return function (this: unknown) {
    const p: unknown = stub.prototype;
    const proto = (typeof p === 'object' && p !== null) || typeof p === 'function' ? p : null;
    if (impl.prototype !== proto) impl.prototype = proto;
    return ReflectApply(impl, this, arguments as unknown as unknown[]);
  };
}

/** Whether `new f()` may run: constructing with `f` as new.target throws before any call if not. */
function isConstructor(f: Function): boolean {
  try {
    ReflectConstruct(Object, [], f);
    return true;
  } catch {
    return false;
  }
}

/** A generator function, or a generator's prototype object (async ones too), by its tag. */
function isGenerator(value: unknown): boolean {
  return $test(/Generator(Function)?\]$/, ObjectPrototypeToString(value));
}
