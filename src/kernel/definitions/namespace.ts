// The image's namespace: every definition with its whole version history, and the global binding
// through which entries see it. A definition record is never replaced, only given new versions.
import type { DefKind, VersionInfo } from '../../shared/types.ts';
import type { Transaction } from '../transaction/transaction.ts';
import type { Definition, Version } from './model.ts';
import { safe, Map, now } from '../primordials.ts';
import { $filter, $pop, $push } from '../primordials-methods.ts';

export type { Definition, Version } from './model.ts';
export { bindGlobal, readGlobal } from './bindings.ts';

export class Namespace {
  readonly #defs = new Map<string, Definition>();

  get(name: string): Definition | undefined {
    return this.#defs.get(name);
  }

  all(): Definition[] {
    return $filter([...safe(this.#defs.values())], (d) => d.current > 0);
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
    $push(def.versions, version);
    $push(def.events, {
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
      $pop(def.versions);
      $pop(def.events);
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
    $push(def.events, {
      type: 'rollback',
      version: version.version,
      from: def.current,
      time: now(),
      entry: tx.entry,
    });
    def.kind = version.kind;
    def.current = version.version;
    tx.onUndo(() => {
      $pop(def.events);
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
    ...(v.package ? { package: v.package } : {}),
  };
}
