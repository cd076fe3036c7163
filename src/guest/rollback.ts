// `:rollback NAME [VERSION]` for functions and classes. A rollback is a history event, not an
// erasure: the version tree keeps every version, and the definition points back at an old one.
//
// For a class the instances travel the version tree from the current version to the target: down
// to the common ancestor through each version's `static downgrade(instance, toVersion)`, then up
// through `static upgrade(instance, fromVersion)`. A step down from a version that changed the
// instance state and declares no downgrade is refused before anything changes.
import type { ClassMeta } from '../shared/protocol.ts';
import { hasOwn } from './intrinsics.ts';
import { bindGlobal, readGlobal } from './definitions.ts';
import type { Definition, Version } from './definitions.ts';
import { installFunction } from './functions.ts';
import { installMembers, installStaticFields } from './classes.ts';
import type { Staging } from './staging.ts';

export class RollbackError extends Error {
  override name = 'RollbackError';
}

export function rollback(staging: Staging, name: string, requested: number | undefined): void {
  const context = staging.entry!;
  const def = staging.ns.get(name);
  if (!def || def.current === 0) throw new RollbackError(`${name} is not a definition of this image`);
  const current = def.versions[def.current - 1]!;
  const targetNumber = requested ?? previousVersion(def);
  if (targetNumber === undefined) {
    throw new RollbackError(`${name} has no earlier version to roll back to`);
  }
  const target = def.versions[targetNumber - 1];
  if (!target) {
    throw new RollbackError(`${name} has no version ${targetNumber} (it has 1..${def.versions.length})`);
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
    const steps = versionPath(def, current, target);
    for (const step of steps) refuseLossyDowngrade(name, step);
    for (const step of steps) moveClass(staging, def, step);
  }
  staging.ns.moveTo(tx, def, target);
  const stub = target.kind === 'function' ? def.fn!.stub : def.cls!.stub;
  if (readGlobal(name) !== stub) bindGlobal(tx, name, stub, 'let');
  context.defined.push({ name, kind: def.kind, version: target.version });
}

/** The version that was current before the latest change. */
function previousVersion(def: Definition): number | undefined {
  return def.events[def.events.length - 1]?.from;
}

interface Step {
  from: Version;
  to: Version;
  direction: 'down' | 'up';
}

/** Down from `current` to the common ancestor, then up to `target`. */
function versionPath(def: Definition, current: Version, target: Version): Step[] {
  const chain = (v: Version): Version[] => {
    const out = [v];
    while (out[out.length - 1]!.parent) out.push(def.versions[out[out.length - 1]!.parent! - 1]!);
    return out;
  };
  const down = chain(current);
  const up = chain(target);
  const common = down.find((v) => up.includes(v))!;
  const steps: Step[] = [];
  for (let i = 0; down[i] !== common; i++) {
    steps.push({ from: down[i]!, to: down[i + 1]!, direction: 'down' });
  }
  const rise = up.slice(0, up.indexOf(common)).reverse();
  let from = common;
  for (const v of rise) {
    steps.push({ from, to: v, direction: 'up' });
    from = v;
  }
  return steps;
}

function refuseLossyDowngrade(name: string, step: Step): void {
  if (step.direction !== 'down' || hasOwn(step.from.impl!, 'downgrade')) return;
  const change = stateChange(step.to.meta, step.from.meta);
  const upgraded = hasOwn(step.from.impl!, 'upgrade');
  if (change || upgraded) {
    throw new RollbackError(
      `cannot roll back ${name} from v${step.from.version} to v${step.to.version}: v${step.from.version} ` +
        `${change ? `changed the instance state (${change})` : 'migrated its instances with static upgrade'} ` +
        `and declares no static downgrade(instance, toVersion). Nothing was changed.`,
    );
  }
}

/** A readable description of how the state shape differs between two versions, or ''. */
function stateChange(older: ClassMeta | undefined, newer: ClassMeta | undefined): string {
  const a = [...(older?.fields ?? []), ...(older?.privateFields ?? [])];
  const b = [...(newer?.fields ?? []), ...(newer?.privateFields ?? [])];
  const added = b.filter((f) => !a.includes(f));
  const removed = a.filter((f) => !b.includes(f));
  return [
    added.length ? `fields added: ${added.join(', ')}` : '',
    removed.length ? `fields removed: ${removed.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

function moveClass(staging: Staging, def: Definition, step: Step): void {
  const context = staging.entry!;
  const cell = def.cls!;
  const impl = step.to.impl!;
  installMembers(context.tx, cell, impl, staging.Root, step.to.staticFields ?? []);
  installStaticFields(context.tx, cell, impl, step.to.meta?.stampable ? step.to.meta.length : impl.length);
  const migrationOwner = step.direction === 'down' ? step.from.impl! : impl;
  const name = step.direction === 'down' ? 'downgrade' : 'upgrade';
  const fn = hasOwn(migrationOwner, name) ? (migrationOwner as unknown as Record<string, unknown>)[name] : undefined;
  const previous = cell.version;
  cell.version = step.to;
  context.tx.onUndo(() => {
    cell.version = previous;
  });
  staging.runStep(
    context,
    {
      cell,
      target: step.to,
      stampWith: step.to.meta?.stampable ? impl : undefined,
      migrate:
        typeof fn === 'function'
          ? {
              name,
              fn,
              self: cell.stub,
              arg: step.direction === 'down' ? step.to.version : step.from.version,
            }
          : undefined,
    },
    step.from.version,
  );
}
