// The errors the store throws for user-facing reasons, and how a file system failure is put in
// words. Every message names the file, the place and the cause; a raw Node error only ever
// travels as a `cause`.
import { constants } from 'node:os';
import { getSystemErrorMessage } from 'node:util';

/** A file of the image (the image, its journal, its lock) cannot be read, written or trusted. */
export class ImageFileError extends Error {
  readonly file: string;
  readonly problem: string;

  constructor(file: string, problem: string, options?: ErrorOptions) {
    super(`${file}: ${problem}`, options);
    this.name = 'ImageFileError';
    this.file = file;
    this.problem = problem;
  }
}

/** Another process (or this one) holds the image, or its lock names a process we must not ignore. */
export class ImageLockedError extends Error {
  /** The path as given. */
  readonly imagePath: string;
  /** The pid the lock names. */
  readonly pid: number;
  /** The lock file that names it. */
  readonly lockPath: string;

  constructor(imagePath: string, pid: number, lockPath: string, message?: string) {
    const where = pid === process.pid ? 'already open in this' : 'open in another';
    super(
      message ?? `${imagePath} is ${where} Vivarium process (pid ${pid}); close it there first`,
    );
    this.name = 'ImageLockedError';
    this.imagePath = imagePath;
    this.pid = pid;
    this.lockPath = lockPath;
  }
}

/** The error's code (`ENOSPC`), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The cause of a failure in words: `no space left on device (ENOSPC)` for a system error (the
 * operating system's own words, then its code), the message otherwise. Never a stack.
 */
export function causeText(error: unknown): string {
  if (error instanceof ImageFileError) return error.problem;
  const code = errorCode(error);
  const errno = code === undefined ? undefined : (constants.errno as Record<string, number>)[code];
  if (code !== undefined && errno !== undefined) {
    return `${getSystemErrorMessage(-errno)} (${code})`;
  }
  return errorMessage(error);
}

/** An error with a code, for failures the store detects itself (a write that wrote nothing). */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
