// The file system as the store uses it: exactly the operations it performs, so that tests can
// inject faults (a short write, ENOSPC, EIO, EPERM, EROFS) at any one of them. `nodeDisk` is the
// real one. Writes report how many bytes they wrote; callers loop (see `writeAll`).
import fs from 'node:fs';
import type { Stats } from 'node:fs';
import { codedError } from './errors.ts';

export interface Disk {
  /** Opens a file (`flags` as for fs.open: 'a', 'wx', 'r') and returns its descriptor. */
  open(path: string, flags: string, mode?: number): Promise<number>;
  /** Writes `length` bytes of `data` from `offset` at the file's position; returns bytes written. */
  write(fd: number, data: Uint8Array, offset: number, length: number): Promise<number>;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fdatasync(fd: number): Promise<void>;
  fdatasyncSync(fd: number): void;
  fsync(fd: number): Promise<void>;
  fsyncSync(fd: number): void;
  ftruncate(fd: number, length: number): Promise<void>;
  ftruncateSync(fd: number, length: number): void;
  fstat(fd: number): Promise<Stats>;
  fstatSync(fd: number): Stats;
  close(fd: number): Promise<void>;
  readFile(path: string): Promise<Buffer>;
  /** Only where no asynchronous work can run (at process exit). */
  readFileSync(path: string): Buffer;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  unlinkSync(path: string): void;
  /** Creates the directory and its parents (existing ones are fine). */
  mkdir(path: string, mode?: number): Promise<void>;
  stat(path: string): Promise<Stats>;
  lstat(path: string): Promise<Stats>;
  readlink(path: string): Promise<string>;
  /** The kernel's resolution of the path (symlinks and `..` as the kernel follows them). */
  realpath(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
}

/** Wraps a callback-style fs call as a promise. */
function call<T>(run: (done: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    run((error, value) => (error ? reject(error) : resolve(value as T))),
  );
}

/** The real file system (node:fs). */
export const nodeDisk: Disk = {
  open: (path, flags, mode) => call((done) => fs.open(path, flags, mode ?? 0o666, done)),
  write: (fd, data, offset, length) =>
    call((done) => fs.write(fd, data, offset, length, null, done)),
  writeSync: (fd, data, offset, length) => fs.writeSync(fd, data, offset, length),
  fdatasync: (fd) => call((done) => fs.fdatasync(fd, done)),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fsync: (fd) => call((done) => fs.fsync(fd, done)),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncate: (fd, length) => call((done) => fs.ftruncate(fd, length, done)),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fstat: (fd) => call((done) => fs.fstat(fd, done)),
  fstatSync: (fd) => fs.fstatSync(fd),
  close: (fd) => call((done) => fs.close(fd, done)),
  readFile: (path) => fs.promises.readFile(path),
  readFileSync: (path) => fs.readFileSync(path),
  rename: (from, to) => fs.promises.rename(from, to),
  unlink: (path) => fs.promises.unlink(path),
  unlinkSync: (path) => fs.unlinkSync(path),
  mkdir: async (path, mode) => {
    await fs.promises.mkdir(path, { recursive: true, mode: mode ?? 0o777 });
  },
  stat: (path) => fs.promises.stat(path),
  lstat: (path) => fs.promises.lstat(path),
  readlink: (path) => fs.promises.readlink(path),
  realpath: (path) => call((done) => fs.realpath.native(path, done)),
  readdir: (path) => fs.promises.readdir(path),
};

/** A write that wrote nothing although asked for bytes: the disk refuses without saying why. */
function wroteNothing(length: number): Error {
  return codedError('ESHORT', `the disk accepted 0 of ${length} bytes`);
}

/**
 * Writes every byte of `data` at the file's position, looping on short writes; a write of 0
 * bytes or an error rejects (some bytes may then be on disk: the caller cuts them back).
 */
export async function writeAll(disk: Disk, fd: number, data: Uint8Array): Promise<void> {
  for (let done = 0; done < data.length;) {
    const wrote = await disk.write(fd, data, done, data.length - done);
    if (!(wrote > 0)) throw wroteNothing(data.length - done);
    done += wrote;
  }
}

/** `writeAll`, with blocking calls. */
export function writeAllSync(disk: Disk, fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length;) {
    const wrote = disk.writeSync(fd, data, done, data.length - done);
    if (!(wrote > 0)) throw wroteNothing(data.length - done);
    done += wrote;
  }
}
