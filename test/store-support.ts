// Helpers for the store's tests: a file system that fails on cue (through the store's Disk), and
// child-process plumbing.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os, { constants } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { nodeDisk } from '../src/session/store/disk.ts';
import type { Disk } from '../src/session/store/disk.ts';

/** The kinds of operation a fault can hit. */
export type Kind = 'write' | 'fsync' | 'rename' | 'truncate' | 'create';

/**
 * What goes wrong: an errno code from the k-th operation of its kind on (until `heal`), or for
 * writes `short` (the k-th write takes half the bytes: the store must loop), `zero` (it takes
 * none) or `short+ENOSPC` (half, then ENOSPC: a disk filling up mid-line).
 */
export type Fault = 'short' | 'zero' | 'short+ENOSPC' | 'ENOSPC' | 'EIO' | 'EPERM' | 'EROFS';

export interface Plan {
  kind: Kind;
  at: number;
  fault: Fault;
}

/** An errno error as node:fs makes them (code, errno, syscall, path). */
export function systemError(code: string, syscall: string, path: string): Error {
  const errno = (constants.errno as Record<string, number>)[code]!;
  return Object.assign(new Error(`${code}: injected, ${syscall} '${path}'`), {
    code,
    errno: -errno,
    syscall,
    path,
  });
}

/** The real disk, with counted operations and faults injected according to `plans`. */
export class FaultyDisk implements Disk {
  readonly counts: Record<Kind, number> = { write: 0, fsync: 0, rename: 0, truncate: 0, create: 0 };
  /** Every counted operation, as `kind#n path`. */
  readonly log: string[] = [];
  plans: Plan[];
  /** Faults that fired. */
  readonly fired: string[] = [];
  /** Operations started and not yet settled (what a scenario that does not finish waits on). */
  readonly inFlight = new Set<string>();
  #operations = 0;
  #paths = new Map<number, string>();
  #failing = new Map<Kind, string>();

  constructor(plans: Plan[] = []) {
    this.plans = plans;
  }

  /** Ends every persistent fault (the disk has room again, the file system is writable). */
  heal(): void {
    this.plans = [];
    this.#failing.clear();
  }

  /** Counts an operation; throws the fault planned for it (or still failing), or returns it. */
  #hit(kind: Kind, syscall: string, path: string): Fault | null {
    const n = ++this.counts[kind];
    this.log.push(`${kind}#${n} ${path}`);
    const failing = this.#failing.get(kind);
    if (failing) throw systemError(failing, syscall, path);
    const plan = this.plans.find((p) => p.kind === kind && p.at === n);
    if (!plan) return null;
    this.fired.push(`${plan.fault} at ${kind}#${n} (${syscall} ${path})`);
    if (plan.fault === 'short' || plan.fault === 'zero') return plan.fault;
    if (plan.fault === 'short+ENOSPC') {
      this.#failing.set(kind, 'ENOSPC');
      return 'short';
    }
    this.#failing.set(kind, plan.fault);
    throw systemError(plan.fault, syscall, path);
  }

  /** Runs `operation`, listed in `inFlight` until it settles. */
  async #track<T>(what: string, operation: () => Promise<T>): Promise<T> {
    const entry = `${what} (#${++this.#operations})`;
    this.inFlight.add(entry);
    try {
      return await operation();
    } finally {
      this.inFlight.delete(entry);
    }
  }

  #path(fd: number): string {
    return this.#paths.get(fd) ?? `fd ${fd}`;
  }

  async open(path: string, flags: string, mode?: number): Promise<number> {
    if (flags !== 'r') this.#hit('create', 'open', path);
    const fd = await this.#track(`open ${path} ${flags}`, () => nodeDisk.open(path, flags, mode));
    this.#paths.set(fd, path);
    return fd;
  }
  async write(fd: number, data: Uint8Array, offset: number, length: number): Promise<number> {
    const fault = this.#hit('write', 'write', this.#path(fd));
    if (fault === 'zero') return 0;
    const take = fault === 'short' ? Math.max(1, length >> 1) : length;
    return this.#track(`write ${this.#path(fd)}`, () => nodeDisk.write(fd, data, offset, take));
  }
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number {
    const fault = this.#hit('write', 'write', this.#path(fd));
    if (fault === 'zero') return 0;
    const take = fault === 'short' ? Math.max(1, length >> 1) : length;
    return nodeDisk.writeSync(fd, data, offset, take);
  }
  async fdatasync(fd: number): Promise<void> {
    this.#hit('fsync', 'fdatasync', this.#path(fd));
    return this.#track(`fdatasync ${this.#path(fd)}`, () => nodeDisk.fdatasync(fd));
  }
  fdatasyncSync(fd: number): void {
    this.#hit('fsync', 'fdatasync', this.#path(fd));
    nodeDisk.fdatasyncSync(fd);
  }
  async fsync(fd: number): Promise<void> {
    this.#hit('fsync', 'fsync', this.#path(fd));
    return this.#track(`fsync ${this.#path(fd)}`, () => nodeDisk.fsync(fd));
  }
  fsyncSync(fd: number): void {
    this.#hit('fsync', 'fsync', this.#path(fd));
    nodeDisk.fsyncSync(fd);
  }
  async ftruncate(fd: number, length: number): Promise<void> {
    this.#hit('truncate', 'ftruncate', this.#path(fd));
    return this.#track(`ftruncate ${this.#path(fd)}`, () => nodeDisk.ftruncate(fd, length));
  }
  ftruncateSync(fd: number, length: number): void {
    this.#hit('truncate', 'ftruncate', this.#path(fd));
    nodeDisk.ftruncateSync(fd, length);
  }
  async rename(from: string, to: string): Promise<void> {
    this.#hit('rename', 'rename', to);
    return this.#track(`rename ${to}`, () => nodeDisk.rename(from, to));
  }
  fstat(fd: number): Promise<fs.Stats> {
    return this.#track(`fstat ${this.#path(fd)}`, () => nodeDisk.fstat(fd));
  }
  fstatSync = nodeDisk.fstatSync;
  async close(fd: number): Promise<void> {
    const path = this.#path(fd);
    this.#paths.delete(fd);
    return this.#track(`close ${path}`, () => nodeDisk.close(fd));
  }
  readFile(path: string): Promise<Buffer> {
    return this.#track(`readFile ${path}`, () => nodeDisk.readFile(path));
  }
  readFileSync = nodeDisk.readFileSync;
  unlink(path: string): Promise<void> {
    return this.#track(`unlink ${path}`, () => nodeDisk.unlink(path));
  }
  unlinkSync = nodeDisk.unlinkSync;
  mkdir(path: string, mode?: number): Promise<void> {
    return this.#track(`mkdir ${path}`, () => nodeDisk.mkdir(path, mode));
  }
  stat(path: string): Promise<fs.Stats> {
    return this.#track(`stat ${path}`, () => nodeDisk.stat(path));
  }
  lstat(path: string): Promise<fs.Stats> {
    return this.#track(`lstat ${path}`, () => nodeDisk.lstat(path));
  }
  readlink(path: string): Promise<string> {
    return this.#track(`readlink ${path}`, () => nodeDisk.readlink(path));
  }
  realpath(path: string): Promise<string> {
    return this.#track(`realpath ${path}`, () => nodeDisk.realpath(path));
  }
  readdir(path: string): Promise<string[]> {
    return this.#track(`readdir ${path}`, () => nodeDisk.readdir(path));
  }
}

/** Settles once the child has exited and its output is all read: call it right after spawn. */
export function closed(child: ChildProcess): Promise<[number | null, NodeJS.Signals | null]> {
  return new Promise((done) => child.once('close', (code, signal) => done([code, signal])));
}

/** Resolves when `condition()` holds, checking at each turn of the event loop (at most `ms`). */
export async function until(condition: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wake) => setTimeout(wake, 5));
  }
}

export { seeded } from './support/seeded.ts';

/** Linux's statfs type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;

/**
 * A folder in memory for scratch files when there is one (/dev/shm, a tmpfs, writable), else the
 * temp directory. For tests of the store's logic, not of the disk: on a tmpfs an fsync costs
 * nothing, where on ext4 each one costs the kernel's time (most of what such a test spent).
 */
export function memoryTmpdir(): string {
  try {
    if (fs.statfsSync('/dev/shm').type === TMPFS_MAGIC) {
      fs.accessSync('/dev/shm', fs.constants.W_OK);
      return '/dev/shm';
    }
  } catch {
    // No /dev/shm here: the temp directory.
  }
  return os.tmpdir();
}

/**
 * A fresh directory per call, under one root made before the test file's tests run and removed
 * after them (`name` tells the roots apart in the temp directory). `inMemory`: the root is in
 * memoryTmpdir() (a tmpfs when there is one), for tests whose subject is not the disk.
 */
export function scratchDirs(name: string, { inMemory = false } = {}): () => string {
  let root = '';
  let count = 0;
  before(() => {
    const parent = inMemory ? memoryTmpdir() : os.tmpdir();
    root = fs.realpathSync(fs.mkdtempSync(join(parent, `viv-${name}-`)));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  return () => {
    const path = join(root, `t${++count}`);
    fs.mkdirSync(path);
    return path;
  };
}

/** The seed to use: VIV_SEED from the environment, else a fresh one (printed by the caller). */
export function testSeed(): number {
  const given = Number(process.env.VIV_SEED);
  return Number.isSafeInteger(given) && given > 0 ? given : Math.floor(Math.random() * 2 ** 31) + 1;
}
