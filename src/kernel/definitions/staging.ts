// What rewritten entries call: the `__viv` object. Each call stages one definition's new version
// inside the current transaction (see src/session/compile/rewrite.ts for the code that calls these).
// This file stages functions and values and holds the state the calls share; a class declaration's
// calls are forwarded to class-staging.ts, a package's to package-definitions.ts.
import type { ClassMeta, DeclarationInfo, DefinedInfo } from '../../shared/types.ts';
import type { PrivateTable } from '../../shared/staging-api.ts';
import { bindGlobal, Namespace, readGlobal } from './namespace.ts';
import { bindUninitialized } from './bindings.ts';
import type { Definition, Version } from './namespace.ts';
import { createFunctionCell, installFunction } from './functions.ts';
import { recordTypedSource } from './source-text.ts';
import { familyOf } from './classes.ts';
import type { ClassCell, StampState } from './classes.ts';
import { ClassStaging } from './class-staging.ts';
import { EntryAbandoned } from './entry-context.ts';
import type { EntryContext } from './entry-context.ts';
import { defineImported, defineModule } from './package-definitions.ts';
import type { PackageHost } from './package-definitions.ts';
import { migrateInstances, needsInstances, newReport } from './migrate.ts';
import type { MigrationStep } from './migrate.ts';
import { Transaction } from '../transaction/transaction.ts';
import {
  safe,
  Error,
  Object,
  Set,
  WeakMap,
  defineProperty,
  SyntaxError,
  getOwnPropertyDescriptor,
  globalObject,
  hasOwn,
} from '../primordials.ts';
import { $every, $flatMap, $map, $push } from '../primordials-methods.ts';

export class Staging implements StampState {
  stamping = false;
  stampTarget: object | undefined = undefined;
  stampCell: ClassCell | undefined = undefined;
  stampImpl: Function | undefined = undefined;
  /** In a dry run, which live instance a copy was made from (to read its private fields). */
  readonly carrySource = new WeakMap<object, object>();
  readonly ns: Namespace;
  readonly abandoned = new Set<number>();
  entry: EntryContext | undefined = undefined;
  readonly Root: Function;
  /**
   * Opening a saved image: the version whose declaration is being compiled again. Staging calls
   * for it only hand over the compiled implementation; calls for other names (a declaration can
   * bind several) and value initialisers do nothing: values come from the saved heap.
   */
  restoring: { name: string; version: Version } | undefined = undefined;
  /** While opening: saved private field values of each decoded instance (`Class#x` -> value). */
  readonly restoredPrivates = new WeakMap<object, Record<string, unknown>>();
  readonly #classes = new ClassStaging(this, {
    context: () => this.#context(),
    source: (name) => this.#source(name),
    record: (def) => this.#record(def),
  });

  constructor(ns: Namespace) {
    this.ns = ns;
    const self = this;
    // The base of stampable classes: an ordinary base in normal construction; in stamp mode it
    // hands back the existing instance, so the subclass's field initialisers run on it.
    this.Root = function Root() {
      if (self.stamping) return self.stampTarget;
    };
    defineProperty(this.Root, 'prototype', { value: Object.prototype });
  }

  #context(): EntryContext {
    if (!this.entry) throw new Error('a definition can only be made by an entry');
    return this.entry;
  }

  #declared(name: string): DeclarationInfo | undefined {
    return this.entry?.declarations.get(name);
  }

  #source(name: string): string {
    return this.#declared(name)?.source ?? '';
  }

  #record(def: Definition, extra: Partial<DefinedInfo> = {}): void {
    $push(this.#context().defined, {
      name: def.name,
      kind: def.kind,
      version: def.current,
      ...extra,
    });
  }

  fn(name: string, impl: Function, binding: string, text?: string): Function {
    if (this.restoring) return this.#restoreFunction(name, impl, text);
    const { tx } = this.#context();
    const def = this.ns.ensure(tx, name, 'function');
    def.fn ??= createFunctionCell(name, impl);
    installFunction(tx, def.fn, impl);
    if (binding === 'function') recordTypedSource(impl, this.#source(name));
    else if (text !== undefined) recordTypedSource(impl, text);
    this.ns.addVersion(tx, def, { kind: 'function', binding, source: this.#source(name), impl });
    bindGlobal(tx, name, def.fn.stub, binding === 'function' ? 'var' : binding);
    this.#record(def);
    return def.fn.stub;
  }

  val(name: string, value: unknown, binding: 'const' | 'let' | 'var', hasInit: boolean): void {
    if (this.restoring) return;
    const def = this.ns.get(name);
    if (!hasInit && def && def.current > 0) value = readGlobal(name);
    this.#defineValue(name, value, binding, {});
  }

  /**
   * Before anything in the entry runs: a top-level let, const or class may not name a property
   * of the global object that cannot be redefined (`let undefined`), a SyntaxError in a script.
   * A new name is uninitialised until its declaration runs (bindUninitialized), unless the entry
   * awaits (other code could then see it) or is a dry run.
   */
  lexical(names: string[], uninitialised = true): void {
    for (const name of safe(names)) {
      const d = getOwnPropertyDescriptor(globalObject, name);
      if (d && !d.configurable)
        throw new SyntaxError(`Identifier '${name}' has already been declared`);
    }
    if (!uninitialised || this.restoring || !this.entry) return;
    for (const name of safe(names)) {
      if (!hasOwn(globalObject, name)) bindUninitialized(this.entry.tx, name);
    }
  }

  /** The entry's top-level `var` names: each one not yet a global starts as undefined. */
  hoist(names: string[]): void {
    if (this.restoring) return;
    const { tx } = this.#context();
    for (const name of safe(names)) {
      if (!hasOwn(globalObject, name)) bindGlobal(tx, name, undefined, 'var');
    }
  }

  /** `const x = once(init)`: evaluates `init` only when `x` is not already a once-definition. */
  once(name: string, init: () => unknown, binding: 'const' | 'let' | 'var'): void {
    if (this.restoring) return;
    const existing = this.ns.get(name);
    if (existing && existing.current > 0 && existing.once) {
      this.#record(existing, { kept: true });
      return;
    }
    this.#defineValue(name, init(), binding, { once: true });
  }

  /** `const x = once(await init)`: as `once`, the initialiser awaited. */
  async onceAsync(name: string, init: () => Promise<unknown>, binding: 'const' | 'let' | 'var') {
    if (this.restoring) return;
    if (this.keep([name])) return;
    this.#defineValue(name, await init(), binding, { once: true });
  }

  /** True (each recorded as kept) when every name is already a once-definition. */
  /** `delete NAME` at the top of an entry: a definition is not deletable (as a declared global). */
  del(name: string, remove: () => boolean): boolean {
    return this.ns.get(name) ? false : remove();
  }

  keep(names: string[]): boolean {
    if (this.restoring) return true;
    const defs = $map(names, (n) => this.ns.get(n));
    if (!$every(defs, (d) => !!d && d.current > 0 && !!d.once)) return false;
    for (const def of safe(defs)) this.#record(def!, { kept: true });
    return true;
  }

  /**
   * `const x = transient(() => init)`: a value that is not saved with the image; `init` runs now
   * and again whenever the image is opened (for handles, caches, anything rebuilt from the rest).
   */
  transient(name: string, init: () => unknown, binding: 'const' | 'let' | 'var'): void {
    if (this.restoring) {
      if (this.restoring.name === name) bindGlobal(new Transaction(0), name, init(), binding);
      return;
    }
    this.#defineValue(name, init(), binding, { transient: true });
  }

  /** `const m = $package(...)`: a module definition (package-definitions.ts). */
  module(
    name: string,
    pkg: string,
    version: string,
    integrity: string,
    code: string,
    binding: 'const' | 'let' | 'var',
  ): void {
    defineModule(this.#packageHost, name, pkg, version, integrity, code, binding);
  }

  /** `import { x as name } from 'pkg'` (package-definitions.ts). */
  imported(name: string, module: string, pkg: string, exported: string): void {
    defineImported(this.#packageHost, name, module, pkg, exported);
  }

  /** What the package definitions need of staging. */
  readonly #packageHost: PackageHost = ((staging: Staging): PackageHost => ({
    get ns() {
      return staging.ns;
    },
    get restoring() {
      return staging.restoring;
    },
    tx: () => staging.#context().tx,
    source: (name) => staging.#source(name),
    record: (def) => staging.#record(def),
  }))(this);

  /** A new version of a value definition, bound on the global object. */
  #defineValue(
    name: string,
    value: unknown,
    binding: 'const' | 'let' | 'var',
    flags: { once?: boolean; transient?: boolean },
  ): void {
    const { tx } = this.#context();
    // An enum compiles to `var E` and its body: the definition keeps the declared kind.
    const kind = binding === 'var' && this.#declared(name)?.kind === 'enum' ? 'enum' : binding;
    const def = this.ns.ensure(tx, name, kind);
    this.ns.addVersion(tx, def, {
      kind,
      binding,
      source: this.#source(name),
      transient: flags.transient,
    });
    def.once = !!flags.once;
    bindGlobal(tx, name, value, binding);
    this.#record(def);
  }

  /** Class declarations (class-staging.ts). */
  pre(name: string): Function {
    return this.#classes.pre(name);
  }

  early(name: string, impl: Function): void {
    this.#classes.early(name, impl);
  }

  cls(name: string, impl: Function, meta: ClassMeta, binding = 'let'): Function {
    return this.#classes.cls(name, impl, meta, binding);
  }

  privates(impl: Function, table: PrivateTable): void {
    this.#classes.privates(impl, table);
  }

  privateFieldsOf(instance: object): { cell: ClassCell; name: string; value: unknown }[] {
    return this.#classes.privateFieldsOf(instance);
  }

  carry(instance: object, name: string): unknown {
    return this.#classes.carry(instance, name);
  }

  carryStatic(impl: Function, name: string, init: () => unknown): unknown {
    return this.#classes.carryStatic(impl, name, init);
  }

  sh(value: unknown): unknown {
    return this.#classes.sh(value);
  }

  evalText(callee: unknown, text: unknown, names: string[]): unknown {
    return this.#classes.evalText(callee, text, names);
  }

  st(value: unknown): unknown {
    return this.#classes.st(value);
  }

  superSet(version: Function, key: PropertyKey, value: unknown): unknown {
    return this.#classes.superSet(version, key, value);
  }

  #restoreFunction(name: string, impl: Function, text: string | undefined): Function {
    const target = this.restoring!;
    if (target.name !== name) return impl;
    const def = this.ns.get(name)!;
    def.fn ??= createFunctionCell(name, impl);
    target.version.impl = impl;
    if (target.version.binding === 'function') recordTypedSource(impl, target.version.source);
    else if (text !== undefined) recordTypedSource(impl, text);
    return def.fn.stub;
  }

  /** Runs one migration step over the class's family (in `:check`, counting every instance). */
  runStep(context: EntryContext, step: MigrationStep, fromVersion: number): void {
    if (!needsInstances(step)) return;
    const instances = this.instancesOf(step.cell);
    const report = context.tx.check ? newReport(step, instances.length, fromVersion) : undefined;
    if (report) $push(context.migrations, report);
    migrateInstances(context.tx, this, step, instances, report);
  }

  classCells(): ClassCell[] {
    return $flatMap(this.ns.all(), (d) => (d.cls ? [d.cls] : []));
  }

  instancesOf(cell: ClassCell): object[] {
    const out: object[] = [];
    for (const member of safe(familyOf(cell, this.classCells()))) member.registry.collect(out);
    return out;
  }

  /** The runner's `rewriteEvalText` (see `evalText`), handed to `boot`. */
  rewriteEval: ((text: string, names: string) => string) | undefined;

  /** After a top-level `await`: stop here if the host abandoned this entry. */
  live<T>(entry: number, value?: T): T | undefined {
    if (this.abandoned.has(entry)) {
      throw new EntryAbandoned(`entry ${entry} was abandoned (timeout or interrupt)`);
    }
    return value;
  }
}
