// Migrations over the live instances of a class and its subclasses, as one all-or-nothing step.
//
// Before an instance is touched, its own fields are copied aside; if the migration throws on any
// instance, every instance already touched gets its fields back and the error names the class,
// the version, the instance and a path to it. After success, the copies stay with the transaction
// until the entry commits, so a later failure in the same entry puts the instances back too.
// A dry run (`:check`) migrates copies of the instances instead and only counts.
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
  Object,
  String,
  getOwnPropertyDescriptors,
  getPrototypeOf,
  hasOwn,
  objectCreate,
  ownKeys,
} from '../primordials.ts';
import { $call, $push } from '../primordials-methods.ts';

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

/** Runs a step over live instances; throws MigrationError after restoring what it touched. */
export function migrateInstances(
  tx: Transaction,
  state: StampState,
  step: MigrationStep,
  instances: object[],
): void {
  const snapshots: Record<PropertyKey, unknown>[] = new Array(instances.length);
  let touched = 0;
  // Registered first, so that an entry stopped in the middle (timeout, interrupt) is undone too.
  tx.onUndo(() => {
    for (let j = touched - 1; j >= 0; j--) restoreFields(instances[j]!, snapshots[j]!);
  });
  let i = 0;
  try {
    for (; i < instances.length; i++) {
      const instance = instances[i]!;
      snapshots[i] = { ...instance };
      touched = i + 1;
      if (step.stampWith) stamp(state, step.cell, step.stampWith, instance);
      if (step.migrate) $call(step.migrate.fn, step.migrate.self, instance, step.migrate.arg);
      progress(`migrating ${step.cell.name} to v${step.target.version}`, i + 1, instances.length);
    }
  } catch (error) {
    for (let j = touched - 1; j >= 0; j--) restoreFields(instances[j]!, snapshots[j]!);
    touched = 0;
    throw failure(step, instances, i, error);
  }
}

/** `:check`: the same step on copies of the instances; counts and the first failures. */
export function dryRunInstances(
  state: StampState & { carrySource: WeakMap<object, object> },
  step: MigrationStep,
  instances: object[],
  fromVersion: number,
): MigrationReport {
  const report: MigrationReport = {
    name: step.cell.name,
    fromVersion,
    toVersion: step.target.version,
    instances: instances.length,
    migrated: 0,
    failed: 0,
    failures: [],
  };
  for (const instance of instances) {
    const copy = objectCreate(getPrototypeOf(instance), getOwnPropertyDescriptors(instance));
    state.carrySource.set(copy, instance);
    try {
      if (step.stampWith) stamp(state, step.cell, step.stampWith, copy);
      if (step.migrate) $call(step.migrate.fn, step.migrate.self, copy, step.migrate.arg);
      report.migrated++;
    } catch (error) {
      report.failed++;
      if (report.failures.length < 5) {
        $push(report.failures, { instance: describe(instance), error: errorText(error) });
      }
    }
  }
  return report;
}

/** Puts an instance's own enumerable fields back to a snapshot taken with `{ ...instance }`. */
function restoreFields(instance: object, snapshot: Record<PropertyKey, unknown>): void {
  const target = instance as Record<PropertyKey, unknown>;
  const keys = ownKeys(instance);
  for (let k = keys.length - 1; k >= 0; k--) {
    const key = keys[k]!;
    if (!hasOwn(snapshot, key) && $call(ObjectPrototype.propertyIsEnumerable, instance, key)) {
      delete target[key];
    }
  }
  for (const key of ownKeys(snapshot)) {
    if (target[key] !== snapshot[key]) target[key] = snapshot[key];
  }
}

function failure(step: MigrationStep, instances: object[], index: number, error: unknown) {
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
    `${step.cell.name} v${step.target.version}: ${what} threw on instance ${index + 1} of ${instances.length} (${description}): ${errorText(error)}. Nothing was changed.`,
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
