// Function definitions as stable cells. The image's `f` is a stub made once per definition; every
// version's implementation is handed to that stub, so any holder of `f` (a variable, a field, a
// timer, an array of handlers) calls the newest version from its next call, and `f === oldF`.
import { setHiddenGlobal } from './bindings.ts';
import type { FunctionCell } from './model.ts';

export type { FunctionCell } from './model.ts';
import type { Transaction } from '../transaction/transaction.ts';
import {
  ReflectApply,
  ReflectConstruct,
  WeakMap,
  defineProperty,
  indirectEval,
} from '../primordials.ts';

export const FUNCTION_IMPL_PREFIX = '$viv$fn$';

const namesByStub = new WeakMap<Function, string>();

/** The definition name of a function stub, or undefined for any other function. */
export function functionDefinitionName(value: Function): string | undefined {
  return namesByStub.get(value);
}

/** The stub calls (or constructs) whatever implementation is current, with `this` and arguments. */
export function createFunctionCell(name: string): FunctionCell {
  const implKey = FUNCTION_IMPL_PREFIX + name;
  // apply and construct come in as parameters: a user `function Reflect() {}` or a patched
  // Function.prototype.apply must not change what calling a definition does.
  const stub = (
    indirectEval(
      `(function (apply, construct) { return function ${name}() { "use strict"; return new.target === undefined ? apply(${implKey}, this, arguments) : construct(${implKey}, arguments, new.target); } })`,
    ) as (a: typeof ReflectApply, c: typeof ReflectConstruct) => Function
  )(ReflectApply, ReflectConstruct);
  namesByStub.set(stub, name);
  return { stub, implKey, impl: undefined };
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
  setHiddenGlobal(cell.implKey, impl);
  defineProperty(cell.stub, 'length', { value: impl.length, configurable: true });
}
