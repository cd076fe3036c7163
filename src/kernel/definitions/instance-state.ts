// The exact state of a live instance, for migrations that must leave nothing changed when they
// fail: own property descriptors, prototype and extensibility (frozen and sealed follow from
// those). Everything here defines and deletes properties through intrinsics captured before user
// code runs, so restoring an instance never runs a user setter or getter of its class.
import {
  defineProperty,
  getOwnPropertyDescriptor,
  getOwnPropertyDescriptors,
  getPrototypeOf,
  hasOwn,
  objectCreate,
  ownKeys,
  setPrototypeOf,
  Array,
  Reflect,
} from '../primordials.ts';

const { isExtensible, preventExtensions, deleteProperty } = Reflect;

export interface InstanceState {
  proto: object | null;
  extensible: boolean;
  /** Own properties as key, value pairs when all are plain writable, enumerable, configurable
   * data properties (the usual case, kept small: a million instances may be captured). */
  plain: unknown[] | undefined;
  /** Otherwise every own property's descriptor. */
  own: PropertyDescriptorMap | undefined;
}

export function captureState(instance: object): InstanceState {
  const keys = ownKeys(instance);
  const plain: unknown[] = new Array(keys.length * 2);
  for (let k = 0; k < keys.length; k++) {
    const d = getOwnPropertyDescriptor(instance, keys[k]!)!;
    if (!d.writable || !d.enumerable || !d.configurable || !hasOwn(d, 'value')) {
      return {
        proto: getPrototypeOf(instance),
        extensible: isExtensible(instance),
        plain: undefined,
        own: getOwnPropertyDescriptors(instance),
      };
    }
    plain[2 * k] = keys[k];
    plain[2 * k + 1] = d.value;
  }
  return {
    proto: getPrototypeOf(instance),
    extensible: isExtensible(instance),
    plain,
    own: undefined,
  };
}

/** The captured own properties as descriptors. */
function descriptors(state: InstanceState): PropertyDescriptorMap {
  if (state.own) return state.own;
  const own: PropertyDescriptorMap = {};
  const plain = state.plain!;
  for (let k = 0; k < plain.length; k += 2) {
    const desc = { value: plain[k + 1], writable: true, enumerable: true, configurable: true };
    defineProperty(own, plain[k] as string, { value: desc, enumerable: true, configurable: true });
  }
  return own;
}

/**
 * Puts `instance` back exactly as `state` describes it; false when it cannot be (the migration
 * froze it, or made a property non-configurable, in a way integrity.ts could not defer).
 */
export function restoreState(instance: object, state: InstanceState): boolean {
  try {
    const own = descriptors(state);
    let complete = isExtensible(instance) || !state.extensible;
    const keys = ownKeys(instance);
    for (let k = keys.length - 1; k >= 0; k--) {
      if (!hasOwn(own, keys[k]!) && !deleteProperty(instance, keys[k]!)) complete = false;
    }
    const ownNames = ownKeys(own);
    for (let n = 0; n < ownNames.length; n++) {
      defineProperty(instance, ownNames[n]!, own[ownNames[n] as string]!);
    }
    if (getPrototypeOf(instance) !== state.proto) setPrototypeOf(instance, state.proto);
    if (!state.extensible) preventExtensions(instance);
    return complete;
  } catch {
    return false;
  }
}

/** Appends to `into` the string keys `instance` has now and did not have in `state`. */
export function addedKeys(state: InstanceState, instance: object, into: string[]): void {
  const now = ownKeys(instance);
  for (let n = 0; n < now.length; n++) {
    const key = now[n]!;
    if (typeof key !== 'string' || hadKey(state, key)) continue;
    let known = false;
    for (let i = 0; i < into.length; i++) if (into[i] === key) known = true;
    if (!known) into[into.length] = key;
  }
}

/** Whether the captured state had `key` (a scan: instances have few keys; nothing allocated). */
function hadKey(state: InstanceState, key: string): boolean {
  if (state.own) return hasOwn(state.own, key);
  const plain = state.plain!;
  for (let k = 0; k < plain.length; k += 2) if (plain[k] === key) return true;
  return false;
}
