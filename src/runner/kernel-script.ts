// The bundled kernel (dist/kernel.js, one script: scripts/bundle.ts) compiled with V8's cached
// data. Compiling it costs ~7 ms in each new isolate; from cached data, ~2 ms. The data is made
// by the first compile and kept in this process for every later isolate (tests start hundreds),
// and on disk under Node's compile cache for the next runner (shared/code-cache-file.ts: a file
// names the kernel it was made for and is checked whole). Only a shortcut: any failure to read or
// write it means compiling without.
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
    entry = {
      code: readFileSync(path, 'utf8'),
      file,
      data: file ? readData(file, key) : undefined,
    };
    compiled.set(memo, entry);
    from = 'file';
  }
  const origin = { filename: `file://${path}` };
  if (entry.data) {
    const script: ScriptWithData = isolate.compileScriptSync(entry.code, {
      ...origin,
      cachedData: entry.data,
    });
    if (!script.cachedDataRejected) return { script, from };
    entry.data = undefined;
  }
  const script: ScriptWithData = isolate.compileScriptSync(entry.code, {
    ...origin,
    produceCachedData: true,
  });
  if (script.cachedData) {
    entry.data = script.cachedData;
    if (entry.file) writeCodeCache(dir!, entry.file, key, Buffer.from(script.cachedData.copy()));
  }
  return { script, from: 'compiled' };
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

/** The cached data kept in `file` for `key`, as isolated-vm takes it. */
function readData(file: string, key: string): IsolatedVM.ExternalCopy<ArrayBuffer> | undefined {
  const data = readCodeCache(file, key);
  if (!data) return undefined;
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return new ivm.ExternalCopy(copy);
}
