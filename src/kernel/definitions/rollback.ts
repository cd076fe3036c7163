// `:rollback NAME [VERSION]` for functions and classes. A rollback is a history event, not an
// erasure: the version tree keeps every version, and the definition points back at an old one.
//
// For a class, the instances walk the version tree from the current version to the target: down
// to the common ancestor, then up. Down: the first version met that declares `static
// downgrade(instance, toVersion)` takes them the rest of the way down (its `toVersion` says how
// far); a version passed before it that migrated its instances with `upgrade`, or whose declared
// state differs from its parent's, makes the rollback refused, naming that version. Up: each
// version's `static upgrade(instance, fromVersion)` runs in order (a version without one was
// accepted without migrating, so passing it changes nothing). Every step is judged before
// anything changes.
import type { ClassMeta } from '../../shared/types.ts';
import { bindGlobal, readGlobal } from './namespace.ts';
import type { Definition, Version } from './namespace.ts';
import { installFunction } from './functions.ts';
import { installMembers, installStaticFields } from './classes.ts';
import type { Staging } from './staging.ts';
import { safe, Boolean, Error, hasOwn } from '../primordials.ts';
import { $filter, $includes, $join, $push, $unshift } from '../primordials-methods.ts';

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

/** A readable description of how the declared state differs between two versions, or ''. */
function stateChange(older: ClassMeta | undefined, newer: ClassMeta | undefined): string {
  const a = [...safe(older?.fields ?? []), ...safe(older?.privateFields ?? [])];
  const b = [...safe(newer?.fields ?? []), ...safe(newer?.privateFields ?? [])];
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

type Migration = { name: 'upgrade' | 'downgrade'; fn: Function; arg: number };

/** One step along the version tree, with the migration that moves the instances. */
interface Hop {
  from: Version;
  to: Version;
  migration: Migration | undefined;
}

function moveClass(staging: Staging, def: Definition, current: Version, target: Version): void {
  const hops = planHops(def, current, target);
  for (const hop of safe(hops)) moveOneVersion(staging, def, hop);
}

/** Installs `hop.to` and migrates the instances to it. */
function moveOneVersion(staging: Staging, def: Definition, hop: Hop): void {
  const context = staging.entry!;
  const cell = def.cls!;
  const { to, migration } = hop;
  const impl = to.impl!;
  installMembers(context.tx, cell, impl, staging.Root, to.staticFields ?? []);
  installStaticFields(context.tx, cell, impl, to.meta?.stampable ? to.meta.length : undefined);
  const previous = cell.version;
  cell.version = to;
  context.tx.onUndo(() => {
    cell.version = previous;
  });
  staging.runStep(
    context,
    {
      cell,
      target: to,
      stampWith: to.meta?.stampable ? impl : undefined,
      migrate: migration && { ...migration, self: cell.stub },
    },
    hop.from.version,
  );
}

/** The path from `current` to `target` through the version tree; refuses a step it cannot take. */
function planHops(def: Definition, current: Version, target: Version): Hop[] {
  const parentOf = (v: Version) => (v.parent ? def.versions[v.parent - 1] : undefined);
  const up: Version[] = [];
  for (let v: Version | undefined = current; v; v = parentOf(v)) $push(up, v);
  const down: Version[] = [];
  let common: Version | undefined = target;
  while (common && !$includes(up, common)) {
    $unshift(down, common);
    common = parentOf(common);
  }
  if (!common) {
    throw new RollbackError(
      `cannot roll back ${def.name} from v${current.version} to v${target.version}: they share no version. Nothing was changed.`,
    );
  }
  const hops: Hop[] = [];
  for (let i = 0; up[i] !== common; i++) {
    const from = up[i]!;
    const downgrade = own(from, 'downgrade');
    if (downgrade) {
      // `downgrade(instance, toVersion)` knows the versions below it: it goes the rest of the way.
      const migration = { name: 'downgrade' as const, fn: downgrade, arg: common.version };
      $push(hops, { from, to: common, migration });
      break;
    }
    refuseUnlessUnchanged(def, current, target, from, up[i + 1]!);
    $push(hops, { from, to: up[i + 1]!, migration: undefined });
  }
  let from = common;
  for (const to of safe(down)) {
    const upgrade = own(to, 'upgrade');
    $push(hops, {
      from,
      to,
      migration: upgrade && { name: 'upgrade', fn: upgrade, arg: from.version },
    });
    from = to;
  }
  return hops;
}

/** A step down from `from` to its parent `to` without a downgrade: only if nothing migrated. */
function refuseUnlessUnchanged(
  def: Definition,
  current: Version,
  target: Version,
  from: Version,
  to: Version,
): void {
  const change = stateChange(to.meta, from.meta);
  if (!change && !own(from, 'upgrade')) return;
  const added = from.upgradeAdded?.length ? ` (it added ${$join(from.upgradeAdded, ', ')})` : '';
  const why = own(from, 'upgrade')
    ? `v${from.version} migrated its instances with static upgrade${added}`
    : `v${from.version} declares a different instance state than v${to.version} (${change})`;
  const via =
    from === current ? '' : ` (the way from v${current.version} goes through v${from.version})`;
  throw new RollbackError(
    `cannot roll back ${def.name} from v${current.version} to v${target.version}${via}: ${why} ` +
      `and declares no static downgrade(instance, toVersion). Nothing was changed.`,
  );
}

/** A static migration the version declares itself (not one inherited from a parent class). */
function own(v: Version, name: 'upgrade' | 'downgrade'): Function | undefined {
  const fn = hasOwn(v.impl!, name)
    ? (v.impl as unknown as Record<string, unknown>)[name]
    : undefined;
  return typeof fn === 'function' ? fn : undefined;
}
