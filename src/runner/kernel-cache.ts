// The kernel's sources stripped of their types, kept on disk between runs. Stripping the kernel's
// ~50 modules (350 KB) with Node's stripper took 190-330 ms of every start, most of the time to the
// whole REPL (issue 12); reading them back takes a few ms. Entries are keyed by a hash of the
// source, so an edited kernel file is stripped again; they are written to a temporary file and
// renamed, and sealed with their hash, so a runner never uses half an entry or a damaged one. The
// cache is only a shortcut: any failure to read or write it falls back to stripping. (No V8 code
// cache for these modules: isolated-vm's compileModule does not consume one. The bundled kernel,
// dist/kernel.js, is one script, needs no stripping, and is compiled from V8's cached data kept
// in this same folder: kernel-script.ts.)
import { readFileSync } from 'node:fs';
import { getCompileCacheDir, stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { readSealed, sha256 as hash, writeSealed } from '../shared/sealed-file.ts';

/**
 * Where entries go (and the bundled kernel's cached data): under Node's compile cache (bin/viv.js
 * turns it on), or nowhere.
 */
export function kernelCacheDir(): string | undefined {
  const base = getCompileCacheDir();
  return base ? join(base, 'vivarium-kernel') : undefined;
}

/** A kernel module's source stripped of its types, from the cache when it has it. */
export function kernelSource(path: string, dir = kernelCacheDir()): string {
  const source = readFileSync(path, 'utf8');
  if (!dir) return stripTypeScriptTypes(source);
  const key = hash(`${process.version}\0${source}`).slice(0, 32);
  const codeFile = join(dir, `${key}.js`);
  let code = readSealed(codeFile);
  if (code === undefined) {
    code = stripTypeScriptTypes(source);
    writeSealed(dir, codeFile, code);
  }
  return code;
}
