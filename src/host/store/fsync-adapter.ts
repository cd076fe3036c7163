// A lowdb adapter that writes durably. lowdb's stock TextFile adapter writes through steno, which
// does writeFile(temp) + rename(temp, file) and never fsyncs: after a power failure or kernel
// crash the renamed file can be empty or partial (lowdb issues 549, 139, 352). Here the temp file
// is fsynced before the rename and the directory after it, so at every instant the file on disk
// holds either the old or the new content, and a resolved write survives a crash.
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';

export class FsyncTextAdapter implements Adapter<string> {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** The file's text, or null when it does not exist (absence is not an error). */
  async read(): Promise<string | null> {
    try {
      return await readFile(this.path, 'utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw error;
    }
  }

  /** Replaces the file atomically and durably; on failure the old file is left as it was. */
  async write(data: string): Promise<void> {
    const temp = tempPathFor(this.path);
    let handle: FileHandle | undefined;
    let renamed = false;
    try {
      handle = await open(temp, 'wx');
      await handle.writeFile(data, 'utf8');
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, this.path);
      renamed = true;
      await syncDirectory(dirname(this.path));
    } catch (error) {
      await handle?.close().catch(() => {});
      if (!renamed) await unlink(temp).catch(() => {});
      throw new Error(`cannot write ${this.path}: ${errorMessage(error)}`, { cause: error });
    }
  }
}

/** `.NAME.PID.RANDOM.tmp` next to the file: unique per write, and names the writing process. */
export function tempPathFor(path: string): string {
  const random = randomBytes(6).toString('hex');
  return join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`);
}

/**
 * Removes the temp files a killed writer of `path` left behind (those whose process is gone).
 * Only the holder of the file's lock should call this; failures are ignored (it is tidying).
 */
export async function removeStaleTempFiles(path: string): Promise<string[]> {
  const prefix = `.${basename(path)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (!match || isProcessAlive(Number(match[1]))) continue;
    const file = join(dirname(path), name);
    await unlink(file).then(
      () => removed.push(file),
      () => {},
    );
  }
  return removed;
}

/**
 * Makes a directory's entries (a rename, a created file) durable. Windows cannot open a directory
 * for syncing, and its renames are journaled by NTFS, so there it does nothing.
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** True when a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
