// Files of the start-up caches (the runner's stripped kernel, the session's compiled versions):
// written to a temporary file and renamed into place, and sealed with the hash of their text, so
// a reader never uses half a file or a damaged one. Only a shortcut: any failure to read or write
// one means doing the work again.
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { sha256 } from './hash.ts';

export { sha256 };

/** Ends a sealed file: the hash of what precedes it (after the last line: no line moves). */
const SEAL = '\n//# viv-sha256=';

/** The largest sealed file read: the longest text kept is a compiled entry of at most 8 MiB. */
const MAX_SEALED = 64 * 1024 * 1024;

/**
 * The bytes of a cache file, if it is a regular file of this user's, of at most `max` bytes. A
 * FIFO put in its place would block the start for ever (opened without waiting for a writer, then
 * refused), a device such as /dev/zero would never end, and a sparse 1 GB file was read whole
 * before what it held was refused. The caches hold code that runs (compiled scripts, V8's data),
 * and Node's compile cache, where they live, is in a /tmp other users share: a file another user
 * put there is not taken.
 */
export function readCacheFile(file: string, max: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > max) return undefined;
    if (process.getuid && stats.uid !== process.getuid()) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The text of a sealed file, if it is there and whole (its seal matches). */
export function readSealed(file: string): string | undefined {
  const text = readCacheFile(file, MAX_SEALED)?.toString('utf8');
  if (text === undefined) return undefined;
  const at = text.lastIndexOf(SEAL);
  if (at < 0) return undefined;
  const body = text.slice(0, at);
  return text.slice(at + SEAL.length) === sha256(body) ? body : undefined;
}

/** Writes `text` sealed (see readSealed). */
export function writeSealed(dir: string, file: string, text: string): void {
  writeQuietly(dir, file, text + SEAL + sha256(text));
}

/**
 * Writes through a temporary file and a rename; a read-only or full disk is no error. The
 * temporary file is made new (O_EXCL): one left by a process of the same pid goes first, and a
 * symlink put in its place (the compile cache may be in a shared /tmp) is not written through to
 * its target, which it was.
 */
export function writeQuietly(dir: string, file: string, data: string | Uint8Array): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    rmSync(temp, { force: true });
    writeFileSync(temp, data, { flag: 'wx' });
    renameSync(temp, file);
  } catch {
    // Done again next time; a temporary file a full disk cut short is not left behind.
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing more to do.
    }
  }
}
