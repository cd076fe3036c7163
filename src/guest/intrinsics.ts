// Builtins the kernel uses, captured before any user code runs, so that an entry which patches
// `Object.defineProperty` or `Array.prototype.push` cannot break the kernel's own bookkeeping.

export const {
  defineProperty,
  getOwnPropertyDescriptor,
  getOwnPropertyDescriptors,
  getOwnPropertyNames,
  getPrototypeOf,
  setPrototypeOf,
  create: objectCreate,
  keys: objectKeys,
  freeze,
} = Object;
export const hasOwn = Object.hasOwn;
export const { ownKeys, apply, construct } = Reflect;
export const globalObject = globalThis;
export const WeakRefCtor = WeakRef;
export const now = Date.now;
export const json = { stringify: JSON.stringify, parse: JSON.parse };
export const indirectEval = globalThis.eval;

/** `Reflect.ownKeys` minus the keys every function has. */
export function memberKeys(target: object, skip: readonly PropertyKey[]): PropertyKey[] {
  return ownKeys(target).filter((k) => !skip.includes(k));
}
