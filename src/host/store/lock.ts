// One writer per image: IMAGE.lock holds the pid of the Vivarium process that has the image open
// (and, on Linux, the boot id, so a lock that survived a power failure is not mistaken for a live
// one when its pid has been reused since the reboot). A lock whose process is gone is stale (the
// holder was killed) and is taken over.
import { readFileSync, unlinkSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { errorCode, isProcessAlive, tempPathFor } from './fsync-adapter.ts';

export class ImageLockedError extends Error {
  readonly imagePath: string;
  readonly pid: number;

  constructor(imagePath: string, pid: number) {
    const where = pid === process.pid ? 'already open in this' : 'open in another';
    super(`${imagePath} is ${where} Vivarium process (pid ${pid}); close it there first`);
    this.name = 'ImageLockedError';
    this.imagePath = imagePath;
    this.pid = pid;
  }
}

export interface Lock {
  readonly imagePath: string;
  readonly lockPath: string;
  /** Removes the lock file if it is still ours. Releasing twice is harmless. */
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  boot: string | null;
}

/** Locks this process holds, by resolved lock path; released synchronously at exit. */
const held = new Map<string, Lock>();
let exitHandlerInstalled = false;

const BOOT_ID = readBootId();
const OWN_CONTENT = `${process.pid}\n${BOOT_ID ? `boot ${BOOT_ID}\n` : ''}`;

/**
 * Takes the image's lock, or throws ImageLockedError when a live process holds it. File system
 * errors (a read-only directory: EACCES, EROFS) are thrown as they are, with their code.
 */
export async function acquireLock(imagePath: string): Promise<Lock> {
  const lockPath = `${imagePath}.lock`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writeFile(lockPath, OWN_CONTENT, { flag: 'wx' });
      return hold(imagePath, lockPath);
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const owner = await readSettledOwner(lockPath);
    if (owner === 'missing') continue;
    if (owner !== 'unreadable' && isLive(owner, lockPath)) {
      throw new ImageLockedError(imagePath, owner.pid);
    }
    // Stale: replace it in one rename, then check that no other process replaced it after us.
    await replaceWithOwn(lockPath);
    const now = await readOwner(lockPath);
    if (now !== 'missing' && now !== 'unreadable') {
      if (now.pid === process.pid && now.boot === BOOT_ID) return hold(imagePath, lockPath);
      if (isLive(now, lockPath)) throw new ImageLockedError(imagePath, now.pid);
    }
  }
  throw new Error(`cannot lock ${imagePath}: ${lockPath} keeps changing under this process`);
}

function hold(imagePath: string, lockPath: string): Lock {
  const key = resolve(lockPath);
  let released = false;
  const lock: Lock = {
    imagePath,
    lockPath,
    async release() {
      if (released) return;
      released = true;
      held.delete(key);
      const owner = await readOwner(lockPath);
      if (owner === 'missing' || owner === 'unreadable' || owner.pid !== process.pid) return;
      await unlink(lockPath).catch((error: unknown) => {
        if (errorCode(error) !== 'ENOENT') throw error;
      });
    },
  };
  held.set(key, lock);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', releaseAllSync);
  }
  return lock;
}

/** At exit only synchronous work runs: unlink every lock file that still names this process. */
function releaseAllSync(): void {
  for (const lock of held.values()) {
    try {
      if (parseOwner(readFileSync(lock.lockPath, 'utf8'))?.pid === process.pid) {
        unlinkSync(lock.lockPath);
      }
    } catch {
      // Already gone or unreachable: nothing left to release.
    }
  }
  held.clear();
}

/** Whether the lock's owner is a running process (of this boot, and not a previous user of our pid). */
function isLive(owner: Owner, lockPath: string): boolean {
  if (owner.boot !== null && BOOT_ID !== null && owner.boot !== BOOT_ID) return false;
  if (owner.pid === process.pid) return held.has(resolve(lockPath));
  return isProcessAlive(owner.pid);
}

async function replaceWithOwn(lockPath: string): Promise<void> {
  const temp = tempPathFor(lockPath);
  try {
    await writeFile(temp, OWN_CONTENT, { flag: 'wx' });
    await rename(temp, lockPath);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
}

/**
 * The owner, waiting briefly when the file is empty or unreadable: its creator may be between
 * creating it and writing its pid. Still unreadable after that, it is garbage (a stale lock).
 */
async function readSettledOwner(lockPath: string): Promise<Owner | 'missing' | 'unreadable'> {
  let owner = await readOwner(lockPath);
  for (let wait = 0; owner === 'unreadable' && wait < 5; wait++) {
    await new Promise((done) => setTimeout(done, 40));
    owner = await readOwner(lockPath);
  }
  return owner;
}

async function readOwner(lockPath: string): Promise<Owner | 'missing' | 'unreadable'> {
  try {
    return parseOwner(await readFile(lockPath, 'utf8')) ?? 'unreadable';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
}

function parseOwner(text: string): Owner | null {
  const lines = text.split('\n');
  if (!/^\d+$/.test(lines[0]!.trim())) return null;
  const pid = Number(lines[0]!.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const boot = lines
    .find((line) => line.startsWith('boot '))
    ?.slice(5)
    .trim();
  return { pid, boot: boot || null };
}

function readBootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}
