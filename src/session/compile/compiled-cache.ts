// Opening an image compiles the source of every function and class version again (the guest keeps
// sources, not scripts). Doing it at every start cost ~70 ms of CPU, and loading Node's type
// stripper (a WebAssembly module) for it ~150 ms more, before the REPL could be drawn (issue 12).
// The compiled scripts are kept on disk, keyed by the source, its name and a fingerprint of the
// compiler (its own files, the versions of acorn, magic-string and Node), so a changed compiler
// never serves an old script. Entries are written to a temporary file and renamed, and sealed
// with their hash; a missing, damaged or unwritable entry just means compiling.
//
// Long entries (the standard library's, evaluated into every new image) are kept the same way:
// their script's code and what the engine reads of their analysis (compileEntry). Compiling them cost
// ~25-45 ms of CPU at each start on a new image (acorn and magic-string, not yet optimised).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, getCompileCacheDir } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from './analyze.ts';
import type { AnalyzedEntry, Declaration } from './analyze.ts';
import type { ImportDeclaration } from './imports.ts';
import { rewrite } from './rewrite.ts';
import type { GuestScript, RewriteOptions } from './rewrite.ts';
import { readSealed, sha256 as hash, writeSealed } from '../../shared/sealed-file.ts';

let fingerprint: string | undefined;

/** What the compiled output depends on besides the source. */
function compilerFingerprint(): string {
  if (fingerprint) return fingerprint;
  const here = dirname(fileURLToPath(import.meta.url));
  const require = createRequire(import.meta.url);
  const parts = [process.version];
  for (const pkg of ['acorn', 'magic-string', 'sucrase']) {
    try {
      parts.push(`${pkg}@${(require(`${pkg}/package.json`) as { version: string }).version}`);
    } catch {
      parts.push(`${pkg}@?`);
    }
  }
  for (const file of readdirSync(here).sort()) {
    if (file.endsWith('.ts')) parts.push(file, readFileSync(join(here, file), 'utf8'));
  }
  fingerprint = hash(parts.join('\0'));
  return fingerprint;
}

/** The script for a version's source (what `rewrite(analyze(source))` gives), from the cache. */
export function compileForRestore(
  source: string,
  sourceName: string,
  dir = compiledCacheDir(),
): string {
  if (!dir) return compile(source, sourceName);
  const file = keptFile(dir, `${sourceName}\0${source}`, '.js');
  const cached = readSealed(file);
  if (cached !== undefined) return cached;
  const script = compile(source, sourceName);
  writeSealed(dir, file, script);
  return script;
}

/**
 * What is kept of a compiled entry: its script's code, and what the engine reads of its analysis.
 * Not the script's source map: ~5 times the size of the code, and read only to point an error at
 * the typed text (a 200 KB file, parsed at every start, for the standard library's).
 */
interface KeptEntry {
  code: string;
  async: boolean;
  declarations: Declaration[];
  imports: ImportDeclaration[];
  topLevelAwait: boolean;
}

/**
 * An entry compiled (`rewrite(analyze(source), options)`), from the cache. The analysis's tree,
 * stripped code and positions are made again only if something asks for them (an error in the
 * entry, pointed at what was typed). An entry that does not compile throws as `analyze` does, and
 * nothing is kept.
 */
export function compileEntry(
  source: string,
  options: RewriteOptions,
  dir = compiledCacheDir(),
): { analysis: AnalyzedEntry; script: GuestScript } {
  const name = `${options.sourceName ?? ''}\0${options.checkOnly ? 'check' : 'run'}`;
  const file = dir && keptFile(dir, `entry\0${name}\0${source}`, '.json');
  const kept = file ? parseKept(readSealed(file)) : undefined;
  if (kept) return lazilyCompiled(source, options, kept);
  const analysis = analyze(source);
  const script = rewrite(analysis, options);
  if (dir && file) {
    const { declarations, imports, topLevelAwait } = analysis;
    const entry: KeptEntry = {
      code: script.code,
      async: script.async,
      declarations,
      imports,
      topLevelAwait,
    };
    writeSealed(dir, file, JSON.stringify(entry));
  }
  return { analysis, script };
}

/** The file in `dir` that keeps what was compiled for `key`, by this compiler. */
function keptFile(dir: string, key: string, extension: string): string {
  return join(dir, `${hash(`${compilerFingerprint()}\0${key}`).slice(0, 40)}${extension}`);
}

/** A kept entry's text read back, if it is one. */
function parseKept(text: string | undefined): KeptEntry | undefined {
  if (text === undefined) return undefined;
  try {
    const kept = JSON.parse(text) as Partial<KeptEntry>;
    const whole =
      typeof kept.code === 'string' &&
      typeof kept.async === 'boolean' &&
      Array.isArray(kept.declarations) &&
      Array.isArray(kept.imports) &&
      typeof kept.topLevelAwait === 'boolean';
    return whole ? (kept as KeptEntry) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A kept entry as compiled: what the analysis's tree, stripped code and positions and the
 * script's source map are is made (compiled again) when first read.
 */
function lazilyCompiled(
  source: string,
  options: RewriteOptions,
  kept: KeptEntry,
): { analysis: AnalyzedEntry; script: GuestScript } {
  let full: AnalyzedEntry | undefined;
  let mappings: GuestScript['mappings'] | undefined;
  const analysed = () => (full ??= analyze(source));
  const analysis: AnalyzedEntry = {
    source,
    declarations: kept.declarations,
    imports: kept.imports,
    topLevelAwait: kept.topLevelAwait,
    get code() {
      return analysed().code;
    },
    get program() {
      return analysed().program;
    },
    get positions() {
      return analysed().positions;
    },
  };
  const script: GuestScript = {
    code: kept.code,
    async: kept.async,
    get mappings() {
      return (mappings ??= rewrite(analysed(), options).mappings);
    },
  };
  return { analysis, script };
}

/** Where entries go: under Node's compile cache (bin/viv.js turns it on), or nowhere. */
export function compiledCacheDir(): string | undefined {
  const base = getCompileCacheDir();
  return base ? join(base, 'vivarium-compiled') : undefined;
}

function compile(source: string, sourceName: string): string {
  return rewrite(analyze(source), { sourceName }).code;
}
