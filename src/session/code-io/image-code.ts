// The image's code as export and import see it: each definition's current source as typed, in the
// order the definitions were made, without the standard library's own (every new image has those).
import type { DefKind, PackageInfo } from '../../shared/types.ts';
import type { Engine } from '../engine/engine.ts';
import { ask } from '../commands/queries.ts';
import { analyze } from '../compile/analyze.ts';
import { stdlibEntries } from '../stdlib.ts';

export interface CodeDefinition {
  name: string;
  kind: DefKind;
  version: number;
  source: string;
  once: boolean;
  instances: number;
  /** A module: the npm package it is (exported in the manifest, not as a file). */
  package?: PackageInfo;
  /** Bound by an `import` declaration (its source is that declaration: code, not data). */
  imported: boolean;
}

export class CodeIoError extends Error {
  override name = 'CodeIoError';
}

/** Every definition with its current source, oldest first. */
export async function imageCode(engine: Engine): Promise<CodeDefinition[]> {
  const defs = await ask(engine, { op: 'defs' });
  if (!defs.ok) throw new CodeIoError(defs.error.message);
  const out: CodeDefinition[] = [];
  for (const def of defs.defs) {
    const info = await ask(engine, { op: 'history', name: def.name });
    if (!info.ok) throw new CodeIoError(info.error.message);
    const current = info.versions[info.current - 1];
    if (!current) continue;
    out.push({
      name: def.name,
      kind: def.kind,
      version: info.current,
      source: current.source,
      once: !!def.once,
      instances: def.instances ?? 0,
      imported: !!def.imports,
      ...(def.package ? { package: def.package } : {}),
    });
  }
  return out;
}

let stdlib: Map<string, string> | undefined;

/** The standard library's definitions as shipped: name to source. */
export function stdlibSources(): Map<string, string> {
  if (stdlib) return stdlib;
  stdlib = new Map();
  for (const { source } of stdlibEntries()) {
    for (const d of analyze(source).declarations) stdlib.set(d.name, d.source);
  }
  return stdlib;
}

/** A definition as the standard library made it (not the person's code). */
export function isStdlib(def: { name: string; source: string }): boolean {
  return stdlibSources().get(def.name) === def.source;
}
