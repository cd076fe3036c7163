// Saving an image, on the guest side: the definitions with their whole history (sources as typed)
// plus the heap reachable from them, encoded by encode.ts.
import { readGlobal } from '../definitions/namespace.ts';
import type { Definition } from '../definitions/namespace.ts';
import { cellOfPrototype, definitionNameOf, parentCell } from '../definitions/classes.ts';
import type { ClassCell } from '../definitions/classes.ts';
import type { Staging } from '../definitions/staging.ts';
import type { ProcessTable } from '../processes/processes.ts';
import { encodeHeap } from './encode.ts';
import type { EncodedHeap } from './encode.ts';
import { SnapshotError } from './errors.ts';
import { packageFunctionName } from '../definitions/packages.ts';

import { isValueKind, PROCESSES_ROOT } from './saved.ts';
import type { SavedDefinition, SavedImage } from './saved.ts';
import { safe, Array, Object, getPrototypeOf, hasOwn, json, objectCreate } from '../primordials.ts';
import { $exec, $filter, $map, $push, $slice, $toUpperCase } from '../primordials-methods.ts';

/** The whole image as JSON text; throws SnapshotError (with a path) for a value it cannot save. */
export function snapshot(
  staging: Staging,
  processes: ProcessTable,
  history: string[] = [],
): string {
  const defs = staging.ns.all();
  const roots: [string, unknown][] = [];
  for (const def of safe(defs)) {
    refuseReassigned(def);
    if (isValueKind(def.kind) && !def.transient) $push(roots, [def.name, readGlobal(def.name)]);
    if (def.kind === 'class' && def.cls) $push(roots, [def.name, staticFieldValues(def.cls)]);
  }
  $push(roots, [PROCESSES_ROOT, processes.saved()]);
  const modules = $filter(defs, (d) => d.kind === 'module');
  let heap: EncodedHeap;
  try {
    heap = encodeHeap(roots, {
      definitionName: (f) => definitionNameOf(f) ?? packageFunctionName(modules, f),
      classOf: (obj) => cellOfPrototype(getPrototypeOf(obj))?.name,
      privateFields: (obj) => privateFieldValues(staging, obj),
      transientKeys: (obj) => transientKeys(cellOfPrototype(getPrototypeOf(obj))),
      isTransient: () => false,
    });
  } catch (error) {
    throw processFunctionError(error) ?? error;
  }
  const image: SavedImage = { definitions: $map(defs, saveDefinition), heap, history };
  return json.stringify(image);
}

/**
 * A function or class definition is saved by its source; a later plain assignment to its name
 * (`handler = () => 'two'`) would be lost on reopen, so it is refused, saying what to do instead.
 */
function refuseReassigned(def: Definition): void {
  const stub =
    def.kind === 'function' ? def.fn?.stub : def.kind === 'class' ? def.cls?.stub : undefined;
  if (stub === undefined) return;
  const value = readGlobal(def.name);
  if (value === stub) return;
  const kind = def.kind === 'class' ? 'class' : 'function';
  throw new SnapshotError(
    def.name,
    `cannot save ${def.name}: it was assigned a new value after its ${kind} definition, and a definition is saved by its source (reopening would bring the old one back). ` +
      `Declare the new value instead (let ${def.name} = ..., or ${kind} ${def.name} ...): that makes it a new version of the definition`,
  );
}

/** A process's step, init or view that is not a top-level definition: say which and what to do. */
function processFunctionError(error: unknown): SnapshotError | undefined {
  if (!(error instanceof SnapshotError)) return undefined;
  const match = $exec(/^\(processes\)\.processes\.(\w+)\.spec\.(step|init|view)$/, error.path);
  if (!match) return undefined;
  const name = match[1];
  const key = match[2];
  return new SnapshotError(
    error.path,
    `cannot save process ${name}: its ${key} is an inline function, and only top-level definitions are saved. ` +
      `Define it at top level (function ${name}${$toUpperCase(key![0])}${$slice(key, 1)}(...) { ... }) and spawn with that` +
      (key === 'init' ? ', or give plain initial data as state: { ... }' : ''),
  );
}

function saveDefinition(def: Definition): SavedDefinition {
  return {
    name: def.name,
    kind: def.kind,
    once: def.once,
    transient: def.transient,
    current: def.current,
    events: def.events,
    versions: $map(def.versions, (v) => ({
      version: v.version,
      kind: v.kind,
      binding: v.binding,
      source: v.source,
      time: v.time,
      entry: v.entry,
      parent: v.parent,
      meta: v.meta,
      upgradeAdded: v.upgradeAdded,
      staticFields:
        v.staticFields === undefined
          ? undefined
          : $filter(v.staticFields, (k): k is string => typeof k === 'string'),
      transient: v.transient,
      package: v.package,
      imports: v.imports,
    })),
  };
}

function staticFieldValues(cell: ClassCell): Record<string, unknown> {
  const out: Record<string, unknown> = objectCreate(null);
  for (const key of safe(cell.staticFieldKeys)) {
    if (typeof key === 'string' && hasOwn(cell.stub, key)) {
      out[key] = (cell.stub as unknown as Record<string, unknown>)[key];
    }
  }
  return out;
}

/** Private fields of an instance, per class of its chain: `Account#balance` -> value. */
function privateFieldValues(staging: Staging, obj: object): Record<string, unknown> | undefined {
  const fields = staging.privateFieldsOf(obj);
  if (fields.length === 0) return undefined;
  return Object.fromEntries(safe($map(fields, (f) => [f.cell.name + f.name, f.value])));
}

/** `static transient = ['cache']` on a class (or a base class): fields the snapshot skips. */
function transientKeys(cell: ClassCell | undefined): readonly string[] | undefined {
  const keys: string[] = [];
  for (let c = cell; c; c = parentCell(c)) {
    const own = hasOwn(c.stub, 'transient')
      ? (c.stub as { transient?: unknown }).transient
      : undefined;
    if (Array.isArray(own))
      $push(keys, ...safe($filter(own, (k): k is string => typeof k === 'string')));
  }
  return keys.length ? keys : undefined;
}
