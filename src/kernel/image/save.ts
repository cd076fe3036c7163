// Saving an image, on the guest side: the definitions with their whole history (sources as typed)
// plus the heap reachable from them, encoded by encode.ts.
import { getPrototypeOf, hasOwn, json, objectCreate } from '../intrinsics.ts';
import { readGlobal } from '../definitions/namespace.ts';
import type { Definition } from '../definitions/namespace.ts';
import { cellOfPrototype, definitionNameOf, parentCell } from '../definitions/classes.ts';
import type { ClassCell } from '../definitions/classes.ts';
import type { Staging } from '../definitions/staging.ts';
import type { ProcessTable } from '../processes/processes.ts';
import { encodeHeap } from './encode.ts';
import type { EncodedHeap } from './encode.ts';
import { SnapshotError } from './errors.ts';

import { isValueKind, PROCESSES_ROOT } from './saved.ts';
import type { SavedDefinition, SavedImage } from './saved.ts';

/** The whole image as JSON text; throws SnapshotError (with a path) for a value it cannot save. */
export function snapshot(
  staging: Staging,
  processes: ProcessTable,
  history: string[] = [],
): string {
  const defs = staging.ns.all();
  const roots: [string, unknown][] = [];
  for (const def of defs) {
    if (isValueKind(def.kind) && !def.transient) roots.push([def.name, readGlobal(def.name)]);
    if (def.kind === 'class' && def.cls) roots.push([def.name, staticFieldValues(def.cls)]);
  }
  roots.push([PROCESSES_ROOT, processes.saved()]);
  let heap: EncodedHeap;
  try {
    heap = encodeHeap(roots, {
      definitionName: definitionNameOf,
      classOf: (obj) => cellOfPrototype(getPrototypeOf(obj))?.name,
      privateFields: (obj) => privateFieldValues(staging, obj),
      transientKeys: (obj) => transientKeys(cellOfPrototype(getPrototypeOf(obj))),
      isTransient: () => false,
    });
  } catch (error) {
    throw processFunctionError(error) ?? error;
  }
  const image: SavedImage = { definitions: defs.map(saveDefinition), heap, history };
  return json.stringify(image);
}

/** A process's step, init or view that is not a top-level definition: say which and what to do. */
function processFunctionError(error: unknown): SnapshotError | undefined {
  if (!(error instanceof SnapshotError)) return undefined;
  const match = /^\(processes\)\.processes\.(\w+)\.spec\.(step|init|view)$/.exec(error.path);
  if (!match) return undefined;
  const [, name, key] = match;
  return new SnapshotError(
    error.path,
    `cannot save process ${name}: its ${key} is an inline function, and only top-level definitions are saved. ` +
      `Define it at top level (function ${name}${key![0]!.toUpperCase()}${key!.slice(1)}(...) { ... }) and spawn with that` +
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
    versions: def.versions.map((v) => ({
      version: v.version,
      kind: v.kind,
      binding: v.binding,
      source: v.source,
      time: v.time,
      entry: v.entry,
      parent: v.parent,
      meta: v.meta,
      upgradeAdded: v.upgradeAdded,
      staticFields: v.staticFields?.filter((k): k is string => typeof k === 'string'),
      transient: v.transient,
    })),
  };
}

function staticFieldValues(cell: ClassCell): Record<string, unknown> {
  const out: Record<string, unknown> = objectCreate(null);
  for (const key of cell.staticFieldKeys) {
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
  return Object.fromEntries(fields.map((f) => [f.cell.name + f.name, f.value]));
}

/** `static transient = ['cache']` on a class (or a base class): fields the snapshot skips. */
function transientKeys(cell: ClassCell | undefined): readonly string[] | undefined {
  const keys: string[] = [];
  for (let c = cell; c; c = parentCell(c)) {
    const own = hasOwn(c.stub, 'transient')
      ? (c.stub as { transient?: unknown }).transient
      : undefined;
    if (Array.isArray(own)) keys.push(...own.filter((k): k is string => typeof k === 'string'));
  }
  return keys.length ? keys : undefined;
}
