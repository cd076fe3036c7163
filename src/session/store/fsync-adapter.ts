// Durable file writes. lowdb's stock TextFile adapter writes through steno, which does
// writeFile(temp) + rename(temp, file) and never fsyncs: after a power failure or kernel crash the
// renamed file can be empty or partial (lowdb issues 549, 139, 352). Here the temp file is
// fsynced before the rename and the directory after it, so at every instant the file on disk
// holds either the old or the new content, and a resolved write survives a crash.
import { randomHex } from '../../shared/hash.ts';
import { basename, dirname, join } from 'node:path';
import type { Adapter } from 'lowdb';
import { nodeDisk, writeAll } from './disk.ts';
import type { Disk } from './disk.ts';
import { causeText, errorCode, ImageFileError } from './errors.ts';
import { isProcessAlive } from './process-info.ts';

export { errorCode, errorMessage } from './errors.ts';
export { isProcessAlive } from './process-info.ts';

/** A lowdb adapter over `replaceFile`: the image file is written through it. */
export class FsyncTextAdapter implements Adapter<string> {
  readonly path: string;
  readonly #disk: Disk;

  constructor(path: string, disk: Disk = nodeDisk) {
    this.path = path;
    this.#disk = disk;
  }

  /** The file's text, or null when it does not exist (absence is not an error). */
  async read(): Promise<string | null> {
    try {
      return (await this.#disk.readFile(this.path)).toString('utf8');
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return null;
      throw new ImageFileError(this.path, `cannot read it: ${causeText(error)}`, { cause: error });
    }
  }

  /** Replaces the file atomically and durably (see `replaceFile`). */
  write(data: string): Promise<void> {
    return replaceFile(this.#disk, this.path, Buffer.from(data, 'utf8'));
  }
}

/** A failed `replaceFile`: `renamed` says whether the new content is in place all the same. */
export class ReplaceError extends ImageFileError {
  readonly renamed: boolean;

  constructor(file: string, problem: string, renamed: boolean, options?: ErrorOptions) {
    super(file, problem, options);
    this.renamed = renamed;
  }
}

/**
 * Replaces `path` with `data` atomically and durably: a temp file beside it is written, fsynced,
 * renamed over it, and the directory fsynced. Rejects with ImageFileError (`cannot write it:
 * CAUSE, STEP`, a ReplaceError); until the rename the old file is as it was and the temp file is
 * removed. A failure after the rename (syncing the directory) leaves the new content in place.
 */
export async function replaceFile(disk: Disk, path: string, data: Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  let step = `creating its new copy ${temp}`;
  let fd: number | undefined;
  let renamed = false;
  try {
    fd = await disk.open(temp, 'wx');
    step = `writing its new copy ${temp}`;
    await writeAll(disk, fd, data);
    step = `syncing its new copy ${temp} to disk`;
    await disk.fsync(fd);
    step = `closing its new copy ${temp}`;
    await disk.close(fd);
    fd = undefined;
    step = `renaming ${temp} over it`;
    await disk.rename(temp, path);
    renamed = true;
    step = 'syncing its directory (the new content is in place but may not survive a power loss)';
    await syncDirectory(disk, dirname(path));
  } catch (error) {
    if (fd !== undefined) await disk.close(fd).catch(() => {});
    if (!renamed) await disk.unlink(temp).catch(() => {});
    const kept = renamed ? '' : '; the file is as it was';
    const problem = `cannot write it: ${causeText(error)}, ${step}${kept}`;
    throw new ReplaceError(path, problem, renamed, { cause: error });
  }
}

/**
 * Creates `path` (which must not exist) holding `data`, durably: written, fsynced, and its
 * directory fsynced. On failure the partial file is removed and ImageFileError names the cause.
 */
export async function createFile(disk: Disk, path: string, data: Uint8Array): Promise<void> {
  let fd: number | undefined;
  let created = false;
  try {
    fd = await disk.open(path, 'wx');
    created = true;
    await writeAll(disk, fd, data);
    await disk.fsync(fd);
    await disk.close(fd);
    fd = undefined;
    await syncDirectory(disk, dirname(path));
  } catch (error) {
    if (fd !== undefined) await disk.close(fd).catch(() => {});
    if (created) await disk.unlink(path).catch(() => {});
    throw new ImageFileError(path, `cannot create it: ${causeText(error)}`, { cause: error });
  }
}

/** `.NAME.PID.RANDOM.tmp` next to the file: unique per write, and names the writing process. */
export function tempPathFor(path: string): string {
  const random = randomHex(6);
  return join(dirname(path), `.${basename(path)}.${process.pid}.${random}.tmp`);
}

/**
 * Removes the temp files a killed writer of `path` (or of its journal) left behind: those whose
 * process is gone. Only the holder of the file's lock should call this; failures are ignored (it
 * is tidying). Returns the paths removed.
 */
export async function removeStaleTempFiles(path: string, disk: Disk = nodeDisk): Promise<string[]> {
  // The journal's prefix first: the image's is a prefix of it.
  const prefixes = [`.${basename(path)}.journal.`, `.${basename(path)}.`];
  const removed: string[] = [];
  let names: string[];
  try {
    names = await disk.readdir(dirname(path));
  } catch {
    return removed;
  }
  for (const name of names) {
    const prefix = prefixes.find((start) => name.startsWith(start));
    const match = prefix ? /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (!match || isProcessAlive(Number(match[1]))) continue;
    const file = join(dirname(path), name);
    await disk.unlink(file).then(
      () => removed.push(file),
      () => {},
    );
  }
  return removed;
}

/**
 * Makes a directory's entries (a rename, a created file) durable. Windows cannot open a directory
 * for syncing, and its renames are journaled by NTFS, so there it does nothing. Rejects with the
 * file system's error.
 */
export async function syncDirectory(disk: Disk, dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fd = await disk.open(dir, 'r');
  try {
    await disk.fsync(fd);
  } finally {
    await disk.close(fd);
  }
}
