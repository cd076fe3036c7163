// Irreversible changes, deferred while a migration runs.
//
// A migration runs on the live instances themselves, so that identity holds inside it (`seen.has(
// instance)`, `index.get(instance.id) === instance`). Most of what it can do to an instance is
// undone from the instance's captured state; two things are not: losing extensibility (freeze,
// seal, preventExtensions) and making a property non-configurable. While migrations run, the
// global `Object.freeze`, `Object.seal`, `Object.preventExtensions`, `Object.defineProperty`,
// `Object.defineProperties` and their `Reflect` forms apply those to an instance being migrated
// as reversible changes and remember them; `commitIntegrity` applies them when the entry commits.
// `Object.isFrozen`, `isSealed` and `isExtensible` answer as if they had been applied. A change
// that bypasses these (a function captured before, a Proxy around the instance) is detected after
// the migration and reported: see migrate.ts.
import {
  safe,
  Map,
  Object,
  Reflect,
  String,
  TypeError,
  defineProperty,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  globalObject,
  hasOwn,
  ownKeys,
} from '../primordials.ts';
import { $map } from '../primordials-methods.ts';

/** The global `Object` and `Reflect` user code calls (captured before any user code runs). */
const userObject = globalObject.Object as object;
const userReflect = globalObject.Reflect as object;

const real = {
  freeze: Object.freeze,
  seal: Object.seal,
  preventExtensions: Reflect.preventExtensions,
  isExtensible: Reflect.isExtensible,
  isFrozen: Object.isFrozen,
  isSealed: Object.isSealed,
};

type Level = 0 | 1 | 2 | 3; // extensible, not extensible, sealed, frozen

interface Deferred {
  level: Level;
  /** Keys to make non-configurable at commit. */
  lock: (string | symbol)[];
}

/** What the open entry's migrations deferred, by instance, and the instance migrating now. */
export interface DeferredChanges {
  current: object | undefined;
  /** The stable prototype of the class being migrated: any of its instances defers too. */
  family: object | undefined;
  deferred: Map<object, Deferred>;
}

const OVERRIDES: [object, string][] = [
  [userObject, 'freeze'],
  [userObject, 'seal'],
  [userObject, 'preventExtensions'],
  [userObject, 'defineProperty'],
  [userObject, 'defineProperties'],
  [userObject, 'isFrozen'],
  [userObject, 'isSealed'],
  [userObject, 'isExtensible'],
  [userReflect, 'preventExtensions'],
  [userReflect, 'defineProperty'],
  [userReflect, 'isExtensible'],
];

/**
 * Installs the deferring forms on the global `Object` and `Reflect` while `run` runs, for the
 * instances in `changes`; returns what puts the previous ones back (also safe to call twice, for
 * an entry stopped in the middle, whose `finally` does not run).
 */
export function deferIntegrity(changes: DeferredChanges): () => void {
  const saved = $map(OVERRIDES, (o) => getOwnPropertyDescriptor(o[0], o[1]));
  const wrappers = makeWrappers(changes, saved);
  for (let i = 0; i < OVERRIDES.length; i++) {
    const holder = OVERRIDES[i]![0];
    const key = OVERRIDES[i]![1];
    if (saved[i]?.configurable) defineProperty(holder, key, { ...saved[i], value: wrappers[i] });
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (let i = 0; i < OVERRIDES.length; i++) {
      const holder = OVERRIDES[i]![0];
      const key = OVERRIDES[i]![1];
      if (saved[i]?.configurable) defineProperty(holder, key, saved[i]!);
    }
  };
}

/** Applies what the migrations deferred; at commit, on instances kernel code made reversible. */
export function commitIntegrity(changes: DeferredChanges): void {
  for (const pair of safe(changes.deferred)) {
    const instance = pair[0];
    const deferred = pair[1];
    for (const key of safe(deferred.lock)) {
      if (hasOwn(instance, key)) defineProperty(instance, key, { configurable: false });
    }
    if (deferred.level === 3) real.freeze(instance);
    else if (deferred.level === 2) real.seal(instance);
    else if (deferred.level === 1) real.preventExtensions(instance);
  }
}

function makeWrappers(changes: DeferredChanges, saved: (PropertyDescriptor | undefined)[]) {
  const previous = (i: number) => saved[i]?.value as (...args: unknown[]) => unknown;
  const entry = (o: object): Deferred => {
    let deferred = changes.deferred.get(o);
    if (!deferred) changes.deferred.set(o, (deferred = { level: 0, lock: [] }));
    return deferred;
  };
  const raise = (o: object, level: Level) => {
    const deferred = entry(o);
    if (deferred.level < level) deferred.level = level;
    if (level >= 2) for (const key of safe(ownKeys(o))) lockKey(deferred, key);
    return o;
  };
  const define = (o: object, key: PropertyKey, desc: PropertyDescriptor): void => {
    const deferred = entry(o);
    const k = typeof key === 'symbol' ? key : String(key);
    const existing = getOwnPropertyDescriptor(o, k);
    if (existing && !existing.configurable) return void defineProperty(o, k, desc);
    if (!existing && deferred.level > 0)
      throw new TypeError(`Cannot define property ${String(k)}, object is not extensible`);
    const willLock = desc.configurable === false || (!existing && desc.configurable !== true);
    defineProperty(o, k, { ...copyDescriptor(desc), configurable: true });
    if (willLock || deferred.level >= 2) lockKey(deferred, k);
  };
  // An instance's level if it is migrating now or deferred something earlier in the entry.
  const level = (o: unknown): Level | undefined => {
    if (typeof o !== 'object' || o === null) return undefined;
    const deferred = changes.deferred.get(o);
    if (deferred) return deferred.level;
    return o === changes.current || inFamily(o, changes.family) ? 0 : undefined;
  };
  // Indexed as OVERRIDES; each delegates to what was there before for anything else.
  const wrappers = [
    function freeze(o: unknown) {
      return level(o) !== undefined ? raise(o as object, 3) : previous(0)(o);
    },
    function seal(o: unknown) {
      return level(o) !== undefined ? raise(o as object, 2) : previous(1)(o);
    },
    function preventExtensions(o: unknown) {
      return level(o) !== undefined ? raise(o as object, 1) : previous(2)(o);
    },
    function defineProperty(o: unknown, key: PropertyKey, desc: PropertyDescriptor) {
      if (level(o) === undefined) return previous(3)(o, key, desc);
      define(o as object, key, desc);
      return o;
    },
    function defineProperties(o: unknown, descs: PropertyDescriptorMap) {
      if (level(o) === undefined) return previous(4)(o, descs);
      for (const key of safe(ownKeys(descs))) define(o as object, key, descs[key as string]!);
      return o;
    },
    function isFrozen(o: unknown) {
      const l = level(o);
      return l === undefined || l < 3 ? previous(5)(o) : true;
    },
    function isSealed(o: unknown) {
      const l = level(o);
      return l === undefined || l < 2 ? previous(6)(o) : true;
    },
    function isExtensible(o: unknown) {
      return level(o) ? false : previous(7)(o);
    },
    function preventExtensions(o: unknown) {
      return level(o) !== undefined ? (raise(o as object, 1), true) : previous(8)(o);
    },
    function defineProperty(o: unknown, key: PropertyKey, desc: PropertyDescriptor) {
      if (level(o) === undefined) return previous(9)(o, key, desc);
      try {
        define(o as object, key, desc);
        return true;
      } catch {
        return false;
      }
    },
    function isExtensible(o: unknown) {
      return level(o) ? false : previous(10)(o);
    },
  ];
  return wrappers;
}

function inFamily(o: object, proto: object | undefined): boolean {
  if (!proto) return false;
  for (let p = getPrototypeOf(o); p; p = getPrototypeOf(p)) if (p === proto) return true;
  return false;
}

function lockKey(deferred: Deferred, key: string | symbol): void {
  for (let i = 0; i < deferred.lock.length; i++) if (deferred.lock[i] === key) return;
  deferred.lock[deferred.lock.length] = key;
}

/** A descriptor's own fields, read once (a user descriptor object may have getters). */
function copyDescriptor(desc: PropertyDescriptor): PropertyDescriptor {
  const out: PropertyDescriptor = {};
  if ('value' in desc) out.value = desc.value;
  if ('writable' in desc) out.writable = desc.writable;
  if ('enumerable' in desc) out.enumerable = desc.enumerable;
  if ('get' in desc) out.get = desc.get;
  if ('set' in desc) out.set = desc.set;
  return out;
}
