// The secret a client shows to reach a served image: 32 random bytes as 64 hex digits, in a file
// beside the image that only its owner can read (0600). Created on the first `viv serve`; kept
// after, so an attached terminal can reconnect after the server restarts. As ssh does with a
// private key, a token file that its group or others can read is refused, by server and client.
import { randomHex } from '../../shared/hash.ts';
import { closeSync, fstatSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { constants } from 'node:fs';

export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

/** The token file of an image. */
export function tokenPath(image: string): string {
  return `${image}.token`;
}

/** The token in `path`, created there (0600) when there is none yet. */
export function ensureToken(path: string): string {
  const token = randomHex(32);
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readToken(path);
    throw new TokenError(`cannot create the token file ${path}: ${(error as Error).message}`);
  }
  try {
    writeSync(fd, token + '\n');
  } catch (error) {
    // A full disk: no empty token file is left behind to be refused on the next serve.
    closeSync(fd);
    rmSync(path, { force: true });
    throw new TokenError(`cannot write the token file ${path}: ${(error as Error).message}`);
  }
  closeSync(fd);
  return token;
}

/** The token in `path`; refuses a file others could read, or one that holds no token. */
export function readToken(path: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO put there opens at once (and is refused below) instead of hanging.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TokenError(`no token file ${path}`);
    if (code === 'ELOOP') {
      throw new TokenError(
        `the token file ${path} is a symbolic link; it must be a file of its own (remove it and serve again to make one)`,
      );
    }
    throw new TokenError(`cannot read the token file ${path}: ${(error as Error).message}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      throw new TokenError(
        `the token file ${path} is not a regular file; remove it and serve again to make one`,
      );
    }
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new TokenError(
        `the token file ${path} can be read by others (mode ${mode}); it must be readable by its owner only: chmod 600 ${path}`,
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && stat.uid !== uid) {
      throw new TokenError(`the token file ${path} belongs to another user (uid ${stat.uid})`);
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!/^[0-9a-f]{64}$/.test(text)) {
      throw new TokenError(`the token file ${path} does not hold a token (64 hex digits)`);
    }
    return text;
  } finally {
    closeSync(fd);
  }
}

/**
 * Whether `given` is the token, in time that does not depend on where they differ: both are
 * hashed first, so timingSafeEqual compares two buffers of the same length whatever was sent.
 */
export function tokenMatches(given: unknown, token: string): boolean {
  if (typeof given !== 'string') return false;
  // (node:crypto taken here: every start of the REPL imports this file, few serve.)
  const { createHash, timingSafeEqual } = process.getBuiltinModule('node:crypto');
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b);
}
