// `:export DIR` and `viv export IMAGE DIR`: the image's code as TypeScript files, one per
// definition (a class with all its members: its current source), and a manifest `vivarium.json`
// with each definition's name, kind, version and file, in an order that loads. Byte-stable: no
// times, keys sorted, one definition per manifest line, every file ending in a newline, so
// exporting twice writes the same bytes and a change to one definition changes its file and its
// manifest line only. Data is not code: live instances, `once` states, the values `let`s hold
// now, are reported as left out (`:dump EXPR FILE` writes data as JSON).
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as acorn from 'acorn';
import type { Engine } from '../engine/engine.ts';
import { analyze } from '../compile/analyze.ts';
import { CodeIoError, imageCode, isStdlib } from './image-code.ts';
import type { CodeDefinition } from './image-code.ts';
import { fileNames } from './names.ts';
import { why } from './dump.ts';
import { loadOrder } from './order.ts';
import { CODE_FILE, MANIFEST, manifestText, readManifest } from './manifest.ts';

export interface ExportReport {
  dir: string;
  /** Files of the export, in load order. */
  files: string[];
  /** Files whose bytes changed (or are new). */
  written: string[];
  /** Files of the previous export whose definitions are gone. */
  removed: string[];
  /** Data that was not exported, one phrase each (`c: a computed value`). */
  leftOut: string[];
  /** Standard library definitions left out because they are as shipped. */
  stdlib: number;
  /** npm packages, named in the manifest (`name@version`), not written out. */
  packages: string[];
}

interface Group {
  name: string;
  names: string[];
  source: string;
  defs: CodeDefinition[];
}

export async function exportCode(engine: Engine, dir: string): Promise<ExportReport> {
  const all = await imageCode(engine);
  const mine = all.filter((d) => !isStdlib(d));
  // An npm package is not code of the image's: the manifest names it (version and integrity),
  // and importing the folder installs it; its bundle is not written out.
  const own = mine.filter((d) => d.kind !== 'module');
  const packages = mine.flatMap((d) => (d.package ? [d.package] : []));
  // `let a = 1, b = 2` made two definitions of one statement: one file holds it.
  const groups = new Map<string, Group>();
  for (const def of own) {
    const group = groups.get(def.source);
    if (group) {
      group.names.push(def.name);
      group.defs.push(def);
    } else {
      groups.set(def.source, {
        name: def.name,
        names: [def.name],
        source: def.source,
        defs: [def],
      });
    }
  }
  const ordered = loadOrder([...groups.values()], (g) => g.names);
  const files = fileNames(ordered.map((g) => g.name));
  refuseNonFolder(dir);
  const previous = readManifest(dir, { missingOk: true });
  mkdirSync(dir, { recursive: true });
  const texts = new Map<string, string>();
  for (const group of ordered) texts.set(files.get(group.name)!, withNewline(group.source));
  const entries = ordered.flatMap((g) =>
    g.defs.map((d) => ({
      name: d.name,
      kind: d.kind,
      version: d.version,
      file: files.get(g.name)!,
    })),
  );
  texts.set(MANIFEST, manifestText(entries, packages));
  const kept = new Set(files.values());
  const removed = [...new Set(previous?.definitions.map((d) => d.file) ?? [])].filter(
    (file) => !kept.has(file) && CODE_FILE.test(file),
  );
  // On a case-insensitive file system (macOS, Windows) a stale `point.ts` is the same file as a
  // new `Point.ts`: it goes first, or removing it afterwards would remove the new file.
  const folded = new Set([...texts.keys()].map((file) => file.toLowerCase()));
  const clashing = removed.filter((file) => folded.has(file.toLowerCase()));
  for (const file of clashing) rmSync(join(dir, file), { force: true });
  const written = [...texts].filter(([file, text]) => readOrNone(join(dir, file)) !== text);
  writeAll(
    dir,
    written.map(([file, text]) => ({ file, text })),
  );
  for (const file of removed) {
    if (!clashing.includes(file)) rmSync(join(dir, file), { force: true });
  }
  return {
    dir,
    files: ordered.map((g) => files.get(g.name)!),
    written: written.map(([file]) => file),
    removed,
    leftOut: own.flatMap(dataOf),
    stdlib: all.length - mine.length,
    packages: packages.map((p) => `${p.name}@${p.version}`).sort(),
  };
}

export function renderExport(report: ExportReport): string {
  const lines = [
    `exported ${report.files.length} definition file${report.files.length === 1 ? '' : 's'} and ${MANIFEST} to ${report.dir} (${report.written.length} file${report.written.length === 1 ? '' : 's'} changed)`,
  ];
  if (report.removed.length)
    lines.push(`removed (no longer defined): ${report.removed.join(', ')}`);
  if (report.packages.length) {
    lines.push(
      `npm packages (named in ${MANIFEST}, installed by :import): ${report.packages.join(', ')}`,
    );
  }
  if (report.stdlib) {
    lines.push(`not exported: ${report.stdlib} standard library definitions, unchanged`);
  }
  if (report.leftOut.length) {
    lines.push(
      `left out (data, not code; :dump EXPR FILE writes data as JSON): ${report.leftOut.join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** An export goes into a folder: a file there is an error that says so (not ENOTDIR). */
function refuseNonFolder(dir: string): void {
  let at = dir;
  for (;;) {
    let stat;
    try {
      stat = statSync(at);
    } catch {
      const parent = dirname(at);
      if (parent === at) return;
      at = parent;
      continue;
    }
    if (stat.isDirectory()) return;
    throw new CodeIoError(
      at === dir
        ? `cannot export to ${dir}: it is a file, not a folder`
        : `cannot export to ${dir}: ${at} is a file, not a folder`,
    );
  }
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function readOrNone(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Writes the changed files all or none: each is written beside its place first (`.NAME.viv-new`),
 * and only when every one is written (a full disk fails here) are they renamed into place, which
 * needs no space. A failed export leaves the folder as it was, every file whole.
 */
function writeAll(dir: string, files: { file: string; text: string }[]): void {
  for (const { file } of files) {
    if (isFolder(join(dir, file))) {
      throw new CodeIoError(
        `cannot export to ${dir}: ${file} there is a folder; nothing was written`,
      );
    }
  }
  const staged: string[] = [];
  try {
    for (const { file, text } of files) {
      const temp = join(dir, `.${file}.viv-new`);
      staged.push(temp);
      writeFileSync(temp, text);
    }
  } catch (error) {
    for (const temp of staged) rmSync(temp, { force: true });
    throw new CodeIoError(
      `cannot export to ${dir}: ${why(error as NodeJS.ErrnoException)}; the folder is as it was`,
    );
  }
  files.forEach(({ file }, i) => {
    try {
      renameSync(staged[i]!, join(dir, file));
    } catch (error) {
      // A folder where a file goes (made by hand): the files before it are in, none after.
      for (const temp of staged.slice(i)) rmSync(temp, { force: true });
      throw new CodeIoError(
        `cannot export to ${dir}: cannot write ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); ${
          i
            ? `${files
                .slice(0, i)
                .map((f) => f.file)
                .join(', ')} written, `
            : ''
        }${files.length - i} file${files.length - i === 1 ? '' : 's'} not written`,
      );
    }
  });
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}

/** What of a definition is data: its declaration is exported, this is not. */
function dataOf(def: CodeDefinition): string[] {
  if (def.kind === 'class') {
    return def.instances
      ? [`${def.name}: ${def.instances} live instance${def.instances === 1 ? '' : 's'}`]
      : [];
  }
  if (def.kind === 'function' || def.imported) return [];
  if (def.once) return [`${def.name}: its once state`];
  if (def.kind === 'let' || def.kind === 'var') return [`${def.name}: the value it holds now`];
  return literalDeclaration(def.source) ? [] : [`${def.name}: a computed value`];
}

/** `const x = 5`, `const names = ['a', 'b']`: the source is the value. */
function literalDeclaration(source: string): boolean {
  try {
    const statement = analyze(source).program.body[0];
    if (statement?.type !== 'VariableDeclaration') return false;
    return statement.declarations.every((d) => !d.init || isLiteral(d.init));
  } catch {
    return false;
  }
}

function isLiteral(node: acorn.Expression | acorn.SpreadElement | null): boolean {
  if (!node) return true;
  switch (node.type) {
    case 'Literal':
      return true;
    case 'TemplateLiteral':
      return node.expressions.length === 0;
    case 'UnaryExpression':
      return node.operator === '-' && isLiteral(node.argument);
    case 'ArrayExpression':
      return node.elements.every((e) => e === null || isLiteral(e));
    case 'ObjectExpression':
      return node.properties.every(
        (p) =>
          p.type === 'Property' &&
          !p.computed &&
          p.kind === 'init' &&
          isLiteral(p.value as acorn.Expression),
      );
    default:
      return false;
  }
}
