// `:import PATH` and `viv import IMAGE PATH`: a file, or a folder (in its manifest's load order, then
// its other .ts/.js files by name; without a manifest, its .ts/.js files by name; a file that needs
// another while it loads after that one), applied as ONE
// entry: one transaction, migrations included; a failure changes nothing and names the file and
// line. A declaration whose text is the definition's current source is left out (blanked, so lines
// stay where they are): submitting it again would make a new version of the same code. Import never
// removes a definition: one whose file is gone is kept, and the result says so.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import type { Result } from '../result.ts';
import { analyze } from '../compile/analyze.ts';
import { EntrySyntaxError } from '../compile/source-error.ts';
import { IncompleteEntry } from '../compile/strip.ts';
import { CodeIoError, imageCode, isStdlib } from './image-code.ts';
import { MANIFEST, readManifest } from './manifest.ts';
import type { Manifest } from './manifest.ts';
import { evaluateFiles, fileFailure, readCode, tooMuchCode } from './files.ts';
import type { SourceFile } from './files.ts';
import { loadOrder } from './order.ts';

const CODE = /\.(ts|js|mts|mjs)$/;

export async function importCode(engine: Engine, path: string): Promise<Result> {
  let files: SourceFile[];
  let manifest: Manifest | undefined;
  const notes: string[] = [];
  try {
    ({ files, manifest } = readSources(path, notes));
  } catch (error) {
    return failure(error);
  }
  // Too much code is refused before a file is parsed (a folder of two 4.5 MiB files was parsed
  // whole, ~0.4 s and the memory of it, to be refused after) and before a package is installed.
  const tooMuch = tooMuchCode(files);
  if (tooMuch) return tooMuch;
  // The packages the manifest names come first, each installed (one transaction each) unless the
  // image has it at that version already: the files' imports then find them.
  const before = await imageCode(engine);
  for (const wanted of manifest?.packages ?? []) {
    const have = before.some(
      (d) => d.package?.name === wanted.name && d.package.version === wanted.version,
    );
    if (have) continue;
    const installed = await engine.install(`${wanted.name}@${wanted.version}`);
    if (!installed.ok) return installed;
    notes.push(`installed ${wanted.name}@${wanted.version} (named in ${MANIFEST})`);
  }
  const image = manifest?.packages?.length ? await imageCode(engine) : before;
  const current = new Map(image.map((d) => [d.name, d.source]));
  const definedIn = new Map<string, string>();
  const changed: string[] = [];
  const unchanged: string[] = [];
  const applied: SourceFile[] = [];
  for (const file of files) {
    let blanked: string;
    try {
      blanked = withoutUnchanged(file, current, definedIn, changed, unchanged);
    } catch (error) {
      return failure(error, file.name, file.text);
    }
    applied.push({ name: file.name, text: blanked });
  }
  // Files that need others while they load come after those (a file added by hand, read in name
  // order, may need one that sorts later); otherwise the manifest's order stays.
  const namesOf = (file: SourceFile) =>
    [...definedIn].filter(([, f]) => f === file.name).map(([name]) => name);
  const original = new Map(files.map((f) => [f.name, f.text]));
  const ordered = loadOrder(
    applied.map((f) => ({ ...f, source: original.get(f.name)! })),
    namesOf,
  ).map(({ name, text }) => ({ name, text }));
  if (statSync(path).isDirectory()) {
    const gone = image
      .filter((d) => !definedIn.has(d.name) && !isStdlib(d) && d.kind !== 'module')
      .map((d) => d.name);
    if (gone.length) {
      notes.push(`kept (not in ${path}; import never removes a definition): ${gone.join(', ')}`);
    }
  }
  const summary = (defined: string) =>
    [
      `imported ${path}: ${defined}${unchanged.length ? `; ${unchanged.length} unchanged` : ''}`,
      ...notes,
    ].join('\n');
  if (ordered.every((f) => f.text.trim() === '')) {
    return { ok: true, value: summary('nothing changed'), printed: [] };
  }
  const result = await evaluateFiles(engine, ordered, (name) => definedIn.get(name));
  if (!result.ok) return result;
  const defined = result.defined?.length
    ? result.defined.map((d) => `${d.name} v${d.version}`).join(', ')
    : 'no definitions changed';
  return { ...result, value: summary(defined) };
}

/** The files of PATH in the order they apply, and the folder's manifest if it has one. */
function readSources(
  path: string,
  notes: string[],
): { files: SourceFile[]; manifest?: Manifest | undefined } {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw new CodeIoError(
      `cannot read ${path}: ${fileFailure(error, { ENOENT: 'no such file or folder' })}`,
    );
  }
  if (!stat.isDirectory()) return { files: [{ name: path, text: readCode(path) }] };
  const present = readdirSync(path)
    .filter((f) => CODE.test(f) && isCodeFile(join(path, f)))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const manifest = readManifest(path, { missingOk: true });
  const ordered: string[] = [];
  for (const { file, name } of manifest?.definitions ?? []) {
    if (ordered.includes(file)) continue;
    if (!present.includes(file)) {
      notes.push(
        `${file} (${name}) is listed in ${MANIFEST} but missing: ${name} is kept as it is`,
      );
      continue;
    }
    ordered.push(file);
  }
  for (const file of present) if (!ordered.includes(file)) ordered.push(file);
  const files = ordered.map((file) => ({
    name: join(path, file),
    text: readCode(join(path, file)),
  }));
  return { files, manifest };
}

/**
 * Whether a folder's entry is a file to read (a folder or a device named `x.ts` is not); one that
 * cannot be looked at (a symbolic link to nothing, or in a loop) is an error naming it, rather than
 * a file of the import silently left out.
 */
function isCodeFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch (error) {
    const why = fileFailure(error, {
      ENOENT: 'a symbolic link to nothing',
      ELOOP: 'a symbolic link in a loop',
    });
    throw new CodeIoError(`cannot import ${file}: ${why}`);
  }
}

/**
 * The file's text with every declaration blanked whose names all have this very source now
 * (spaces, newlines kept: positions stay where they are for errors).
 */
function withoutUnchanged(
  file: SourceFile,
  current: Map<string, string>,
  definedIn: Map<string, string>,
  changed: string[],
  unchanged: string[],
): string {
  const analysis = analyze(file.text);
  // Each statement's declarations, found by its text (once: a file may hold thousands).
  const bySource = new Map<string, typeof analysis.declarations>();
  for (const d of analysis.declarations) {
    const list = bySource.get(d.source);
    if (list) list.push(d);
    else bySource.set(d.source, [d]);
  }
  const pieces: string[] = [];
  let at = 0;
  for (const statement of analysis.program.body) {
    const declared =
      bySource.get(analysis.positions.sourceSlice(statement.start, statement.end)) ?? [];
    if (declared.length === 0) continue;
    for (const d of declared) {
      const other = definedIn.get(d.name);
      if (other !== undefined && other !== file.name) {
        throw new CodeIoError(
          `${d.name} is declared in ${other} and again in ${file.name}: which one to keep? Remove one of them`,
        );
      }
      definedIn.set(d.name, file.name);
    }
    const same = declared.every((d) => current.get(d.name) === d.source);
    (same ? unchanged : changed).push(...declared.map((d) => d.name));
    if (!same) continue;
    const from = analysis.positions.toSource(statement.start);
    const to = from + declared[0]!.source.length;
    pieces.push(file.text.slice(at, from), file.text.slice(from, to).replace(/[^\n]/g, ' '));
    at = to;
  }
  pieces.push(file.text.slice(at));
  return pieces.join('');
}

function failure(error: unknown, file?: string, text?: string): Result {
  if (error instanceof EntrySyntaxError && file) {
    return {
      ok: false,
      error: {
        name: 'SyntaxError',
        message: `${file}:${error.line}:${error.column}: ${error.message.replace(/ \(\d+:\d+\)$/, '')}`,
        file,
        line: error.line,
        column: error.column,
        sourceLine: error.sourceLine,
      },
      printed: [],
    };
  }
  if (error instanceof IncompleteEntry && file) {
    const lastLine = (text ?? '').trimEnd().split('\n').length;
    return {
      ok: false,
      error: {
        name: 'SyntaxError',
        message: `${file}:${lastLine}: incomplete at the end of the file: ${error.message}`,
        file,
        line: lastLine,
      },
      printed: [],
    };
  }
  // A file system's refusal (a folder it may not read, an I/O error) is the import's error too,
  // as for :export: the session goes on.
  if (error instanceof CodeIoError || typeof (error as NodeJS.ErrnoException)?.code === 'string') {
    return {
      ok: false,
      error: { name: 'ImportError', message: (error as Error).message },
      printed: [],
    };
  }
  throw error;
}
