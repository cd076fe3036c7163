// What snapshot-encode.ts says when a value cannot be saved: the reason, the fix, and the
// JavaScript path from a root name to the value (`world.agents[3].onTick`). Paths are rebuilt only
// when saving fails, by finding each step between an object and the one it first led to.
import { KINDS, TYPED_ARRAYS, WELL_KNOWN_NAME } from './format.ts';
import {
  safe,
  RealMap,
  RealSet,
  RealWeakMap,
  RealWeakSet,
  FunctionPrototype,
  Array,
  BigInt,
  Boolean,
  DataView,
  Error,
  FinalizationRegistry,
  Function,
  Int8Array,
  JSON,
  Map,
  Math,
  Number,
  Object,
  Promise,
  Reflect,
  Set,
  SharedArrayBuffer,
  String,
  Symbol,
  WeakMap,
  WeakRef,
  WeakSet,
} from '../primordials.ts';
import { $endsWith, $find, $indexOf, $slice, $startsWith, $test } from '../primordials-methods.ts';

export class SnapshotError extends Error {
  /** The JavaScript path from a root name to the value, e.g. `world.agents[3].onTick`. */
  path: string;
  constructor(path: string, message: string) {
    super(message);
    this.name = 'SnapshotError';
    this.path = path;
  }
}

/** Why something cannot be saved; `at` locates it in the object being encoded. */
export class Fail {
  reason: string;
  /** What to do instead ('' if nothing to suggest); the transient hint is added for values. */
  fix: string;
  /** 'self': the object being encoded; 'key': its property `key`; 'value': where `value` is. */
  at: 'self' | 'key' | 'value';
  key: PropertyKey | undefined;
  value: unknown;
  constructor(reason: string, fix: string, at: Fail['at'], key?: PropertyKey, value?: unknown) {
    this.reason = reason;
    this.fix = fix;
    this.at = at;
    this.key = key;
    this.value = value;
  }
}

/** The subset of the encoder's hooks that error messages look at. */
interface Hooks {
  classOf(obj: object): string | undefined;
  privateFields(obj: object): Record<string, unknown> | undefined;
}

const { keys, getOwnPropertyNames: names, getOwnPropertyDescriptor: describe } = Object;
const { getPrototypeOf: protoOf } = Object;
const { apply, ownKeys } = Reflect;
const mapForEach = RealMap.prototype.forEach;
const setForEach = RealSet.prototype.forEach;
const fnSource = FunctionPrototype.toString;
const typedBuffer = describe(protoOf(Int8Array.prototype) as object, 'buffer')!.get!;
const viewBuffer = describe(DataView.prototype, 'buffer')!.get!;

const later = 'Recreate it after loading';
const walk = 'Save the data it walks over instead';
/** Built-ins that cannot be saved, with why and what to do instead. */
const REFUSED = new Map<object, [reason: string, fix: string]>(
  safe([
    [RealWeakMap.prototype, ['it is a WeakMap, and a WeakMap cannot be enumerated', 'Use a Map']],
    [RealWeakSet.prototype, ['it is a WeakSet, and a WeakSet cannot be enumerated', 'Use a Set']],
    [WeakRef.prototype, ['it is a WeakRef, whose weakly held target cannot be saved', later]],
    [
      FinalizationRegistry.prototype,
      ['it is a FinalizationRegistry, whose registrations cannot be enumerated', later],
    ],
    [
      Promise.prototype,
      ["it is a Promise, and a promise's state cannot be read", 'Save its result'],
    ],
    [protoOf(function* () {}).prototype, ['it is a paused generator, which cannot be saved', walk]],
    [
      protoOf(async function* () {}).prototype,
      ['it is an async generator, which cannot be saved', walk],
    ],
    [
      protoOf(protoOf([][Symbol.iterator]())),
      ["it is an iterator, and an iterator's position cannot be read", 'Save the collection'],
    ],
  ]),
);
for (const p of safe([Number, String, Boolean, Symbol, BigInt])) {
  const what = `it is a boxed primitive (an object made by new ${p.name}(...) or Object(...))`;
  REFUSED.set(p.prototype, [what, 'Store the primitive value itself']);
}
if (typeof SharedArrayBuffer === 'function') {
  const what = 'it is a SharedArrayBuffer (memory shared between threads)';
  REFUSED.set(SharedArrayBuffer.prototype, [what, 'Copy it into an ArrayBuffer']);
}
/** Built-ins whose instances have internal state that an image-class instance cannot rebuild. */
const SLOTTED = new Set<object>(safe([Array.prototype, ...safe(REFUSED.keys())]));
for (const pair of safe(KINDS)) {
  const p = pair[0];
  const kind = pair[1];
  if (p !== null && !$startsWith(kind, 'E:')) SLOTTED.add(p);
}

export const ACCESSOR = [
  'it is an accessor property (get/set), and accessor functions cannot be saved as data',
  'Make it a plain data property, or declare the accessor in a class',
] as const;
export const READ_ONLY = [
  'it is a read-only property (writable: false) of an object that is not frozen',
  'Make it writable, or freeze the whole object (Object.freeze is kept)',
] as const;
export const FIXED = [
  'it is a non-configurable property of an object that is not sealed',
  'Make it configurable, or seal the whole object (Object.seal is kept)',
] as const;
export const DETACHED = ['it is a detached ArrayBuffer (its memory was transferred)', ''] as const;
export const TRANSIENT_BUFFER = ['its buffer is transient, so it cannot be rebuilt', ''] as const;

export function nonEnumerable(o: object, key?: PropertyKey): Fail {
  const k = key ?? $find(names(o), (n) => !describe(o, n)!.enumerable)!;
  const reason =
    'it is a non-enumerable property (made by Object.defineProperty), which would come back enumerable';
  const fix = `Make it an ordinary property, or keep it in an image-class instance, where non-enumerable fields are kept`;
  return new Fail(reason, fix, 'key', k);
}

export function unregisteredSymbol(s: symbol, asKey: boolean): Fail {
  const reason = `it is a symbol made by Symbol(); only Symbol.for(...) and well-known symbols keep their identity across a reload`;
  const fix = `Use Symbol.for(${JSON.stringify(s.description ?? 'name')})`;
  return asKey ? new Fail(reason, fix, 'key', s) : new Fail(reason, fix, 'value', undefined, s);
}

/** Why an object of an unsupported prototype (not an image instance either) cannot be saved. */
export function refused(proto: object | null): Fail {
  for (let p = proto; p !== null; p = protoOf(p)) {
    const known = REFUSED.get(p);
    if (known !== undefined) return new Fail(known[0], known[1], 'self');
  }
  const ctor = describe(proto!, 'constructor')?.value as Function | undefined;
  if (typeof ctor === 'function' && ctor.prototype === proto && ctor.name !== '') {
    const reason = `it is an instance of ${ctor.name}, which is not a top-level class definition`;
    return new Fail(reason, `Make ${ctor.name} a top-level class`, 'self');
  }
  const reason = `its prototype is an ordinary object, not a class's prototype (it was made by Object.create(...) or Object.setPrototypeOf)`;
  return new Fail(reason, 'Use an instance of a top-level class, or a plain object', 'self');
}

/** An image instance whose class extends a built-in with internal state (Map, Array, ...). */
export function slottedSubclass(cls: string, proto: object | null): Fail | undefined {
  for (let p = proto; p !== null; p = protoOf(p)) {
    if (!SLOTTED.has(p)) continue;
    const base = (describe(p, 'constructor')?.value as Function | undefined)?.name ?? 'a built-in';
    const reason = `it is an instance of ${cls}, an image class that extends ${base}, whose internal state cannot be restored on a new instance`;
    return new Fail(reason, `Keep the ${base} in a field instead of extending it`, 'self');
  }
  return undefined;
}

export function functionFail(f: Function): Fail {
  const source = apply(fnSource, f, []) as string;
  const name = f.name;
  let reason = 'it is a closure (a function that is not a top-level definition)';
  let fix = 'Make it a top-level function';
  if ($startsWith(name, 'bound ')) {
    reason = `it is a bound function (${name}, made by .bind)`;
    fix = 'Store the top-level function and its arguments instead';
  } else if ($endsWith(source, '{ [native code] }')) {
    reason = `it is the built-in function ${name || '(anonymous)'}`;
    fix = 'Call it from a top-level function instead';
  } else if ($startsWith(source, 'class')) {
    reason = 'it is a class that is not a top-level definition';
    fix = 'Make it a top-level class';
  }
  return new Fail(reason, fix, 'value', undefined, f);
}

/**
 * The error for `f`, met while encoding the last of `owners` (the objects from a root down, each
 * first reached from the one before); with no owners, `f` is about the root value itself.
 */
export function snapshotError(
  f: Fail,
  root: string,
  owners: object[],
  hooks: Hooks,
): SnapshotError {
  let path = root;
  let owner: object | undefined;
  let last: Step | undefined;
  const go = (from: object, step: Step) => {
    owner = from;
    last = step;
    path = step.wrap(path);
  };
  for (let i = 1; i < owners.length; i++)
    go(owners[i - 1]!, stepTo(owners[i - 1]!, owners[i], hooks));
  const at = owners[owners.length - 1];
  if (at !== undefined && f.at !== 'self') {
    go(at, f.at === 'key' ? keyStep(f.key!) : stepTo(at, f.value, hooks));
  }
  let advice = '';
  if (f.fix !== '' && f.at === 'key') advice = ` ${f.fix}.`;
  else if (f.fix !== '') {
    advice = ` ${f.fix}, or mark it transient: ${transientHint(f, path, owner, last, hooks)}.`;
  }
  return new SnapshotError(path, `cannot save ${path}: ${f.reason}.${advice}`);
}

/** Where `transient` would skip the value: on its definition, or on its image class's field. */
function transientHint(
  f: Fail,
  path: string,
  owner: object | undefined,
  last: Step | undefined,
  hooks: Hooks,
): string {
  const expr = typeof f.value === 'function' ? '() => ...' : '...';
  if (owner === undefined) return `const ${path} = transient(${expr})`;
  const key = typeof last?.key === 'string' && last.key[0] !== '#' ? last.key : undefined;
  const cls = hooks.classOf(owner);
  if (key !== undefined && cls !== undefined)
    return `static transient = ['${key}'] on class ${cls}`;
  return `define it as const x = transient(${expr}) and store x here`;
}

/** One step of a path: `wrap` adds it to the path so far; `key` is the property it reads. */
interface Step {
  wrap: (base: string) => string;
  key?: PropertyKey;
}
const step = (wrap: Step['wrap']): Step => ({ wrap });
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const INDEX = /^(0|[1-9]\d*)$/;

function symbolText(s: symbol): string {
  const key = Symbol.keyFor(s);
  if (key !== undefined) return `Symbol.for(${JSON.stringify(key)})`;
  const known = WELL_KNOWN_NAME.get(s);
  return known !== undefined ? `Symbol.${known}` : `Symbol(${s.description ?? ''})`;
}

function keyStep(key: PropertyKey): Step {
  if (typeof key === 'symbol') return { key, wrap: (b) => `${b}[${symbolText(key)}]` };
  const s = String(key);
  if (typeof key === 'number' || $test(INDEX, s)) return { key: s, wrap: (b) => `${b}[${s}]` };
  const quoted = JSON.stringify(s);
  return { key: s, wrap: $test(IDENTIFIER, s) ? (b) => `${b}.${s}` : (b) => `${b}[${quoted}]` };
}

/** A primitive Map key as JavaScript source; undefined for objects. */
function literal(v: unknown): string | undefined {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return symbolText(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  return typeof v === 'object' || typeof v === 'function' ? undefined : String(v);
}

/** How to get from `owner` to `target` in JavaScript (the first way the encoder would find). */
function stepTo(owner: object, target: unknown, hooks: Hooks): Step {
  const kind = KINDS.get(protoOf(owner));
  if (kind === 'M') {
    let i = 0;
    let found: Step | undefined;
    apply(mapForEach, owner, [
      (v: unknown, k: unknown) => {
        const at = i++;
        if (found !== undefined) return;
        if (k === target) found = step((b) => `[...${b}.keys()][${at}]`);
        else if (v === target) {
          const text = literal(k);
          found = step((b) => (text ? `${b}.get(${text})` : `[...${b}.values()][${at}]`));
        }
      },
    ]);
    if (found !== undefined) return found;
  } else if (kind === 'S') {
    let i = 0;
    let found = -1;
    apply(setForEach, owner, [(v: unknown) => (v === target && found < 0 ? (found = i++) : i++)]);
    if (found >= 0) return step((b) => `[...${b}][${found}]`);
  } else if (kind !== undefined && (kind === 'DataView' || TYPED_ARRAYS.has(kind))) {
    const buffer = apply(kind === 'DataView' ? viewBuffer : typedBuffer, owner, []);
    if (buffer === target) return step((b) => `${b}.buffer`);
  }
  for (const k of safe(ownKeys(owner))) {
    const d = describe(owner, k)!;
    if ('value' in d && d.value === target) return keyStep(k);
  }
  const privates = hooks.classOf(owner) === undefined ? undefined : hooks.privateFields(owner);
  for (const k of safe(privates === undefined ? [] : keys(privates))) {
    // The kernel may qualify private names by class ('Account#balance'); a path shows `#balance`.
    const name = $slice(k, Math.max(0, $indexOf(k, '#')));
    if (privates![k] === target) return { key: name, wrap: (b) => `${b}.${name}` };
  }
  return step((b) => `${b}[?]`);
}
