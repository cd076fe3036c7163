// Staging a class declaration: the `__viv` calls of its body (pre, early, cls), the private fields
// carried from one version to the next, and what `this`, static privates and `super` mean inside a
// class body (sh, st, superSet, evalText). Split from staging.ts: `Staging` owns one ClassStaging,
// hands it itself (`ClassHost`) and its entry helpers (`EntryAccess`), and forwards these calls.
import type { ClassMeta } from '../../shared/types.ts';
import type { PrivateTable } from '../../shared/staging-api.ts';
import { bindGlobal, readGlobal } from './namespace.ts';
import type { Definition, Namespace, Version } from './namespace.ts';
import {
  cellOfPrototype,
  cellOfStub,
  createClassCell,
  installMembers,
  installStaticFields,
  parentCell,
  stubOfVersion,
} from './classes.ts';
import type { ClassCell, StampState } from './classes.ts';
import type { MigrationStep } from './migrate.ts';
import type { EntryContext } from './entry-context.ts';
import { Transaction } from '../transaction/transaction.ts';
import {
  safe,
  Error,
  Function,
  Object,
  WeakMap,
  Reflect,
  String,
  TypeError,
  getPrototypeOf,
  hasOwn,
  intrinsicEval,
  json,
  setPrototypeOf,
} from '../primordials.ts';
import { $push } from '../primordials-methods.ts';

/** The parts of `Staging` that class staging reads and writes (it is the stamp state too). */
export interface ClassHost extends StampState {
  readonly ns: Namespace;
  readonly restoring: { name: string; version: Version } | undefined;
  readonly Root: Function;
  readonly carrySource: WeakMap<object, object>;
  readonly restoredPrivates: WeakMap<object, Record<string, unknown>>;
  readonly rewriteEval: ((text: string, names: string) => string) | undefined;
  runStep(context: EntryContext, step: MigrationStep, fromVersion: number): void;
}

/** Staging's private view of the entry being evaluated. */
export interface EntryAccess {
  /** The entry's context (throws outside an entry). */
  context(): EntryContext;
  /** The declaration's source as typed in the entry. */
  source(name: string): string;
  /** Reports the definition as made by the entry. */
  record(def: Definition): void;
}

export class ClassStaging {
  readonly #staging: ClassHost;
  readonly #entry: EntryAccess;
  readonly #privateTables = new WeakMap<Function, PrivateTable>();
  /** The class version between `early` and `cls` (its static initialisers are running). */
  #defining: { cell: ClassCell; previous: Version | undefined } | undefined;

  constructor(staging: ClassHost, entry: EntryAccess) {
    this.#staging = staging;
    this.#entry = entry;
  }

  #context(): EntryContext {
    return this.#entry.context();
  }

  #source(name: string): string {
    return this.#entry.source(name);
  }

  #record(def: Definition): void {
    this.#entry.record(def);
  }

  /**
   * Before a class declaration's body runs: the stable class its name means inside the body. A
   * new name gets its (empty) cell now; `early` installs the version into it.
   */
  pre(name: string): Function {
    if (this.#staging.restoring && this.#staging.restoring.name !== name)
      return readGlobal(name) as Function;
    const tx = this.#staging.restoring ? new Transaction(0) : this.#context().tx;
    const def = this.#staging.ns.ensure(tx, name, 'class');
    def.cls ??= createClassCell(name, this.#staging);
    return def.cls.stub;
  }

  /** Called from a class's first static block: the version exists, its statics have not run. */
  early(name: string, impl: Function): void {
    if (this.#staging.restoring && this.#staging.restoring.name !== name) return;
    const tx = this.#staging.restoring ? new Transaction(0) : this.#context().tx;
    const def = this.#staging.ns.ensure(tx, name, 'class');
    def.cls ??= createClassCell(name, this.#staging);
    const cell = def.cls;
    this.#defining = { cell, previous: cell.version };
    installMembers(tx, cell, impl, this.#staging.Root);
    // While the version's static initialisers run, `C.field` read through the stable class must
    // find the fields they are defining on the version itself: chain the stub to it until `cls`.
    setPrototypeOf(cell.stub, impl);
    if (readGlobal(name) !== cell.stub) bindGlobal(tx, name, cell.stub, 'let');
  }

  cls(name: string, impl: Function, meta: ClassMeta, binding = 'let'): Function {
    if (this.#staging.restoring) return this.#restoreClass(name, impl, meta);
    const context = this.#context();
    const { tx } = context;
    const defining = this.#defining;
    this.#defining = undefined;
    if (!defining || defining.cell.name !== name) throw new Error(`class ${name} was not staged`);
    const cell = defining.cell;
    const def = this.#staging.ns.get(name)!;
    const staticFields = this.#finishStatics(tx, cell, impl, meta);
    const version = this.#staging.ns.addVersion(tx, def, {
      kind: 'class',
      binding,
      source: this.#source(name),
      impl,
      meta,
      staticFields,
    });
    cell.version = version;
    const previous = defining.previous;
    if (previous) {
      const upgrade = hasOwn(impl, 'upgrade') ? (impl as { upgrade?: unknown }).upgrade : undefined;
      this.#staging.runStep(
        context,
        {
          cell,
          target: version,
          stampWith: meta.stampable ? impl : undefined,
          migrate:
            typeof upgrade === 'function'
              ? { name: 'upgrade', fn: upgrade, self: cell.stub, arg: previous.version }
              : undefined,
        },
        previous.version,
      );
    }
    bindGlobal(tx, name, cell.stub, binding);
    this.#record(def);
    return cell.stub;
  }

  /** After a version's static initialisers ran: its static fields join the stub, which stops
   * chaining to the version (see `early`) and chains to the real parent again. */
  #finishStatics(tx: Transaction, cell: ClassCell, impl: Function, meta: ClassMeta) {
    const staticFields = installStaticFields(
      tx,
      cell,
      impl,
      meta.stampable ? meta.length : undefined,
    );
    const parent = getPrototypeOf(impl);
    setPrototypeOf(cell.stub, parent === this.#staging.Root ? Function.prototype : parent);
    return staticFields;
  }

  #restoreClass(name: string, impl: Function, meta: ClassMeta): Function {
    const target = this.#staging.restoring!;
    if (target.name !== name) return impl;
    const defining = this.#defining;
    this.#defining = undefined;
    const cell = defining!.cell;
    const tx = new Transaction(0);
    target.version.staticFields = this.#finishStatics(tx, cell, impl, meta);
    target.version.impl = impl;
    target.version.meta = meta;
    cell.version = target.version;
    return cell.stub;
  }

  privates(impl: Function, table: PrivateTable): void {
    this.#privateTables.set(impl, table);
  }

  /** The private fields an instance holds, for each image class of its chain, nearest first. */
  privateFieldsOf(instance: object): { cell: ClassCell; name: string; value: unknown }[] {
    const out: { cell: ClassCell; name: string; value: unknown }[] = [];
    for (let cell = cellOfPrototype(getPrototypeOf(instance)); cell; cell = parentCell(cell)) {
      const impl = cell.version?.impl;
      const table = impl ? this.#privateTables.get(impl) : undefined;
      if (!table) continue;
      for (const name of safe(Object.keys(table))) {
        const access = table[name]!;
        if (access[0](instance)) $push(out, { cell, name, value: access[1](instance) });
      }
    }
    return out;
  }

  /** A private field's value for the instance being stamped, from the newest version that has it. */
  carry(instance: object, name: string): unknown {
    const cell = this.#staging.stampCell;
    if (!cell) return undefined;
    const saved = this.#staging.restoredPrivates.get(instance);
    if (saved) return saved[cell.name + name];
    const source = this.#staging.carrySource.get(instance) ?? instance;
    const def = this.#staging.ns.get(cell.name);
    const versions = def ? def.versions : [];
    for (let i = versions.length - 1; i >= 0; i--) {
      const impl = versions[i]!.impl;
      if (!impl || impl === this.#staging.stampImpl) continue;
      const access = this.#privateTables.get(impl)?.[name];
      if (access && access[0](source)) return access[1](source);
    }
    return undefined;
  }

  /** A static private field of a redefined class starts from the previous version's value. */
  carryStatic(impl: Function, name: string, init: () => unknown): unknown {
    const previous = this.#defining?.previous?.impl;
    if (previous && previous !== impl) {
      const access = this.#privateTables.get(previous)?.[name];
      if (access && access[0](previous)) return access[1](previous);
    }
    return init();
  }

  /** Maps a stable class to its installed version (where its static private members live). */
  sh(value: unknown): unknown {
    const cell = cellOfStub(value);
    return cell ? cell.impl : value;
  }

  /**
   * The text of a direct `eval(text)` inside a class body with static privates `names`, routed
   * through `sh` as the body's own code is. Anything but a string given to the built-in `eval` is
   * returned as it is (`eval` then returns it, or it is not a direct eval at all).
   */
  evalText(callee: unknown, text: unknown, names: string[]): unknown {
    if (callee !== intrinsicEval || typeof text !== 'string' || !this.#staging.rewriteEval)
      return text;
    return this.#staging.rewriteEval(text, json.stringify(names));
  }

  /**
   * Maps a class version to its stable class: what `this` means where the language binds it to
   * the class being defined (static initialisers, static blocks) or where `sh` made the version
   * the receiver (static private methods and accessors).
   */
  st(value: unknown): unknown {
    return stubOfVersion(value) ?? value;
  }

  /** `super.key = value` in a static arrow or private static method of class version `version`. */
  superSet(version: Function, key: PropertyKey, value: unknown): unknown {
    // Class code is strict: a refused assignment throws.
    if (!Reflect.set(getPrototypeOf(version) as object, key, value, this.st(version))) {
      throw new TypeError(`Cannot assign to read only property '${String(key)}' of function`);
    }
    return value;
  }
}
