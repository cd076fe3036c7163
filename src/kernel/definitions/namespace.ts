// The image's namespace: every definition with its whole version history, and the global binding
// through which entries see it. A definition record is never replaced, only given new versions.
import type { ClassMeta, DefKind, HistoryEvent, VersionInfo } from '../../shared/types.ts';
import { defineProperty, getOwnPropertyDescriptor, globalObject, now } from '../intrinsics.ts';
import type { Transaction } from '../transaction/transaction.ts';
import type { ClassCell } from './classes.ts';
import type { FunctionCell } from './functions.ts';

export interface Version {
  version: number;
  kind: DefKind;
  /** The keyword it was bound with (`const` stays constant). */
  binding: string;
  source: string;
  time: number;
  entry: number;
  parent?: number;
  /** Functions and classes: the compiled implementation of this version. */
  impl?: Function;
  meta?: ClassMeta;
  /** Classes: which own keys of `impl` are static fields (the rest are methods/accessors). */
  staticFields?: (string | symbol)[];
  /** `transient(() => init)`: not saved; the initializer runs again when the image opens. */
  transient?: boolean;
}

export interface Definition {
  name: string;
  kind: DefKind;
  once: boolean;
  /** `const x = transient(() => init)`: rebuilt on open instead of saved. */
  transient: boolean;
  versions: Version[];
  /** The version in force (0 before the first one is committed). */
  current: number;
  events: HistoryEvent[];
  fn?: FunctionCell;
  cls?: ClassCell;
}

export class Namespace {
  readonly #defs = new Map<string, Definition>();

  get(name: string): Definition | undefined {
    return this.#defs.get(name);
  }

  all(): Definition[] {
    return [...this.#defs.values()].filter((d) => d.current > 0);
  }

  /** The record for `name`, created (and removed again on rollback) if new. */
  ensure(tx: Transaction, name: string, kind: DefKind): Definition {
    let def = this.#defs.get(name);
    if (!def) {
      def = { name, kind, once: false, transient: false, versions: [], current: 0, events: [] };
      this.#defs.set(name, def);
      tx.onUndo(() => this.#defs.delete(name));
    }
    return def;
  }

  /** Adds a version and makes it current; undone with the transaction. */
  addVersion(
    tx: Transaction,
    def: Definition,
    fields: Omit<Version, 'version' | 'time' | 'entry' | 'parent'>,
  ): Version {
    const previous = {
      kind: def.kind,
      current: def.current,
      once: def.once,
      transient: def.transient,
    };
    const version: Version = {
      ...fields,
      version: def.versions.length + 1,
      time: now(),
      entry: tx.entry,
      parent: def.current || undefined,
    };
    def.versions.push(version);
    def.events.push({
      type: 'define',
      version: version.version,
      from: version.parent,
      time: version.time,
      entry: tx.entry,
    });
    def.kind = fields.kind;
    def.current = version.version;
    def.transient = !!fields.transient;
    tx.onUndo(() => {
      def.versions.pop();
      def.events.pop();
      def.kind = previous.kind;
      def.current = previous.current;
      def.once = previous.once;
      def.transient = previous.transient;
    });
    return version;
  }

  /** Puts back a definition read from a saved image (its versions are compiled afterwards). */
  restore(def: Definition): void {
    this.#defs.set(def.name, def);
  }

  /** Points a definition back at an existing version, as a history event. */
  moveTo(tx: Transaction, def: Definition, version: Version): void {
    const previous = { kind: def.kind, current: def.current };
    def.events.push({
      type: 'rollback',
      version: version.version,
      from: def.current,
      time: now(),
      entry: tx.entry,
    });
    def.kind = version.kind;
    def.current = version.version;
    tx.onUndo(() => {
      def.events.pop();
      def.kind = previous.kind;
      def.current = previous.current;
    });
  }
}

export function versionInfo(v: Version): VersionInfo {
  return {
    version: v.version,
    kind: v.kind,
    source: v.source,
    time: v.time,
    entry: v.entry,
    parent: v.parent,
  };
}

/**
 * Binds a name on the global object, where every entry looks names up. `const` becomes an
 * accessor whose setter throws as a real constant does; everything else a plain data property.
 */
export function bindGlobal(tx: Transaction, name: string, value: unknown, binding: string): void {
  const before = getOwnPropertyDescriptor(globalObject, name);
  if (binding === 'const') {
    defineProperty(globalObject, name, {
      get: () => value,
      set: () => {
        throw new TypeError('Assignment to constant variable.');
      },
      enumerable: true,
      configurable: true,
    });
  } else {
    defineProperty(globalObject, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  }
  tx.onUndo(() => restoreGlobal(name, before));
}

export function readGlobal(name: string): unknown {
  return (globalObject as Record<string, unknown>)[name];
}

function restoreGlobal(name: string, before: PropertyDescriptor | undefined): void {
  delete (globalObject as Record<string, unknown>)[name];
  if (before) defineProperty(globalObject, name, before);
}

/**
 * Stores a function or class version where its stable stub reads it: a hidden global property.
 * Deleting and re-adding the property (rather than assigning it) gives V8 a fresh property cell,
 * which it treats as a constant again, so a stub is inlined as well after a redefinition as before
 * (an assigned cell or a mutated closure variable leaves every stub call 10x slower: measured).
 */
export function setHiddenGlobal(key: string, value: unknown): void {
  delete (globalObject as Record<string, unknown>)[key];
  defineProperty(globalObject, key, {
    value,
    writable: false,
    enumerable: false,
    configurable: true,
  });
}
