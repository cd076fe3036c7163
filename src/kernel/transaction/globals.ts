// The global object before an entry, and putting it back when the entry fails. Definitions are
// bound on the global object, and so is anything an entry assigns to an undeclared name
// (`cfg = 1`, `globalThis.cfg = 1`): a failed entry must leave all of them as they were, so that
// what the session shows after the failure is what replaying the journal rebuilds.
import {
  safe,
  Map,
  Object,
  defineProperty,
  deleteProperty,
  getOwnPropertyDescriptor,
  globalObject,
  hasOwn,
  ownKeys,
} from '../primordials.ts';

export type GlobalsBefore = Map<PropertyKey, PropertyDescriptor>;

/** Every own property of the global object, as descriptors (values included). */
export function captureGlobals(): GlobalsBefore {
  const before: GlobalsBefore = new Map();
  const keys = ownKeys(globalObject);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    before.set(key, getOwnPropertyDescriptor(globalObject, key)!);
  }
  return before;
}

/**
 * Deletes what was added, and defines again what changed (value, accessor or attributes), without
 * running any setter. A property the entry made non-configurable cannot be taken back: it stays.
 */
export function restoreGlobals(before: GlobalsBefore): void {
  const keys = ownKeys(globalObject);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!before.has(key)) {
      try {
        deleteProperty(globalObject, key);
      } catch {
        // non-configurable: JavaScript cannot take it back
      }
    }
  }
  for (const pair of safe(before)) {
    const key = pair[0];
    const descriptor = pair[1];
    const now = getOwnPropertyDescriptor(globalObject, key);
    if (now && same(now, descriptor)) continue;
    try {
      if (now && !hasOwn(now, 'value') !== !hasOwn(descriptor, 'value')) {
        deleteProperty(globalObject, key);
      }
      defineProperty(globalObject, key, descriptor);
    } catch {
      // made non-configurable by the entry: it stays as the entry left it
    }
  }
}

function same(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return (
    Object.is(a.value, b.value) &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable
  );
}
