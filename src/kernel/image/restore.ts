// Opening an image, on the guest side. Two steps, because compiling a source needs the session's
// TypeScript stripping and analysis: `restoreBegin` reads the snapshot and says which versions to
// compile; the session sends their scripts to `restoreFinish`, which lays out the rest of opening
// as units that `restoreRun` runs: compile every function and class version in the order it was
// first made, install the current ones, decode the heap and bind the values, run transient
// initialisers and revive hooks, restore the processes.
import { bindGlobal } from '../definitions/namespace.ts';
import type { Definition, Version } from '../definitions/namespace.ts';
import { createFunctionCell, setImpl } from '../definitions/functions.ts';
import {
  createClassCell,
  installMembers,
  installStaticFields,
  parentCell,
  stamp,
} from '../definitions/classes.ts';
import type { Staging } from '../definitions/staging.ts';
import type { ProcessTable } from '../processes/processes.ts';
import { Transaction } from '../transaction/transaction.ts';
import { decodeHeap } from './decode.ts';
import { packageFunction } from '../definitions/packages.ts';

import { isValueKind, PROCESSES_ROOT } from './saved.ts';
import type { CompileRequest, SavedImage } from './saved.ts';
import {
  safe,
  ReflectApply,
  Array,
  Error,
  Map,
  Object,
  String,
  defineProperty,
  globalObject,
  hasOwn,
  indirectEval,
  json,
  objectCreate,
} from '../primordials.ts';
import { $call, $filter, $includes, $map, $push, $sort } from '../primordials-methods.ts';

let pending: SavedImage | undefined;

/** Reads a snapshot's definitions; returns the versions the host must compile, and the history. */
export function restoreBegin(
  staging: Staging,
  payload: string,
): { compile: CompileRequest[]; history: string[] } {
  const image = json.parse(payload) as SavedImage;
  if (!image || !Array.isArray(image.definitions) || !image.heap) {
    throw new Error('the snapshot has no definitions or heap');
  }
  pending = image;
  const compile: CompileRequest[] = [];
  for (const saved of safe(image.definitions)) {
    const def: Definition = {
      name: saved.name,
      kind: saved.kind,
      once: saved.once,
      transient: saved.transient,
      current: saved.current,
      events: saved.events,
      versions: $map(saved.versions, (v) => ({ ...v })),
    };
    staging.ns.restore(def);
    for (const v of safe(def.versions)) {
      const current = v.version === def.current;
      if (v.kind === 'function' || v.kind === 'class' || (current && def.transient)) {
        $push(compile, { name: def.name, version: v.version, source: v.source });
      }
    }
  }
  return { compile, history: Array.isArray(image.history) ? image.history : [] };
}

/**
 * One piece of opening. `user` units run the image's own code (static initialisers, transient
 * initialisers, revive hooks): the host runs them under the opening bound, and one that runs over
 * is stopped, reported and skipped. Kernel units (installing, decoding the heap) are not bounded.
 */
interface RestoreUnit {
  label: string;
  user: boolean;
  run(): void;
}

let restore: { units: RestoreUnit[]; next: number; failures: string[] } | undefined;

/**
 * Lays out opening as units (compile every version in the order it was first made, install the
 * current ones, decode the heap and bind the values, transient initialisers, revive hooks,
 * processes); `restoreRun` then runs them.
 */
export function restoreFinish(
  staging: Staging,
  processes: ProcessTable,
  scripts: { name: string; version: number; script: string }[],
): 'user' | 'kernel' {
  const image = pending;
  pending = undefined;
  if (!image) throw new Error('restoreFinish without restoreBegin');
  const failures: string[] = [];
  const units: RestoreUnit[] = [];
  const versionOf = (name: string, version: number) => staging.ns.get(name)!.versions[version - 1]!;
  const ordered = $sort(
    $map(scripts, (s) => ({ ...s, record: versionOf(s.name, s.version) })),
    (a, b) => a.record.entry - b.record.entry || a.version - b.version,
  );
  const transients = $filter(ordered, (s) => staging.ns.get(s.name)!.transient);
  for (const s of safe(ordered)) {
    if ($includes(transients, s)) continue;
    $push(units, {
      label: `compiling ${s.name} v${s.version} (its static initialisers)`,
      user: true,
      run: () => compile(staging, s.name, s.record, s.script, failures),
    });
  }
  // Modules before the heap: it may hold their functions (saved as `module:export`).
  for (const s of safe(transients)) {
    if (rank(staging, s.name) !== 0) continue;
    $push(units, {
      label: `the package in ${s.name}`,
      user: true,
      run: () => compile(staging, s.name, s.record, s.script, failures),
    });
  }
  let roots = new Map<string, unknown>();
  $push(units, {
    label: 'rebuilding the heap',
    user: false,
    run: () => {
      for (const def of safe(staging.ns.all())) installCurrent(staging, def, failures);
      roots = decodeHeap(image.heap, heapHooks(staging));
      bindRoots(staging, roots);
    },
  });
  for (const s of safe(transients)) {
    if (rank(staging, s.name) === 0) continue;
    $push(units, {
      label: `the transient initialiser of ${s.name}`,
      user: true,
      run: () => compile(staging, s.name, s.record, s.script, failures),
    });
  }
  for (const def of safe(staging.ns.all())) {
    if (def.kind !== 'class') continue;
    $push(units, {
      label: `${def.name}.revive`,
      user: true,
      run: () => reviveInstances(def, failures),
    });
  }
  $push(units, {
    label: 'restoring the processes',
    user: false,
    run: () => $push(failures, ...safe(processes.restore(roots.get(PROCESSES_ROOT)))),
  });
  restore = { units, next: 0, failures };
  return units[0]!.user ? 'user' : 'kernel';
}

/**
 * Runs the units of opening, as long as they are of one kind (`user` or kernel), and says what
 * comes next. `stopped`: the host stopped the unit that was running (it ran past its bound): it is
 * reported and skipped.
 */
export function restoreRun(
  staging: Staging,
  stopped: boolean,
): { next: 'user' | 'kernel' | 'done'; failures: string[] } {
  const state = restore;
  if (!state) throw new Error('restoreRun without restoreFinish');
  if (stopped && state.next > 0) {
    staging.restoring = undefined;
    const unit = state.units[state.next - 1]!;
    $push(state.failures, `${unit.label} ran past the opening bound and was stopped`);
  }
  const kind = state.units[state.next]?.user;
  while (state.next < state.units.length && state.units[state.next]!.user === kind) {
    const unit = state.units[state.next++]!;
    unit.run();
  }
  const following = state.units[state.next];
  if (!following) {
    restore = undefined;
    return { next: 'done', failures: state.failures };
  }
  return { next: following.user ? 'user' : 'kernel', failures: [] };
}

function heapHooks(staging: Staging) {
  return {
    definition: (name: string) => {
      const held = packageFunction((n) => staging.ns.get(n), name);
      if (held) return held;
      const def = staging.ns.get(name);
      const stub = def?.fn?.stub ?? def?.cls?.stub;
      if (!stub) throw new Error(`the heap refers to a definition ${name} that the image lacks`);
      return stub;
    },
    createInstance: (className: string) => {
      const cell = staging.ns.get(className)?.cls;
      if (!cell)
        throw new Error(`the heap holds an instance of ${className}, which is not a class`);
      const instance = objectCreate(cell.stub.prototype as object);
      cell.registry.add(instance);
      return instance;
    },
    restorePrivates: (obj: object, className: string, values: Record<string, unknown>) =>
      restorePrivates(staging, obj, className, values),
  };
}

/** Binds the decoded values: definitions' values on the global object, classes' static fields. */
function bindRoots(staging: Staging, roots: Map<string, unknown>): void {
  const tx = new Transaction(0);
  for (const def of safe(staging.ns.all())) {
    if (!roots.has(def.name)) continue;
    const value = roots.get(def.name);
    if (def.kind === 'class' && def.cls) {
      for (const pair of safe(Object.entries(value as Record<string, unknown>))) {
        const key = pair[0];
        const field = pair[1];
        defineProperty(def.cls.stub, key, {
          value: field,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      }
    } else if (isValueKind(def.kind)) {
      bindGlobal(tx, def.name, value, bindingOf(def));
    }
  }
  tx.commit();
}

function compile(
  staging: Staging,
  name: string,
  version: Version,
  script: string,
  failures: string[],
): void {
  staging.restoring = { name, version };
  try {
    ReflectApply(indirectEval(script) as Function, globalObject, [staging, version.entry]);
  } catch (error) {
    $push(failures, `${name} v${version.version} did not compile: ${String(error)}`);
  } finally {
    staging.restoring = undefined;
  }
}

/** Modules (0) open before the heap and every other transient (1). */
function rank(staging: Staging, name: string): number {
  return staging.ns.get(name)!.kind === 'module' ? 0 : 1;
}

function bindingOf(def: Definition): string {
  const binding = def.versions[def.current - 1]?.binding ?? 'let';
  return binding === 'function' ? 'var' : binding;
}

function installCurrent(staging: Staging, def: Definition, failures: string[]): void {
  const version = def.versions[def.current - 1];
  if (!version || (def.kind !== 'function' && def.kind !== 'class')) return;
  if (!version.impl) {
    $push(failures, `${def.name} v${version.version} is missing: its source did not compile`);
    return;
  }
  const tx = new Transaction(0);
  if (def.kind === 'function') {
    def.fn ??= createFunctionCell(def.name, version.impl);
    setImpl(def.fn, version.impl);
    bindGlobal(tx, def.name, def.fn.stub, bindingOf(def));
  } else {
    def.cls ??= createClassCell(def.name, staging);
    const cell = def.cls;
    installMembers(tx, cell, version.impl, staging.Root, version.staticFields ?? []);
    const meta = version.meta;
    installStaticFields(tx, cell, version.impl, meta?.stampable ? meta.length : undefined);
    cell.version = version;
    bindGlobal(tx, def.name, cell.stub, bindingOf(def));
  }
  tx.commit();
}

function restorePrivates(
  staging: Staging,
  obj: object,
  className: string,
  values: Record<string, unknown>,
): void {
  staging.restoredPrivates.set(obj, values);
  try {
    for (let cell = staging.ns.get(className)?.cls; cell; cell = parentCell(cell)) {
      const version = cell.version;
      if (version?.impl && version.meta?.stampable) stamp(staging, cell, version.impl, obj);
    }
  } finally {
    staging.restoredPrivates.delete(obj);
  }
}

/** `static revive(instance)`: the documented hook that rebuilds transient fields on open. */
function reviveInstances(def: Definition, failures: string[]): void {
  const cell = def.cls;
  if (!cell || !hasOwn(cell.stub, 'revive')) return;
  const revive = (cell.stub as { revive?: unknown }).revive;
  if (typeof revive !== 'function') return;
  for (const instance of safe(cell.registry.collect([]))) {
    try {
      $call(revive, cell.stub, instance);
    } catch (error) {
      $push(failures, `${def.name}.revive threw: ${String(error)}`);
      break;
    }
  }
}
