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
} = Object;
export const hasOwn = Object.hasOwn;
export const { ownKeys, construct, deleteProperty } = Reflect;
export const globalObject = globalThis;
export const WeakRefCtor = WeakRef;
export const now = Date.now;
export const json = { stringify: JSON.stringify, parse: JSON.parse };
export const indirectEval = globalThis.eval;
