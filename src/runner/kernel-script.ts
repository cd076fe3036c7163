// The bundled kernel (dist/kernel.js, one script: scripts/bundle.ts) compiled with V8's cached
// data. Compiling it costs ~7 ms in each new isolate; from cached data, ~2 ms. The data is made
// by the first compile and kept in this process for every later isolate (tests start hundreds),
// and on disk under Node's compile cache for the next runner (shared/code-cache-file.ts: a file
// names the kernel it was made for and is checked whole). Only a shortcut: any failure to read or
// write it means compiling without.
//
// Data made right after compiling holds only the code compiled then: the script's top level. Every
// function the kernel runs later (booting, opening an image, an entry, a save) was compiled again
// in each new isolate, lazily, on its first call: ~a sixth of an in-process session's CPU. So once
// an isolate has done a session's work (its first save: `warmKernelScript`), the script is
// compiled again in it, which V8 answers from that isolate's own compilation cache, with every
// function compiled in it since (those it had from the data too): when that data is larger, it
// replaces the data in this process and in the file. Once per process (~1 ms); the data grows to
// what sessions use (opening a new image, an existing one, saving, migrating).
import type IsolatedVM from 'isolated-vm';
import { readFileSync, statSync } from 'node:fs';
import ivm from './ivm.ts';
import {
  codeCacheFile,
  codeCacheKey,
  readCodeCache,
  writeCodeCache,
} from '../shared/code-cache-file.ts';
import { kernelCacheDir } from './kernel-cache.ts';

interface Compiled {
  code: string;
  /** The cached data: read, or made by this process's first compile. */
  data?: IsolatedVM.ExternalCopy<ArrayBuffer>;
  /** Where it is kept between processes, if anywhere. */
  file?: string;
  /** Its size in bytes (0: none). */
  size: number;
  /** An isolate of this process has warmed it (or is doing so): see `warmKernelScript`. */
  warmed: boolean;
}

/** What compileScriptSync gives besides the script (isolated-vm's types leave it out). */
type ScriptWithData = IsolatedVM.Script & {
  cachedData?: IsolatedVM.ExternalCopy<ArrayBuffer>;
  cachedDataRejected?: boolean;
};

/** By the cache's folder and the script's path, size and modification time. */
const compiled = new Map<string, Compiled>();

/** Where the script's cached data came from: this process, the file, or a compile just now. */
export type Source = 'process' | 'file' | 'compiled';

/** The kernel script at `path`, compiled in `isolate` (from cached data when there is some). */
export function compileKernelScript(
  isolate: IsolatedVM.Isolate,
  path: string,
  dir = kernelCacheDir(),
): { script: IsolatedVM.Script; from: Source } {
  const key = kernelKey(path);
  const memo = `${dir}\0${key}`;
  let entry = compiled.get(memo);
  let from: Source = 'process';
  if (!entry) {
    const file = dir && codeCacheFile(dir, 'kernel', key);
    const read = file ? readData(file, key) : undefined;
    entry = {
      code: readFileSync(path, 'utf8'),
      file,
      data: read?.data,
      size: read?.size ?? 0,
      warmed: false,
    };
    compiled.set(memo, entry);
    from = 'file';
  }
  if (entry.data) {
    const script: ScriptWithData = isolate.compileScriptSync(entry.code, {
      ...origin(path),
      cachedData: entry.data,
    });
    if (!script.cachedDataRejected) return { script, from };
    entry.data = undefined;
    entry.size = 0;
  }
  const script: ScriptWithData = isolate.compileScriptSync(entry.code, {
    ...origin(path),
    produceCachedData: true,
  });
  if (script.cachedData) {
    keep(entry, dir, key, script.cachedData, Buffer.from(script.cachedData.copy()));
  }
  return { script, from: 'compiled' };
}

/**
 * Once per kernel script and process: the script compiled again in `isolate`, which has run it
 * through a session's work (booted, opened, run entries, saved), and its data kept in place of the
 * data there was when it is larger. Asynchronous (the isolate may be running a tick), and quiet:
 * any failure (the script's file gone since, the isolate disposed) leaves the data as it was, and
 * never rejects.
 */
export async function warmKernelScript(
  isolate: IsolatedVM.Isolate,
  path: string,
  dir = kernelCacheDir(),
): Promise<void> {
  try {
    // (The script's file gone or changed since it was loaded: no entry, nothing to warm.)
    const key = kernelKey(path);
    const entry = compiled.get(`${dir}\0${key}`);
    if (!entry || entry.warmed) return;
    entry.warmed = true;
    const script: ScriptWithData = await isolate.compileScript(entry.code, {
      ...origin(path),
      produceCachedData: true,
    });
    script.release();
    const bytes = script.cachedData && Buffer.from(script.cachedData.copy());
    // No more than there was (not answered from the isolate's cache, or nothing new): kept.
    if (script.cachedData && bytes && bytes.length > entry.size) {
      keep(entry, dir, key, script.cachedData, bytes);
    }
  } catch {
    // The isolate was disposed meanwhile, or ran out of memory: the data stays as it was.
  }
}

/** `data` (whose bytes are `bytes`) made the script's cached data, in this process and its file. */
function keep(
  entry: Compiled,
  dir: string | undefined,
  key: string,
  data: IsolatedVM.ExternalCopy<ArrayBuffer>,
  bytes: Buffer,
): void {
  entry.data = data;
  entry.size = bytes.length;
  if (entry.file) writeCodeCache(dir!, entry.file, key, bytes);
}

/** The script's origin, as its stack frames name it. */
function origin(path: string): { filename: string } {
  return { filename: `file://${path}` };
}

/** What the cached data is made for: the script as it is on disk, and this Node. */
function kernelKey(path: string): string {
  const { size, mtimeMs } = statSync(path);
  return codeCacheKey(path, size, mtimeMs);
}

/** The file that would keep the cached data of the script at `path` as it is now (for tests). */
export function kernelCacheFile(path: string, dir: string): string {
  return codeCacheFile(dir, 'kernel', kernelKey(path));
}

/** The cached data kept in `file` for `key`, as isolated-vm takes it, and its size. */
function readData(
  file: string,
  key: string,
): { data: IsolatedVM.ExternalCopy<ArrayBuffer>; size: number } | undefined {
  const data = readCodeCache(file, key);
  if (!data) return undefined;
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return { data: new ivm.ExternalCopy(copy), size: data.byteLength };
}
