// How definitions are seen: bound on the global object, where every entry looks names up, and the
// hidden global properties where stable stubs find their current implementation.
import type { Transaction } from '../transaction/transaction.ts';
import {
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

export function readGlobal(name: string): unknown {
  return (globalObject as Record<string, unknown>)[name];
}

function restoreGlobal(name: string, before: PropertyDescriptor | undefined): void {
  delete (globalObject as Record<string, unknown>)[name];
  if (before) defineProperty(globalObject, name, before);
}
