// Class definitions as stable cells.
//
// The image's `C` is a stub constructor made once per definition, with a prototype object that is
// also made once. Each version is compiled as an ordinary (anonymous) class; installing a version
// copies its methods, accessors and statics onto the stub and its stable prototype, and points the
// stub's construction at it. Instances never change prototype: they already sit on the stable one,
// so they see the new methods at once, `instanceof` holds for old and new, a subclass (whose
// prototype chains to the stable prototype) follows, and installing methods is O(1) in the number
// of instances. Construction goes `new C()` -> stub -> Reflect.construct(current version, args,
// new.target), so the object is created from the stub's prototype and the version's own fields,
// private names, constructor and `super()` chain run exactly as V8 runs them.
import { functionDefinitionName } from './functions.ts';
import { newSlot } from './slots.ts';
import type { ClassCell, StampState } from './model.ts';

export type { ClassCell, StampState } from './model.ts';
import { InstanceRegistry } from './instances.ts';
import type { Transaction } from '../transaction/transaction.ts';
import {
  safe,
  Function,
  JSON,
  Object,
  Reflect,
  TypeError,
  WeakMap,
  construct,
  defineProperty,
  getOwnPropertyDescriptor,
  getOwnPropertyDescriptors,
  getPrototypeOf,
  hasOwn,
  globalObject,
  indirectEval,
  ownKeys,
  setPrototypeOf,
} from '../primordials.ts';
import { $filter, $includes, $push } from '../primordials-methods.ts';

const FUNCTION_OWN = ['length', 'name', 'prototype'];

const cellsByStub = new WeakMap<Function, ClassCell>();
const cellsByPrototype = new WeakMap<object, ClassCell>();
const cellsByVersion = new WeakMap<Function, ClassCell>();

/** The stable class of a class version (its compiled implementation), if it is one. */
export function stubOfVersion(value: unknown): Function | undefined {
  return typeof value === 'function' ? cellsByVersion.get(value)?.stub : undefined;
}

/** The class whose stable prototype is exactly `proto`, if it is an image class. */
export function cellOfPrototype(proto: object | null): ClassCell | undefined {
  return proto ? cellsByPrototype.get(proto) : undefined;
}

/** The name of the definition a function is (a function's stub, or a class), if it is one. */
export function definitionNameOf(fn: Function): string | undefined {
  return functionDefinitionName(fn) ?? cellOfStub(fn)?.name;
}

export function cellOfStub(value: unknown): ClassCell | undefined {
  return typeof value === 'function' ? cellsByStub.get(value) : undefined;
}

/** The image class a class extends, if it extends one. */
export function parentCell(cell: ClassCell): ClassCell | undefined {
  return cellOfStub(getPrototypeOf(cell.stub));
}

export function createClassCell(name: string, state: StampState): ClassCell {
  const registry = new InstanceRegistry();
  // The implementation is read from a slot of the global object only the kernel can name
  // (slots.ts); construct, TypeError and the registry come in as parameters, untouched by user
  // definitions.
  const slot = newSlot(name);
  // Named by a property key, not `function NAME`: a name binding inside the stub would shadow the
  // factory's parameters for a class called `K`, `state` or `TypeError`.
  const key = JSON.stringify(name);
  const make =
    indirectEval(`(function (state, isStub, registry, construct, TypeError, G, K) { "use strict";
    const stub = ({ ${key}: function () {
      if (new.target === undefined) throw new TypeError("Class constructor " + ${key} + " cannot be invoked without 'new'");
      if (state.stamping) return state.stampTarget;
      const instance = construct(G[K], arguments, new.target);
      if (new.target === stub || !isStub(new.target)) registry.add(instance);
      return instance;
    } })[${key}];
    return stub;
  })`) as (
      s: StampState,
      isStub: (f: unknown) => boolean,
      r: InstanceRegistry,
      c: typeof construct,
      t: typeof TypeError,
      g: object,
      k: symbol,
    ) => Function;
  const stub = make(
    state,
    (f) => cellsByStub.has(f as Function),
    registry,
    construct,
    TypeError,
    globalObject,
    slot.key,
  );
  const set = slot.fill;
  defineProperty(stub, 'prototype', { writable: false });
  const cell: ClassCell = {
    name,
    stub,
    set,
    impl: undefined,
    version: undefined,
    registry,
    protoKeys: [],
    staticMethodKeys: [],
    staticFieldKeys: [],
    earlyStaticKeys: [],
  };
  cellsByStub.set(stub, cell);
  cellsByPrototype.set(stub.prototype as object, cell);
  return cell;
}

/** Every class cell whose stub is `cell`'s stub or inherits from it. */
export function familyOf(cell: ClassCell, all: readonly ClassCell[]): ClassCell[] {
  const out: ClassCell[] = [];
  for (const other of safe(all)) {
    for (let f: unknown = other.stub; f; f = getPrototypeOf(f)) {
      if (f === cell.stub) {
        $push(out, other);
        break;
      }
    }
  }
  return out;
}

/**
 * Makes `impl` the installed version: its prototype members replace the previous version's on the
 * stable prototype, its static methods and accessors replace the previous ones on the stub, and
 * construction goes to it. Undone with the transaction.
 */
export function installMembers(
  tx: Transaction,
  cell: ClassCell,
  impl: Function,
  rootClass: Function,
  knownStaticFields: (string | symbol)[] = [],
): void {
  const stub = cell.stub;
  const proto = stub.prototype as object;
  const saved = saveShape(cell);
  tx.onUndo(() => restoreShape(cell, saved));

  for (const key of safe(cell.protoKeys)) Reflect.deleteProperty(proto, key);
  const implProto = impl.prototype as object;
  const protoKeys = $filter(ownKeys(implProto), (k) => k !== 'constructor');
  for (const key of safe(protoKeys)) {
    defineProperty(proto, key, getOwnPropertyDescriptor(implProto, key)!);
  }
  setPrototypeOf(proto, getPrototypeOf(implProto));

  for (const key of safe(cell.staticMethodKeys)) Reflect.deleteProperty(stub, key);
  const staticKeys = $filter(
    ownKeys(impl),
    (k) => !$includes(FUNCTION_OWN, k as string) && !$includes(knownStaticFields, k),
  );
  // What the version has before its static initialisers run are methods and accessors: one
  // replaces a static field of the same name (a field that becomes a method is the method).
  for (const key of safe(staticKeys))
    defineProperty(stub, key, getOwnPropertyDescriptor(impl, key)!);
  // `static name() {}` is the class's name, as `static length() {}` is its length; otherwise
  // the stub is named as the version is (`const K = class {}` is K).
  if (isOwnMember(impl, 'name'))
    defineProperty(stub, 'name', getOwnPropertyDescriptor(impl, 'name')!);
  else defineProperty(stub, 'name', { ...FIXED, value: impl.name });
  if (isOwnMember(impl, 'length')) {
    defineProperty(stub, 'length', getOwnPropertyDescriptor(impl, 'length')!);
  }
  const parent = getPrototypeOf(impl);
  setPrototypeOf(stub, parent === rootClass ? Function.prototype : parent);

  cell.protoKeys = protoKeys;
  cell.staticMethodKeys = staticKeys;
  cell.earlyStaticKeys = $filter(ownKeys(impl), (k) => !$includes(knownStaticFields, k));
  cell.impl = impl;
  cell.set(impl);
  cellsByVersion.set(impl, cell);
}

/**
 * After the version's static initialisers ran: its static fields join the stub. A static field the
 * previous version also had keeps its current value (class state survives redefinition, as a
 * shared slot does in CLOS); new ones take the initialised value; dropped ones go.
 */
export function installStaticFields(
  tx: Transaction,
  cell: ClassCell,
  impl: Function,
  length: number | undefined,
): (string | symbol)[] {
  const stub = cell.stub;
  const saved = saveShape(cell);
  tx.onUndo(() => restoreShape(cell, saved));
  // A static method that a later static field of the same name replaced (`static g() {}` then
  // `static g = this.g()`) is that field.
  const replaced = $filter(
    cell.earlyStaticKeys,
    (k) => !$includes(FUNCTION_OWN, k as string) && hasOwn(impl, k) && changed(impl, stub, k),
  );
  const fieldKeys = $filter(
    ownKeys(impl),
    (k) => !$includes(cell.earlyStaticKeys, k) || $includes(replaced, k),
  );
  for (const key of safe(cell.staticFieldKeys)) {
    if (!$includes(fieldKeys, key) && !$includes(cell.staticMethodKeys, key)) {
      Reflect.deleteProperty(stub, key);
    }
  }
  for (const key of safe(fieldKeys)) {
    const kept = $includes(cell.staticFieldKeys, key) && !$includes(replaced, key);
    if (kept && hasOwn(stub, key)) continue;
    defineProperty(stub, key, getOwnPropertyDescriptor(impl, key)!);
  }
  cell.staticFieldKeys = fieldKeys;
  cell.staticMethodKeys = $filter(cell.staticMethodKeys, (k) => !$includes(fieldKeys, k));
  // A stampable version's constructor takes rest parameters: its length is the user's (META).
  // A static `length` member is the class's length, and is never read here (it may be a getter).
  if (!isOwnMember(impl, 'length')) {
    defineProperty(stub, 'length', { ...FIXED, value: length ?? impl.length });
  }
  return fieldKeys;
}

const FIXED = { writable: false, enumerable: false, configurable: true };

/** `name` or `length` made by a static member or field, not by the language (never writable). */
function isOwnMember(impl: Function, key: 'name' | 'length'): boolean {
  const d = getOwnPropertyDescriptor(impl, key);
  return !!d && (d.get !== undefined || d.set !== undefined || d.writable === true);
}

function changed(a: object, b: object, key: string | symbol): boolean {
  const x = getOwnPropertyDescriptor(a, key);
  const y = getOwnPropertyDescriptor(b, key);
  return !x || !y || x.value !== y.value || x.get !== y.get || x.set !== y.set;
}

interface SavedShape {
  proto: PropertyDescriptorMap;
  protoParent: object | null;
  statics: PropertyDescriptorMap;
  stubParent: object | null;
  cell: Omit<ClassCell, 'registry' | 'stub' | 'name' | 'set'>;
}

function saveShape(cell: ClassCell): SavedShape {
  const proto = cell.stub.prototype as object;
  return {
    proto: getOwnPropertyDescriptors(proto),
    protoParent: getPrototypeOf(proto),
    statics: getOwnPropertyDescriptors(cell.stub),
    stubParent: getPrototypeOf(cell.stub),
    cell: {
      impl: cell.impl,
      version: cell.version,
      protoKeys: cell.protoKeys,
      staticMethodKeys: cell.staticMethodKeys,
      staticFieldKeys: cell.staticFieldKeys,
      earlyStaticKeys: cell.earlyStaticKeys,
    },
  };
}

function restoreShape(cell: ClassCell, saved: SavedShape): void {
  restoreOwn(cell.stub.prototype as object, saved.proto);
  setPrototypeOf(cell.stub.prototype as object, saved.protoParent);
  restoreOwn(cell.stub, saved.statics);
  setPrototypeOf(cell.stub, saved.stubParent);
  Object.assign(cell, saved.cell);
  if (cell.impl) cell.set(cell.impl);
}

function restoreOwn(target: object, saved: PropertyDescriptorMap): void {
  for (const key of safe(ownKeys(target))) {
    if (!hasOwn(saved, key)) Reflect.deleteProperty(target, key);
  }
  for (const key of safe(ownKeys(saved))) {
    try {
      defineProperty(target, key, saved[key as string]!);
    } catch {
      // `prototype` of the stub is not configurable and never changes.
    }
  }
}

/**
 * Runs a stampable version's constructor in stamp mode on an existing instance: its private
 * methods and fields are installed (field values carried over by the kernel), its public field
 * initialisers and constructor body do not run, and the public fields are put back as they were.
 */
export function stamp(state: StampState, cell: ClassCell, impl: Function, instance: object): void {
  const before = getOwnPropertyDescriptors(instance);
  state.stamping = true;
  state.stampTarget = instance;
  state.stampCell = cell;
  state.stampImpl = impl;
  let result: unknown;
  try {
    result = construct(impl, [], cell.stub);
  } finally {
    state.stamping = false;
    state.stampTarget = undefined;
    state.stampCell = undefined;
    state.stampImpl = undefined;
  }
  const added = $filter(ownKeys(instance), (k) => !hasOwn(before, k));
  for (let i = added.length - 1; i >= 0; i--) Reflect.deleteProperty(instance, added[i]!);
  for (const key of safe(ownKeys(before))) {
    defineProperty(instance, key, before[key as string]!);
  }
  if (result !== instance) {
    throw new TypeError(
      `cannot carry the private fields of ${cell.name} to its new version: ${cell.name} extends a built-in class whose constructor cannot adopt an existing object`,
    );
  }
}
