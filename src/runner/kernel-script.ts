// The bundled kernel (dist/kernel.js, one script: scripts/bundle.ts) compiled with V8's cached
// data. Compiling it costs ~7 ms in each new isolate; from cached data, ~2 ms. The data is made
// by the first compile and kept in this process for every later isolate (tests start hundreds),
// and on disk under Node's compile cache for the next runner. V8 rejects data made by another V8
// or with other flags (then it is made again), but it does not check the script's text, and in a
// release build not its own bytes either: so the file names the kernel it was made from (its
// path, size and modification time) and carries a hash of itself, and anything else is ignored.
// Only a shortcut: any failure to read or write it means compiling without.
import type IsolatedVM from 'isolated-vm';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ivm from './ivm.ts';
import { readCacheFile, writeQuietly } from '../shared/sealed-file.ts';
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

/** The most cached data read from a file (the kernel's is ~110 kB). */
const MAX_DATA = 16 * 1024 * 1024;

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
    const file = dir && cacheFile(dir, key);
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
    if (entry.file) writeData(dir!, entry.file, key, Buffer.from(script.cachedData.copy()));
  }
  return { script, from: 'compiled' };
}

/** What the cached data is made for: the script as it is on disk, and this Node. */
function kernelKey(path: string): string {
  const { size, mtimeMs } = statSync(path);
  return `${path}\0${size}\0${mtimeMs}\0${process.version}`;
}

/** The file that keeps the cached data for `key` in `dir`. */
function cacheFile(dir: string, key: string): string {
  return join(dir, `kernel-${hash(Buffer.from(key)).slice(0, 16)}.v8`);
}

/** The file that would keep the cached data of the script at `path` as it is now (for tests). */
export function kernelCacheFile(path: string, dir: string): string {
  return cacheFile(dir, kernelKey(path));
}

/**
 * The file: a header line (the key it was made for, and the hash of the data), then the data.
 * Its data only if both match.
 */
function readData(file: string, key: string): IsolatedVM.ExternalCopy<ArrayBuffer> | undefined {
  // (The data is ~110 kB.)
  const bytes = readCacheFile(file, MAX_DATA);
  if (!bytes) return undefined;
  const end = bytes.indexOf(10);
  if (end < 0) return undefined;
  const data = bytes.subarray(end + 1);
  const header = bytes.subarray(0, end).toString('utf8');
  if (header !== `${JSON.stringify(key)} ${hash(data)}`) return undefined;
  const copy = new ArrayBuffer(data.byteLength);
  new Uint8Array(copy).set(data);
  return new ivm.ExternalCopy(copy);
}

function writeData(dir: string, file: string, key: string, data: Buffer): void {
  writeQuietly(
    dir,
    file,
    Buffer.concat([Buffer.from(`${JSON.stringify(key)} ${hash(data)}\n`), data]),
  );
}

/**
 * A 64-bit hash of `bytes` (two 32-bit lanes over its words): enough to tell a damaged file, and
 * ~1 ms for the kernel's data where node:crypto would cost ~12 ms to load in the runner.
 */
function hash(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = bytes.byteLength | 0;
  const whole = bytes.byteLength & ~3;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < whole; i += 4) {
    const word = view.getInt32(i, true);
    h1 = Math.imul(h1 ^ word, 0x01000193);
    h2 = Math.imul(h2 + word, 0x5bd1e995) ^ (h2 >>> 15);
  }
  for (let i = whole; i < bytes.byteLength; i++) h1 = Math.imul(h1 ^ bytes[i]!, 0x01000193);
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}
