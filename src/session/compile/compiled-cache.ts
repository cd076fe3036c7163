// Opening an image compiles the source of every function and class version again (the guest keeps
// sources, not scripts). Doing it at every start cost ~70 ms of CPU, and loading Node's type
// stripper (a WebAssembly module) for it ~150 ms more, before the REPL could be drawn (issue 12).
// The compiled scripts are kept on disk, keyed by the source, its name and a fingerprint of the
// compiler (its own files, the versions of acorn, magic-string and Node), so a changed compiler
// never serves an old script. Entries are written to a temporary file and renamed, and sealed
// with their hash; a missing, damaged or unwritable entry just means compiling.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire, getCompileCacheDir } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyze } from './analyze.ts';
import { rewrite } from './rewrite.ts';
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
  const file = join(
    dir,
    `${hash(`${compilerFingerprint()}\0${sourceName}\0${source}`).slice(0, 40)}.js`,
  );
  const cached = readSealed(file);
  if (cached !== undefined) return cached;
  const script = compile(source, sourceName);
  writeSealed(dir, file, script);
  return script;
}

/** Where entries go: under Node's compile cache (bin/viv.js turns it on), or nowhere. */
export function compiledCacheDir(): string | undefined {
  const base = getCompileCacheDir();
  return base ? join(base, 'vivarium-compiled') : undefined;
}

function compile(source: string, sourceName: string): string {
  return rewrite(analyze(source), { sourceName }).code;
}
