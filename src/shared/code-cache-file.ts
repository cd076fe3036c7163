// Files of V8's cached data (the compiled code of a script, made by V8 to skip compiling it again):
// the bundled kernel's in the runner (runner/kernel-script.ts) and the bundled session's in `viv`
// (session/session-script.ts). V8 rejects data made by another V8 or with other flags, but it does
// not check the script's text (only its length), and in a release build not its own bytes either:
// so a file names what it was made for (a key: the script's path, size and modification time, and
// Node's version) and carries a hash of its data, and a file that does not match is not used.
// Only a shortcut: any failure to read or write one means compiling without it.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readCacheFile, writeQuietly } from './sealed-file.ts';

/** The most data read from a file (the kernel's is ~110 kB, the session's ~1.2 MB). */
const MAX_DATA = 32 * 1024 * 1024;

/** What cached data is made for: the script as it is on disk now, and this Node. */
export function codeCacheKey(path: string, size: number, mtimeMs: number): string {
  return `${path}\0${size}\0${mtimeMs}\0${process.version}`;
}

/** The file in `dir` that keeps the cached data for `key`, named `prefix-HASH.v8`. */
export function codeCacheFile(dir: string, prefix: string, key: string): string {
  return join(dir, `${prefix}-${hash64(Buffer.from(key)).slice(0, 16)}.v8`);
}

/** A hash of a file's data, to tell a damaged one. */
export type Digest = (bytes: Uint8Array) => string;

/**
 * The data kept in `file` for `key`: a header line (the key, and the digest of the data), then
 * the data. Nothing unless both match.
 */
export function readCodeCache(
  file: string,
  key: string,
  digest: Digest = hash64,
): Buffer | undefined {
  const bytes = readCacheFile(file, MAX_DATA);
  if (!bytes) return undefined;
  const end = bytes.indexOf(10);
  if (end < 0) return undefined;
  const data = bytes.subarray(end + 1);
  const header = bytes.subarray(0, end).toString('utf8');
  return header === `${JSON.stringify(key)} ${digest(data)}` ? data : undefined;
}

/**
 * Keeps `data` for `key` in `file` (in `dir`, named by codeCacheFile), quietly: a full or
 * read-only disk is no error. Then the data of scripts since rebuilt goes (see prune).
 */
export function writeCodeCache(
  dir: string,
  file: string,
  key: string,
  data: Uint8Array,
  digest: Digest = hash64,
): void {
  const header = Buffer.from(`${JSON.stringify(key)} ${digest(data)}\n`);
  writeQuietly(dir, file, Buffer.concat([header, data]));
  const prefix = /^(.+)-[0-9a-f]{16}\.v8$/.exec(basename(file))?.[1];
  if (prefix) prune(dir, prefix, file);
}

/** How long data of another build is left (another checkout may still use it). */
const PRUNE_AFTER_MS = 24 * 60 * 60 * 1000;

/**
 * Removes the files of `dir` named `prefix-*.v8` but `kept`, made more than a day ago: data of
 * scripts since rebuilt, which would otherwise pile up (one file per build). And the temporary
 * files (`prefix-*.v8.PID.tmp`) of writers killed while they wrote (kill -9, a power cut), which
 * nothing else removes.
 */
function prune(dir: string, prefix: string, kept: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (!name.startsWith(`${prefix}-`) || file === kept) continue;
      if (!name.endsWith('.v8') && !/\.v8\.\d+\.tmp$/.test(name)) continue;
      if (now - statSync(file).mtimeMs > PRUNE_AFTER_MS) rmSync(file, { force: true });
    }
  } catch {
    // Pruned next time.
  }
}

/**
 * A 64-bit hash of `bytes` (two 32-bit lanes over its words): enough to tell a damaged file, and
 * ~0.3 ms for the kernel's data where node:crypto or node:zlib would cost 7-12 ms to load in the
 * runner (which starts without Node's snapshot). Where zlib is loaded anyway, its crc32 is faster.
 */
function hash64(bytes: Uint8Array): string {
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
