// The exact state of live instances, for migrations that must leave nothing changed when they
// fail: own property descriptors in order, prototype and extensibility (frozen and sealed follow
// from those). Everything here defines and deletes properties through intrinsics captured before
// user code runs, so restoring an instance never runs a user setter or getter of its class.
//
// A migration may capture a million instances, so the states live in two flat arrays rather than
// an object per instance. Almost every instance is plain: extensible, no symbol keys, every own
// property a writable, enumerable, configurable data property. Such an instance is checked with
// `getOwnPropertyNames` and `getOwnPropertySymbols` and one descriptor per property, and is
// stored as `proto, keys, value1, ... valueN` (consecutive instances with the same keys share one
// keys array). Any other one (frozen, sealed, with an accessor, a non-writable or hidden property,
// a symbol key) takes the exact path: `ODD`, then its prototype, extensibility, keys and full
// descriptors in an object of their own.
import {
  Object,
  Reflect,
  defineProperty,
  getOwnPropertyDescriptor,
  getOwnPropertyNames,
  getPrototypeOf,
  ownKeys,
} from '../primordials.ts';

const { isExtensible, preventExtensions, deleteProperty } = Reflect;
const { getOwnPropertySymbols } = Object;

/** The exact state of an instance the fast path does not cover. */
interface OddState {
  proto: object | null;
  extensible: boolean;
  keys: (string | symbol)[];
  descriptors: PropertyDescriptor[];
}

/** Marks an odd instance's entry in `data` (never a prototype or a property count). */
const ODD: object = { odd: true };

export interface Captured {
  /** Plain instances: `proto, keys, value1, ... valueN`; odd ones: `ODD, OddState`. */
  data: unknown[];
  /** Where each instance's entry starts in `data`, by index. */
  at: number[];
  /** The keys of the last plain instance, shared by the next ones that have the same keys. */
  keys: string[];
}

export function newCaptured(): Captured {
  // `at` is filled in index order by `capture`, so it stays a packed array of small integers.
  return { data: [], at: [], keys: [] };
}

/** Captures instance number `index` (instances are captured in index order, from 0). */
export function capture(into: Captured, index: number, instance: object): void {
  const data = into.data;
  const start = data.length;
  into.at[index] = start;
  if (isExtensible(instance) && getOwnPropertySymbols(instance).length === 0) {
    // Two calls rather than one `ownKeys`: V8 answers these from fast paths that `ownKeys` (all
    // keys, symbols included) does not take, about 2x faster over a million instances.
    let names = getOwnPropertyNames(instance);
    const shared = into.keys;
    let same = names.length === shared.length;
    for (let k = 0; same && k < names.length; k++) same = names[k] === shared[k];
    if (same) names = shared;
    let n = start;
    data[n++] = getPrototypeOf(instance);
    data[n++] = names;
    let plain = true;
    for (let k = 0; k < names.length; k++) {
      const d = getOwnPropertyDescriptor(instance, names[k]!)!;
      // An accessor has no `writable`: it fails here too.
      if (!d.writable || !d.enumerable || !d.configurable) {
        plain = false;
        break;
      }
      data[n++] = d.value;
    }
    if (plain) {
      into.keys = names;
      return;
    }
    data.length = start;
  }
  data[start] = ODD;
  data[start + 1] = captureOdd(instance);
}

function captureOdd(instance: object): OddState {
  const keys = ownKeys(instance);
  const descriptors: PropertyDescriptor[] = [];
  for (let k = 0; k < keys.length; k++) {
    descriptors[k] = getOwnPropertyDescriptor(instance, keys[k]!)!;
  }
  return { proto: getPrototypeOf(instance), extensible: isExtensible(instance), keys, descriptors };
}

/** Whether instance `index` was captured on the plain path (for tests). */
export function isPlain(captured: Captured, index: number): boolean {
  return captured.data[captured.at[index]!] !== ODD;
}

/**
 * Puts instance `index` back exactly as captured; false when it cannot be (the migration froze
 * it, or made a property non-configurable, in a way integrity.ts could not defer).
 */
export function restore(captured: Captured, index: number, instance: object): boolean {
  const data = captured.data;
  const at = captured.at[index]!;
  try {
    if (data[at] === ODD) {
      const odd = data[at + 1] as OddState;
      return put(instance, odd.proto, odd.extensible, odd.keys, (k) => odd.descriptors[k]!);
    }
    const keys = data[at + 1] as string[];
    const plain = (k: number): PropertyDescriptor => ({
      value: data[at + 2 + k],
      writable: true,
      enumerable: true,
      configurable: true,
    });
    return put(instance, data[at] as object | null, true, keys, plain);
  } catch {
    return false;
  }
}

/**
 * Makes `instance`'s own properties exactly `keys` with the given descriptors, in that order: the
 * keys it has now beyond the longest common prefix with `keys` are deleted (last first, which keeps
 * V8's fast properties), then every key is defined, in place for the prefix and appended after it.
 * An instance that is not extensible now cannot take a deleted key back: there only the keys it
 * did not have are deleted, and what remains is redefined in place (the order may differ; the
 * answer is false anyway, since a key it lost cannot come back).
 */
function put(
  instance: object,
  proto: object | null,
  extensible: boolean,
  keys: (string | symbol)[],
  descriptor: (k: number) => PropertyDescriptor,
): boolean {
  const open = isExtensible(instance);
  let complete = open || !extensible;
  const now = ownKeys(instance);
  let prefix = 0;
  while (prefix < now.length && prefix < keys.length && now[prefix] === keys[prefix]) prefix++;
  for (let k = now.length - 1; k >= prefix; k--) {
    if (!open && has(keys, now[k]!)) continue;
    if (!deleteProperty(instance, now[k]!)) complete = false;
  }
  for (let k = 0; k < keys.length; k++) {
    try {
      defineProperty(instance, keys[k]!, descriptor(k));
    } catch {
      complete = false;
    }
  }
  if (getPrototypeOf(instance) !== proto && !Reflect.setPrototypeOf(instance, proto)) {
    complete = false;
  }
  if (!extensible) preventExtensions(instance);
  return complete;
}

function has(keys: (string | symbol)[], key: string | symbol): boolean {
  for (let k = 0; k < keys.length; k++) if (keys[k] === key) return true;
  return false;
}

/** Appends to `into` the string keys instance `index` has now and did not have when captured. */
export function addedKeys(
  captured: Captured,
  index: number,
  instance: object,
  into: string[],
): void {
  const now = getOwnPropertyNames(instance);
  const data = captured.data;
  const at = captured.at[index]!;
  const had = data[at] === ODD ? (data[at + 1] as OddState).keys : (data[at + 1] as string[]);
  for (let m = 0; m < now.length; m++) {
    const key = now[m]!;
    // The usual case first: the captured keys in their order, then the added ones.
    if (m < had.length && key === had[m]) continue;
    let known = false;
    for (let k = 0; !known && k < had.length; k++) known = had[k] === key;
    for (let i = 0; !known && i < into.length; i++) known = into[i] === key;
    if (!known) into[into.length] = key;
  }
}
