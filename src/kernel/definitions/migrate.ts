// Migrations over the live instances of a class and its subclasses, as one all-or-nothing step.
//
// Every instance's exact state (own descriptors, prototype, extensibility) is captured first, and
// the migration runs on the instances themselves, so that identity holds inside it. The changes a
// restore could not take back (freezing, sealing, non-configurable properties) are deferred to the
// entry's commit (integrity.ts). If the migration throws on any instance, or the entry fails later,
// every instance is put back from its captured state with defineProperty and deleteProperty, which
// run no user setter; the error names the class, the version, the instance and a path to it.
// `:check` runs the entry for real in a scratch guest (session/engine/scratch.ts); there a step
// counts every instance that would migrate or fail before failing as the real step would.
import { progress } from '../progress.ts';
import type { MigrationReport } from '../../shared/types.ts';
import { stamp } from './classes.ts';
import type { ClassCell, StampState } from './classes.ts';
import type { Version } from './namespace.ts';
import { describe, findPath } from '../inspect/describe.ts';
import type { Transaction } from '../transaction/transaction.ts';
import {
  ObjectPrototype,
  Array,
  Error,
  Map,
  WeakMap,
  Object,
  String,
  getOwnPropertyDescriptors,
  getPrototypeOf,
  hasOwn,
  objectCreate,
  ownKeys,
} from '../primordials.ts';
import { $call, $join, $map, $push, $slice, $unshift } from '../primordials-methods.ts';
import { addedKeys, capture, newCaptured, restore } from './instance-state.ts';
import type { Captured } from './instance-state.ts';
import { commitIntegrity, deferIntegrity } from './integrity.ts';
import type { DeferredChanges } from './integrity.ts';

export class MigrationError extends Error {
  override name = 'MigrationError';
  definition: string;
  version: number;
  instance: string;

  constructor(definition: string, version: number, instance: string, message: string) {
    super(message);
    this.definition = definition;
    this.version = version;
    this.instance = instance;
  }
}

/** One step of a migration: optional stamping of private fields, then a user migration. */
export interface MigrationStep {
  cell: ClassCell;
  /** The version being installed (named in errors). */
  target: Version;
  /** Stamp the target's private fields on each instance first. */
  stampWith?: Function;
  /** `upgrade(instance, from)` or `downgrade(instance, to)`, and its second argument. */
  migrate?: { name: 'upgrade' | 'downgrade'; fn: Function; self: Function; arg: number };
}

export function needsInstances(step: MigrationStep): boolean {
  return !!(step.stampWith || step.migrate);
}

const deferredByTx = new WeakMap<Transaction, DeferredChanges>();

/** The changes migrations deferred in this transaction; applied when it commits. */
function deferredChanges(tx: Transaction): DeferredChanges {
  let changes = deferredByTx.get(tx);
  if (!changes) {
    const created: DeferredChanges = { current: undefined, family: undefined, deferred: new Map() };
    deferredByTx.set(tx, created);
    tx.onCommit(() => commitIntegrity(created));
    changes = created;
  }
  return changes;
}

/**
 * Runs a step over live instances; throws MigrationError after restoring every instance. With
 * `report` (`:check`, in a scratch guest), a failing instance is counted and the others still run,
 * then the step fails as the real one would, on the first failure.
 */
export function migrateInstances(
  tx: Transaction,
  state: StampState,
  step: MigrationStep,
  instances: object[],
  report?: MigrationReport,
): void {
  const saved = newCaptured();
  const changes = deferredChanges(tx);
  let touched = 0;
  const restore = () => {
    const lost = restoreAll(instances, saved, touched);
    touched = 0;
    return lost;
  };
  const added =
    step.migrate?.name === 'upgrade' ? $slice(step.target.upgradeAdded ?? [], 0) : undefined;
  const undefer = deferIntegrity(changes);
  // Registered first, so that an entry stopped in the middle (timeout, interrupt) is undone too.
  tx.onUndo(restore);
  tx.onUndo(undefer);
  // Captured before any runs: a migration may change other instances than its own.
  for (; touched < instances.length; touched++) capture(saved, touched, instances[touched]!);
  changes.family = step.cell.stub.prototype as object;
  let i = 0;
  let first: { index: number; error: unknown } | undefined;
  // Built once: the loop may run a million times.
  const doing = `migrating ${step.cell.name} to v${step.target.version}`;
  try {
    for (; i < instances.length; i++) {
      const instance = instances[i]!;
      changes.current = instance;
      if (report) {
        const error = counted(report, state, step, instance);
        if (error && !first) first = error;
        continue;
      }
      migrateOne(state, step, instance);
      if (added) addedKeys(saved, i, instance, added);
      progress(doing, i + 1, instances.length);
    }
  } catch (error) {
    undefer();
    throw failure(step, instances, i, error, restore());
  } finally {
    changes.current = undefined;
    changes.family = undefined;
    undefer();
  }
  if (first) throw failure(step, instances, first.index, first.error, restore());
  if (added) recordAdded(tx, step.target, added);
}

/** One instance of a `:check` step: counted as migrated or failed; answers the failure. */
function counted(
  report: MigrationReport,
  state: StampState,
  step: MigrationStep,
  instance: object,
) {
  try {
    migrateOne(state, step, instance);
    report.migrated++;
    return undefined;
  } catch (error) {
    report.failed++;
    if (report.failures.length < 5) {
      $push(report.failures, { instance: describe(instance), error: errorText(error) });
    }
    return { index: report.migrated + report.failed - 1, error };
  }
}

/** Remembers what the version's upgrade added (undone with the entry). */
function recordAdded(tx: Transaction, version: Version, added: string[]): void {
  const previous = version.upgradeAdded;
  if (added.length === (previous?.length ?? 0)) return;
  version.upgradeAdded = added;
  tx.onUndo(() => {
    version.upgradeAdded = previous;
  });
}

/** Puts every instance back; answers the indexes of those that could not be. */
function restoreAll(instances: object[], saved: Captured, count: number): number[] {
  const lost: number[] = [];
  for (let j = count - 1; j >= 0; j--) {
    if (!restore(saved, j, instances[j]!)) $unshift(lost, j);
  }
  return lost;
}

function migrateOne(state: StampState, step: MigrationStep, target: object): void {
  if (step.stampWith) stamp(state, step.cell, step.stampWith, target);
  if (step.migrate) $call(step.migrate.fn, step.migrate.self, target, step.migrate.arg);
}

/** An empty report of a `:check` step. */
export function newReport(
  step: MigrationStep,
  instances: number,
  fromVersion: number,
): MigrationReport {
  return {
    name: step.cell.name,
    fromVersion,
    toVersion: step.target.version,
    instances,
    migrated: 0,
    failed: 0,
    failures: [],
  };
}

function failure(
  step: MigrationStep,
  instances: object[],
  index: number,
  error: unknown,
  lost: number[],
) {
  const instance = instances[index]!;
  const what = step.migrate
    ? `static ${step.migrate.name}(instance, ${step.migrate.arg})`
    : 'carrying private fields';
  const path = findPath(instance);
  const description = describe(instance) + (path ? ` at ${path}` : '');
  return new MigrationError(
    step.cell.name,
    step.target.version,
    description,
    `${step.cell.name} v${step.target.version}: ${what} threw on instance ${index + 1} of ${instances.length} (${description}): ${errorText(error)}. ${restored(instances, lost)}`,
  );
}

/** The truth about the instances after a failed step. */
function restored(instances: object[], lost: number[]): string {
  if (lost.length === 0) return 'Nothing was changed.';
  const which = $join(
    $map($slice(lost, 0, 3), (j) => `instance ${j + 1} (${describe(instances[j]!)})`),
    ', ',
  );
  return (
    `Every instance was put back except ${lost.length}: ${which}${lost.length > 3 ? ', ...' : ''}, ` +
    'which the migration froze, sealed or locked in a way the kernel could not defer ' +
    '(a function captured before the entry, or a Proxy); it keeps what the migration did to it.'
  );
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return 'a value that cannot be shown';
  }
}
