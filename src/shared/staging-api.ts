// The contract between the code the session's compiler emits and the kernel: rewritten entries
// call these members of `__viv` (src/session/compile/rewrite*.ts emit the calls;
// src/kernel/definitions/staging.ts implements them). Each call stages part of a new
// version of a definition inside the current transaction.
import type { ClassMeta } from './types.ts';

export type ValueBinding = 'const' | 'let' | 'var';

/** A class's private instance fields, by name: [has(o), get(o)] (so the kernel can carry them). */
export type PrivateTable = Record<string, [(o: object) => boolean, (o: object) => unknown]>;

export interface StagingApi {
  /** `function f() {}` (or `const f = () => ...`): the stable stub that every holder calls.
   * `text`: the function as typed, when the compiler had to change it (a named function
   * expression loses its own name, which is bound to the stub instead: compile/self-name.ts). */
  fn(name: string, impl: Function, binding: string, text?: string): Function;
  /** `const x = value` (`hasInit`: false for `let x;`, which keeps x's current value). */
  val(name: string, value: unknown, binding: ValueBinding, hasInit: boolean): void;
  /** `const x = once(init)`: `init` runs only when x is not already a once-definition. */
  once(name: string, init: () => unknown, binding: ValueBinding): void;
  /** `const x = once(await init)`: as `once`, with an initialiser the entry awaits. */
  onceAsync(name: string, init: () => Promise<unknown>, binding: ValueBinding): Promise<void>;
  /** `const { a, b } = once(init)`: true (all kept) when every name is a once-definition. */
  keep(names: string[]): boolean;
  /** `delete NAME` in an entry: false for a definition (as for a declared global), else deletes. */
  del(name: string, remove: () => boolean): boolean;
  /** `const x = transient(() => init)`: not saved; `init` runs again when the image opens. */
  transient(name: string, init: () => unknown, binding: ValueBinding): void;
  /** `const m = $package(name, version, integrity, code)`: a module definition, the namespace that
   * the bundle `code` yields; re-binds the names imported from it (see src/session/packages). */
  module(
    name: string,
    pkg: string,
    version: string,
    integrity: string,
    code: string,
    binding: ValueBinding,
  ): void;
  /** `import { x as name } from 'pkg'` (`export`: a name, `default` or `*`). */
  imported(name: string, module: string, pkg: string, exported: string): void;
  /** The entry's top-level let, const and class names: none may be a global the language fixed;
   * a new one is uninitialised (a ReferenceError to read or assign) until its declaration runs,
   * unless `uninitialised` is false (an entry that awaits, a dry run). */
  lexical(names: string[], uninitialised?: boolean): void;
  /** The entry's top-level `var` names: each one not yet a global starts as undefined. */
  hoist(names: string[]): void;
  /** Before a class declaration's body: its stable class (made now if the name is new). */
  pre(name: string): Function;
  /** From a class version's first static block: the version exists, its statics have not run. */
  early(name: string, impl: Function): void;
  /** After the class body ran: the version is complete (migrations run here). */
  cls(name: string, impl: Function, meta: ClassMeta, binding?: string): Function;
  /** A class version's private fields, so that they can be carried to later versions. */
  privates(impl: Function, table: PrivateTable): void;
  /** In stamp mode: a private field's value for the instance being stamped. */
  carry(instance: object, name: string): unknown;
  /** A static private field of a redefined class starts from the previous version's value. */
  carryStatic(impl: Function, name: string, init: () => unknown): unknown;
  /** Maps a stable class to its installed version (where its static private members live). */
  sh(value: unknown): unknown;
  /** A direct eval's text inside a class body with static privates, routed like the body. */
  evalText(callee: unknown, text: unknown, names: string[]): unknown;
  /** Maps a class version to its stable class: `this` in static initialisers and private statics. */
  st(value: unknown): unknown;
  /** `super.key = value` where `this` is a class version: the stable class is the receiver. */
  superSet(version: Function, key: PropertyKey, value: unknown): unknown;
  /** After a top-level `await`: throws if the session abandoned this entry meanwhile. */
  live<T>(entry: number, value?: T): T | undefined;
  /** True while the kernel stamps private fields on an existing instance. */
  readonly stamping: boolean;
  /** The base class of stampable classes without an `extends`. */
  readonly Root: Function;
}
