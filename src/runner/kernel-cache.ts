// The kernel's sources stripped of their types, and V8's code cache for them, kept on disk between
// runs. Stripping the kernel's ~50 modules (350 KB) with Node's stripper took 190-330 ms of every
// start, most of the time to the whole REPL (issue 12); reading them back takes a few ms. Entries
// are keyed by a hash of the source, so an edited kernel file is stripped again; they are written
// to a temporary file and renamed, and sealed with their hash, so a runner never uses half an
// entry or a damaged one. The cache is only a
// shortcut: any failure to read or write it falls back to stripping, and V8 checks (and may
// reject) the code cache itself.
import { readFileSync } from 'node:fs';
import { getCompileCacheDir, stripTypeScriptTypes } from 'node:module';
import { join } from 'node:path';
import { readSealed, sha256 as hash, writeQuietly, writeSealed } from '../shared/sealed-file.ts';

export interface KernelSource {
  code: string;
  /** V8's code cache for `code`, when one was kept. */
  cachedData?: ArrayBuffer;
  /** Call with the code cache V8 produced, to keep it (only when none was read). */
  keep?: (data: ArrayBuffer) => void;
}

/** Where entries go: under Node's compile cache (bin/viv.js turns it on), or nowhere. */
export function kernelCacheDir(): string | undefined {
  const base = getCompileCacheDir();
  return base ? join(base, 'vivarium-kernel') : undefined;
}

/**
 * A kernel module's stripped source, from the cache when it has it. `bundled`: the kernel bundled
 * into one JavaScript module (dist/kernel.js), which needs no stripping, only its code cache.
 */
export function kernelSource(path: string, dir = kernelCacheDir(), bundled = false): KernelSource {
  const source = readFileSync(path, 'utf8');
  if (!dir) return { code: bundled ? source : strip(source) };
  const key = hash(`${process.version}\0${source}`).slice(0, 32);
  const codeFile = join(dir, `${key}.js`);
  // V8's code cache depends on V8's version and flags: one per Node version.
  const dataFile = join(dir, `${key}-${process.version}-${process.arch}.v8`);
  let code = bundled ? source : readSealed(codeFile);
  if (code === undefined) {
    code = strip(source);
    writeSealed(dir, codeFile, code);
  }
  try {
    const data = readFileSync(dataFile);
    return { code, cachedData: new Uint8Array(data).buffer };
  } catch {
    return { code, keep: (data) => writeQuietly(dir, dataFile, Buffer.from(data)) };
  }
}

function strip(source: string): string {
  return stripTypeScriptTypes(source);
}
