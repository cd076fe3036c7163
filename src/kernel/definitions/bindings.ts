// How definitions are seen: bound on the global object, where every entry looks names up, and the
// hidden global properties where stable stubs find their current implementation.
import type { Transaction } from '../transaction/transaction.ts';
import {
  ReferenceError,
  WeakSet,
  TypeError,
  defineProperty,
  getOwnPropertyDescriptor,
  globalObject,
} from '../primordials.ts';

/**
 * Binds a name on the global object, where every entry looks names up. `const` becomes an
 * accessor whose setter throws as a real constant does; everything else a plain data property.
 */
export function bindGlobal(tx: Transaction, name: string, value: unknown, binding: string): void {
  const before = getOwnPropertyDescriptor(globalObject, name);
  if (binding === 'const') {
    defineProperty(globalObject, name, {
      get: () => value,
      set: () => {
        throw new TypeError('Assignment to constant variable.');
      },
      enumerable: true,
      configurable: true,
    });
  } else {
    defineProperty(globalObject, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  tx.onUndo(() => restoreGlobal(name, before));
}

/** The getters of uninitialised names (readGlobal must not call them). */
const uninitializedGetters = new WeakSet<Function>();

/**
 * A new top-level let, const or class from the start of its entry until its declaration runs: in
 * a script the name is bound (uninitialised) from the start, so reading or assigning it, also from
 * a function called early, is a ReferenceError rather than a miss or a new global. The declaration
 * replaces this accessor; a failed entry takes it back with everything else.
 */
export function bindUninitialized(tx: Transaction, name: string): void {
  const before = getOwnPropertyDescriptor(globalObject, name);
  const uninitialized = () => {
    throw new ReferenceError(`Cannot access '${name}' before initialization`);
  };
  uninitializedGetters.add(uninitialized);
  defineProperty(globalObject, name, {
    get: uninitialized,
    set: uninitialized,
    enumerable: false,
    configurable: true,
  });
  tx.onUndo(() => restoreGlobal(name, before));
}

/** A global's value as the kernel sees it: undefined while it is uninitialised (never a throw). */
export function readGlobal(name: string): unknown {
  const getter = getOwnPropertyDescriptor(globalObject, name)?.get;
  if (getter && uninitializedGetters.has(getter)) return undefined;
  return (globalObject as Record<string, unknown>)[name];
}

function restoreGlobal(name: string, before: PropertyDescriptor | undefined): void {
  delete (globalObject as Record<string, unknown>)[name];
  if (before) defineProperty(globalObject, name, before);
}
