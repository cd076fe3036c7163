// The real file a path reaches, the way the kernel resolves it: symlinks followed (also one that
// points at a file that does not exist yet) and `..` applied after them (`dir-link/../x.json` is
// beside the link's target, not beside the link). The image, its journal and its lock are all
// keyed on this path, so every name of an image reaches the same files.
import { basename, dirname, isAbsolute } from 'node:path';
import type { Disk } from './disk.ts';
import { causeText, codedError, errorCode, ImageFileError } from './errors.ts';

/** Symlinks followed before giving up, as the kernel's MAXSYMLINKS. */
const MAX_LINKS = 40;

/**
 * The absolute real path of `given`. Its directory must exist; the file need not. Rejects with
 * the file system's error (ELOOP for a symlink loop).
 */
export async function realImagePath(disk: Disk, given: string): Promise<string> {
  // Not path.resolve: it would apply `..` to the text, before the kernel follows the links.
  let path = isAbsolute(given) ? given : `${process.cwd()}/${given}`;
  for (let links = 0; links <= MAX_LINKS; links++) {
    try {
      return await disk.realpath(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') throw error;
    }
    // Missing: a new file (its directory is real), or a symlink to a file that does not exist.
    let target: string | null = null;
    try {
      target = await disk.readlink(path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'EINVAL') throw error;
    }
    if (target === null) {
      const dir = await disk.realpath(dirname(path));
      return `${dir === '/' ? '' : dir}/${basename(path)}`;
    }
    path = isAbsolute(target) ? target : `${dirname(path)}/${target}`;
  }
  throw codedError('ELOOP', `too many levels of symbolic links (${given})`);
}

/** An image's files: real paths (what is opened) and the names messages use. */
export interface Files {
  given: string;
  real: string;
  /** The given path when it is the real file, else the real path. */
  name: string;
}

/** The image's files: its directory created, its real path resolved. Throws ImageFileError. */
export async function locate(disk: Disk, path: string): Promise<Files> {
  try {
    await disk.mkdir(dirname(path));
  } catch (error) {
    const problem = `cannot create its directory ${dirname(path)}: ${causeText(error)}`;
    throw new ImageFileError(path, problem, { cause: error });
  }
  let real: string;
  try {
    real = await realImagePath(disk, path);
  } catch (error) {
    const problem = `cannot find the file it reaches: ${causeText(error)}`;
    throw new ImageFileError(path, problem, { cause: error });
  }
  // A device, a pipe or a socket is no image: reading it could block for ever, and a save (renamed
  // over it) would replace it by a plain file, /dev/null too.
  const special = await disk.stat(real).then(
    (stat) => !stat.isFile() && !stat.isDirectory(),
    () => false,
  );
  if (special) {
    throw new ImageFileError(path, 'it is a device, pipe or socket, not an image file');
  }
  const lexical = await realImagePath(disk, dirname(path)).then(
    (dir) => `${dir === '/' ? '' : dir}/${basename(path)}` === real,
    () => false,
  );
  return { given: path, real, name: lexical ? path : real };
}
