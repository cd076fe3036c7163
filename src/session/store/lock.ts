// One writer per image file, whatever path reaches it. Two lock files, each holding the pid of
// the Vivarium process that has the image open, its start time and (on Linux) the boot id:
//  - REAL.lock beside the image's real path (symlinks and `..` resolved, see real-path.ts), so
//    `link.json -> img.json` and `img.json` share one lock, also while the image does not exist.
//  - for an image that exists, DEV-INODE.lock in a private per-user directory under os.tmpdir()
//    (created 0700, refused unless it is ours and private), so two hard links of one file exclude
//    each other too. It lives outside the image's directory because the names differ there and
//    a directory of its own keeps it from other users; a lock left there by a killed process is
//    stale and taken over like any other. Saving replaces the image by rename (a new inode), so
//    this lock covers the file the image was opened from; a new image has no inode: REAL.lock
//    covers it.
// A lock is stale, and taken over, when its process is gone, is a zombie, started at another time
// than the lock says (its pid was reused), or ran before the last reboot. A lock naming a live
// process whose command line is plainly not Vivarium (not node, nothing named viv…) is refused
// with a message saying it is probably stale and how to clear it.
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nodeDisk, writeAll } from './disk.ts';
import type { Disk } from './disk.ts';
import { causeText, errorCode, ImageFileError, ImageLockedError } from './errors.ts';
import { tempPathFor } from './fsync-adapter.ts';
import {
  BOOT_ID,
  commandName,
  isProcessAlive,
  looksLikeVivarium,
  OWN_START,
} from './process-info.ts';
import { processStat } from './process-info.ts';
import { parseOwner, readOwner, readSettledOwner } from './lock-owner.ts';
import type { Owner } from './lock-owner.ts';
import { realImagePath } from './real-path.ts';

export { ImageLockedError } from './errors.ts';

export interface Lock {
  /** The path as given. */
  readonly imagePath: string;
  /** The real file it reaches. */
  readonly realPath: string;
  readonly lockPath: string;
  /** Removes the lock files that are still ours. Releasing twice is harmless. */
  release(): Promise<void>;
}

export interface LockOptions {
  disk?: Disk;
  /** The image's real path, when the caller has resolved it already. */
  realPath?: string;
}

/** Lock files this process holds (by path), with the disk they are on; unlinked at exit. */
const held = new Map<string, Disk>();
let exitHandlerInstalled = false;

/**
 * Takes the image's locks, or throws ImageLockedError when a live process holds one of them (or
 * a live process that is plainly not Vivarium is named by one). Any other failure is an
 * ImageFileError (`cannot lock it: CAUSE`) whose `cause` carries the file system's code.
 */
export async function acquireLock(imagePath: string, options: LockOptions = {}): Promise<Lock> {
  const disk = options.disk ?? nodeDisk;
  let realPath: string;
  try {
    realPath = options.realPath ?? (await realImagePath(disk, imagePath));
  } catch (error) {
    const problem = `cannot lock it: cannot resolve the file it reaches: ${causeText(error)}`;
    throw new ImageFileError(imagePath, problem, { cause: error });
  }
  const name =
    resolve(imagePath) === realPath ? imagePath : `${imagePath} (which reaches ${realPath})`;
  const lockPath = `${realPath}.lock`;
  const files = [await takeLockFile(disk, lockPath, realPath, name, imagePath)];
  try {
    const stats = await disk.stat(realPath).catch((error: unknown) => {
      if (errorCode(error) === 'ENOENT') return null;
      throw new ImageFileError(imagePath, `cannot lock it: ${causeText(error)}`, { cause: error });
    });
    if (stats && process.getuid) {
      const dir = await privateLockDirectory(disk, imagePath);
      const inodeLock = join(dir, `${stats.dev}-${stats.ino}.lock`);
      const inode = { dev: stats.dev, ino: stats.ino };
      files.push(await takeLockFile(disk, inodeLock, realPath, name, imagePath, inode));
    }
  } catch (error) {
    await releaseFiles(disk, files).catch(() => {});
    throw error;
  }
  let released = false;
  return {
    imagePath,
    realPath,
    lockPath,
    async release() {
      if (released) return;
      released = true;
      await releaseFiles(disk, files).catch((error: unknown) => {
        const problem = `cannot remove its lock: ${causeText(error)}`;
        throw new ImageFileError(imagePath, problem, { cause: error });
      });
    },
  };
}

/** Creates the lock file, or takes it over when stale; throws ImageLockedError when it is live. */
async function takeLockFile(
  disk: Disk,
  lockPath: string,
  realPath: string,
  name: string,
  imagePath: string,
  inode?: Inode,
): Promise<string> {
  const content = Buffer.from(
    `${process.pid}\n${BOOT_ID ? `boot ${BOOT_ID}\n` : ''}${OWN_START ? `start ${OWN_START}\n` : ''}image ${JSON.stringify(realPath)}\n`,
  );
  const fail = (error: unknown) =>
    new ImageFileError(imagePath, `cannot lock it: ${causeText(error)} (${lockPath})`, {
      cause: error,
    });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await createExclusive(disk, lockPath, content)) return hold(disk, lockPath);
      const owner = await readSettledOwner(disk, lockPath);
      if (owner === 'missing') continue;
      const refuse = async (owner: Owner) => {
        if (inode && !(await stillHoldsInode(disk, owner, inode))) return;
        refuseIfLive(owner, lockPath, realPath, name, imagePath);
      };
      if (owner !== 'unreadable') await refuse(owner);
      // Stale: replace it in one rename, then check that no other process replaced it after us.
      await replace(disk, lockPath, content);
      const now = await readOwner(disk, lockPath);
      if (now === 'missing' || now === 'unreadable') continue;
      if (now.pid === process.pid && now.start === OWN_START) return hold(disk, lockPath);
      await refuse(now);
    }
  } catch (error) {
    if (error instanceof ImageLockedError || error instanceof ImageFileError) throw error;
    throw fail(error);
  }
  throw fail(new Error(`${lockPath} keeps changing under this process`));
}

interface Inode {
  dev: number;
  ino: number;
}

/**
 * Whether the image an inode lock's owner opened is still that inode. Saving replaces an image by
 * rename, so after its holder's first save the inode it locked may be freed and reused by an
 * unrelated file: that lock then excludes nothing. When unsure (no path, a stat error other than
 * ENOENT) it says yes.
 */
async function stillHoldsInode(disk: Disk, owner: Owner, inode: Inode): Promise<boolean> {
  if (owner.image === null) return true;
  try {
    const stats = await disk.stat(owner.image);
    return stats.dev === inode.dev && stats.ino === inode.ino;
  } catch (error) {
    return errorCode(error) !== 'ENOENT';
  }
}

/** Throws ImageLockedError unless the lock's owner is stale (see the file's comment). */
function refuseIfLive(
  owner: Owner,
  lockPath: string,
  realPath: string,
  name: string,
  imagePath: string,
): void {
  if (owner.boot !== null && BOOT_ID !== null && owner.boot !== BOOT_ID) return;
  if (owner.pid === process.pid) {
    if (owner.start !== null && OWN_START !== null && owner.start !== OWN_START) return;
    if (!held.has(lockPath)) return;
  } else {
    if (!isProcessAlive(owner.pid)) return;
    const stat = processStat(owner.pid);
    if (stat?.state === 'Z' || stat?.state === 'X') return;
    if (owner.start !== null && stat && owner.start !== stat.start) return;
    // Alive, and (when the lock says) started when the lock says: still, a process that is plainly
    // not Vivarium (its command line is known) does not hold the image. Not taken over, though
    // (the command line is a guess): the message says how to clear it.
    if (looksLikeVivarium(owner.pid) === false) {
      const command = commandName(owner.pid);
      throw new ImageLockedError(
        imagePath,
        owner.pid,
        lockPath,
        `${name} is locked by ${lockPath}, which names pid ${owner.pid}${command ? ` (${command})` : ''}, a running process that is not Vivarium: the lock is probably stale; remove ${lockPath} if no Vivarium has this image open`,
      );
    }
  }
  const where = owner.pid === process.pid ? 'already open in this' : 'open in another';
  const other = owner.image !== null && owner.image !== realPath ? owner.image : null;
  const subject = other
    ? `${name} is the same file as ${other} (a hard link), which is`
    : `${name} is`;
  throw new ImageLockedError(
    imagePath,
    owner.pid,
    lockPath,
    `${subject} ${where} Vivarium process (pid ${owner.pid}); close it there first`,
  );
}

/** Creates the file with `content` if it does not exist; false if it exists. */
async function createExclusive(disk: Disk, path: string, content: Buffer): Promise<boolean> {
  let fd: number;
  try {
    fd = await disk.open(path, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    await writeAll(disk, fd, content);
  } catch (error) {
    await disk.close(fd).catch(() => {});
    await disk.unlink(path).catch(() => {});
    throw error;
  }
  await disk.close(fd);
  return true;
}

/** Replaces the file by a temp file holding `content`, in one rename. */
async function replace(disk: Disk, path: string, content: Buffer): Promise<void> {
  const temp = tempPathFor(path);
  await createExclusive(disk, temp, content);
  await disk.rename(temp, path).catch(async (error: unknown) => {
    await disk.unlink(temp).catch(() => {});
    throw error;
  });
}

/** Records a lock file as held, for the synchronous release at exit. */
function hold(disk: Disk, lockPath: string): string {
  held.set(lockPath, disk);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', releaseAllSync);
  }
  return lockPath;
}

/** Unlinks each lock file that still names this process. */
async function releaseFiles(disk: Disk, files: string[]): Promise<void> {
  for (const file of files) {
    held.delete(file);
    const owner = await readOwner(disk, file);
    if (owner === 'missing' || owner === 'unreadable' || !isOurs(owner)) continue;
    await disk.unlink(file).catch((error: unknown) => {
      if (errorCode(error) !== 'ENOENT') throw error;
    });
  }
}

/** At exit only synchronous work runs: unlink every lock file that still names this process. */
function releaseAllSync(): void {
  for (const [file, disk] of held) {
    try {
      const owner = parseOwner(disk.readFileSync(file).toString('utf8'));
      if (owner && isOurs(owner)) disk.unlinkSync(file);
    } catch {
      // Already gone or unreachable: nothing left to release.
    }
  }
  held.clear();
}

function isOurs(owner: Owner): boolean {
  return owner.pid === process.pid && (owner.start === null || owner.start === OWN_START);
}

/**
 * The per-user directory of inode locks, created 0700. Throws ImageFileError when it is not a
 * directory of this user that only this user can enter (another user could forge locks there).
 */
async function privateLockDirectory(disk: Disk, imagePath: string): Promise<string> {
  const dir = join(tmpdir(), `vivarium-locks-${process.getuid!()}`);
  const stats = await disk
    .mkdir(dir, 0o700)
    .then(() => disk.lstat(dir))
    .catch((error: unknown) => {
      const problem = `cannot lock it: cannot create ${dir} (where hard links of an image are locked): ${causeText(error)}`;
      throw new ImageFileError(imagePath, problem, { cause: error });
    });
  if (!stats.isDirectory() || stats.uid !== process.getuid!() || (stats.mode & 0o077) !== 0) {
    const problem = `cannot lock it: ${dir} (where hard links of an image are locked) is not a private directory of this user; remove it`;
    throw new ImageFileError(imagePath, problem);
  }
  return dir;
}
