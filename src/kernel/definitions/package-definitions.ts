// The staging calls of npm packages: a `module` definition (a package's namespace, from its bundle)
// and the names an `import` binds to its exports. Split from staging.ts; `Staging` hands these the
// few parts of itself they need (`PackageHost`).
import type { Definition, Namespace, Version } from './namespace.ts';
import { bindGlobal } from './namespace.ts';
import { evaluatePackage, exportedFunctions, exportOf, installedExports } from './packages.ts';
import { Transaction } from '../transaction/transaction.ts';
import { safe } from '../primordials.ts';
import { $filter, $map } from '../primordials-methods.ts';

export interface PackageHost {
  readonly ns: Namespace;
  /** Opening a saved image: the version being compiled again (see Staging.restoring). */
  readonly restoring: { name: string; version: Version } | undefined;
  /** The current entry's transaction (throws outside an entry). */
  tx(): Transaction;
  /** The declaration's source as typed in the current entry. */
  source(name: string): string;
  /** Reports the definition as made by the current entry. */
  record(def: Definition): void;
}

/**
 * `const lodash_es = $package(name, version, integrity, code)` (written by `:install` and by an
 * entry's `import`): a module definition holding the namespace that `code`, the package's bundle,
 * yields. A new version (another package version) re-binds every name imported from it in the
 * same transaction; an export that the new version lacks fails the transaction first.
 */
export function defineModule(
  host: PackageHost,
  name: string,
  pkg: string,
  version: string,
  integrity: string,
  code: string,
  binding: 'const' | 'let' | 'var',
): void {
  const restoring = host.restoring;
  if (restoring && restoring.name !== name) return;
  const exports = evaluatePackage(code, pkg);
  const exportFns = exportedFunctions(exports);
  if (restoring) {
    const def = host.ns.get(name)!;
    def.exports = exports;
    def.exportFns = exportFns;
    bindGlobal(new Transaction(0), name, exports, binding);
    return;
  }
  const tx = host.tx();
  const importers = $filter(
    host.ns.all(),
    (d) => d.versions[d.current - 1]?.imports?.module === name,
  );
  const values = $map(importers, (d) =>
    exportOf(exports, d.versions[d.current - 1]!.imports!, d.name, version),
  );
  const def = host.ns.ensure(tx, name, 'module');
  // Functions of earlier versions still held somewhere are saved by the same export name (and
  // reopen as the current version's), as long as the new version still exports a function so.
  const earlier = def.exportFns ? [...safe(def.exportFns.entries())] : [];
  for (const pair of safe(earlier)) {
    if (!exportFns.has(pair[0]) && typeof exports[pair[1]] === 'function') {
      exportFns.set(pair[0], pair[1]);
    }
  }
  const previous = { exports: def.exports, exportFns: def.exportFns };
  def.exports = exports;
  def.exportFns = exportFns;
  tx.onUndo(() => {
    def.exports = previous.exports;
    def.exportFns = previous.exportFns;
  });
  host.ns.addVersion(tx, def, {
    kind: 'module',
    binding,
    source: host.source(name),
    transient: true,
    package: { name: pkg, version, integrity },
  });
  def.once = false;
  bindGlobal(tx, name, exports, binding);
  host.record(def);
  for (let i = 0; i < importers.length; i++) bindGlobal(tx, importers[i]!.name, values[i], 'const');
}

/** `import { x as name } from 'pkg'`: `name` bound to the export of the module definition. */
export function defineImported(
  host: PackageHost,
  name: string,
  module: string,
  pkg: string,
  exported: string,
): void {
  if (host.restoring && host.restoring.name !== name) return;
  const imports = { module, package: pkg, export: exported };
  const value = exportOf(installedExports(host.ns.get(module), imports), imports, name);
  if (host.restoring) {
    bindGlobal(new Transaction(0), name, value, 'const');
    return;
  }
  const tx = host.tx();
  const def = host.ns.ensure(tx, name, 'const');
  host.ns.addVersion(tx, def, {
    kind: 'const',
    binding: 'const',
    source: host.source(name),
    transient: true,
    imports,
  });
  def.once = false;
  bindGlobal(tx, name, value, 'const');
  host.record(def);
}
