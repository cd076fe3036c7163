// `:rollback NAME [VERSION]` for functions and classes. A rollback is a history event, not an
// erasure: the version tree keeps every version, and the definition points back at an old one.
//
// For a class, the instances are moved by the current version's `static downgrade(instance,
// toVersion)` when it has one, or else by the target's `static upgrade(instance, fromVersion)` when
// the target is newer than the current version. Without either, a rollback between versions whose
// instance state differs is refused before anything changes: the instances would not fit.
import type { ClassMeta } from '../../shared/types.ts';
import { bindGlobal, readGlobal } from './namespace.ts';
import type { Definition, Version } from './namespace.ts';
import { installFunction } from './functions.ts';
import { installMembers, installStaticFields } from './classes.ts';
import type { Staging } from './staging.ts';
import { Boolean, Error, hasOwn } from '../primordials.ts';
import { $filter, $includes, $join, $push } from '../primordials-methods.ts';

export class RollbackError extends Error {
  override name = 'RollbackError';
}

export function rollback(staging: Staging, name: string, requested: number | undefined): void {
  const context = staging.entry!;
  const def = staging.ns.get(name);
  if (!def || def.current === 0)
    throw new RollbackError(`${name} is not a definition of this image`);
  const current = def.versions[def.current - 1]!;
  const targetNumber = requested ?? previousVersion(def);
  if (targetNumber === undefined) {
    throw new RollbackError(`${name} has no earlier version to roll back to`);
  }
  const target = def.versions[targetNumber - 1];
  if (!target) {
    throw new RollbackError(
      `${name} has no version ${targetNumber} (it has 1..${def.versions.length})`,
    );
  }
  if (target.version === current.version) {
    throw new RollbackError(`${name} is already at version ${target.version}`);
  }
  if (target.kind !== current.kind || (target.kind !== 'function' && target.kind !== 'class')) {
    throw new RollbackError(
      `${name}: only a function or a class rolls back in place (v${current.version} is a ${current.kind}, v${target.version} a ${target.kind})`,
    );
  }
  const { tx } = context;
  if (target.kind === 'function') {
    installFunction(tx, def.fn!, target.impl!);
  } else {
    moveClass(staging, def, current, target);
  }
  staging.ns.moveTo(tx, def, target);
  const stub = target.kind === 'function' ? def.fn!.stub : def.cls!.stub;
  if (readGlobal(name) !== stub) bindGlobal(tx, name, stub, 'let');
  $push(context.defined, { name, kind: def.kind, version: target.version });
}

/** The version that was current before the latest change. */
function previousVersion(def: Definition): number | undefined {
  return def.events[def.events.length - 1]?.from;
}

/** A readable description of how the state shape differs between two versions, or ''. */
function stateChange(older: ClassMeta | undefined, newer: ClassMeta | undefined): string {
  const a = [...(older?.fields ?? []), ...(older?.privateFields ?? [])];
  const b = [...(newer?.fields ?? []), ...(newer?.privateFields ?? [])];
  const added = $filter(b, (f) => !$includes(a, f));
  const removed = $filter(a, (f) => !$includes(b, f));
  return $join(
    $filter(
      [
        added.length ? `fields added: ${$join(added, ', ')}` : '',
        removed.length ? `fields removed: ${$join(removed, ', ')}` : '',
      ],
      Boolean,
    ),
    '; ',
  );
}

function moveClass(staging: Staging, def: Definition, current: Version, target: Version): void {
  const context = staging.entry!;
  const cell = def.cls!;
  const migration = chooseMigration(def, current, target);
  const impl = target.impl!;
  installMembers(context.tx, cell, impl, staging.Root, target.staticFields ?? []);
  installStaticFields(
    context.tx,
    cell,
    impl,
    target.meta?.stampable ? target.meta.length : impl.length,
  );
  const previous = cell.version;
  cell.version = target;
  context.tx.onUndo(() => {
    cell.version = previous;
  });
  staging.runStep(
    context,
    {
      cell,
      target,
      stampWith: target.meta?.stampable ? impl : undefined,
      migrate: migration && { ...migration, self: cell.stub },
    },
    current.version,
  );
}

function chooseMigration(
  def: Definition,
  current: Version,
  target: Version,
): { name: 'upgrade' | 'downgrade'; fn: Function; arg: number } | undefined {
  const own = (v: Version, name: string) => {
    const fn = hasOwn(v.impl!, name)
      ? (v.impl as unknown as Record<string, unknown>)[name]
      : undefined;
    return typeof fn === 'function' ? fn : undefined;
  };
  const downgrade = own(current, 'downgrade');
  if (downgrade) return { name: 'downgrade', fn: downgrade, arg: target.version };
  const upgrade = own(target, 'upgrade');
  if (upgrade && !isAncestor(def, target, current)) {
    return { name: 'upgrade', fn: upgrade, arg: current.version };
  }
  const change = stateChange(target.meta, current.meta);
  if (change || own(current, 'upgrade')) {
    throw new RollbackError(
      `cannot roll back ${def.name} from v${current.version} to v${target.version}: v${current.version} ` +
        `${change ? `changed the instance state (${change})` : 'migrated its instances with static upgrade'} ` +
        `and declares no static downgrade(instance, toVersion). Nothing was changed.`,
    );
  }
  return undefined;
}

/** Whether `older` is on `version`'s line of descent. */
function isAncestor(def: Definition, older: Version, version: Version): boolean {
  for (
    let v: Version | undefined = version;
    v;
    v = v.parent ? def.versions[v.parent - 1] : undefined
  ) {
    if (v === older) return true;
  }
  return false;
}
