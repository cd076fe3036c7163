// The lock file's content: `PID` on the first line, then optional `boot ID`, `start TICKS` and
// `image "PATH"` lines (older Vivariums wrote only the pid, or the pid and the boot id).
import type { Disk } from './disk.ts';
import { errorCode } from './errors.ts';

export interface Owner {
  pid: number;
  boot: string | null;
  start: string | null;
  /** The real path of the image the owner locked (an inode lock names it for messages). */
  image: string | null;
}

/**
 * The owner, waiting briefly when the file is empty or unreadable: its creator may be between
 * creating it and writing its pid. Still unreadable after that, it is garbage (a stale lock).
 */
export async function readSettledOwner(
  disk: Disk,
  lockPath: string,
): Promise<Owner | 'missing' | 'unreadable'> {
  let owner = await readOwner(disk, lockPath);
  for (let wait = 0; owner === 'unreadable' && wait < 5; wait++) {
    await new Promise((done) => setTimeout(done, 40));
    owner = await readOwner(disk, lockPath);
  }
  return owner;
}

/** The lock file's owner: 'missing' without a file, 'unreadable' when it names no pid. */
export async function readOwner(
  disk: Disk,
  lockPath: string,
): Promise<Owner | 'missing' | 'unreadable'> {
  try {
    return parseOwner((await disk.readFile(lockPath)).toString('utf8')) ?? 'unreadable';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
}

/** `PID\n` then optional `boot ID`, `start TICKS` and `image "PATH"` lines; null if no pid. */
export function parseOwner(text: string): Owner | null {
  const lines = text.split('\n');
  if (!/^\d+$/.test(lines[0]!.trim())) return null;
  const pid = Number(lines[0]!.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const field = (key: string) =>
    lines
      .find((line) => line.startsWith(`${key} `))
      ?.slice(key.length + 1)
      .trim() || null;
  let image: string | null = null;
  try {
    const value: unknown = JSON.parse(field('image') ?? 'null');
    if (typeof value === 'string') image = value;
  } catch {
    // A damaged image line only costs the message its detail.
  }
  return { pid, boot: field('boot'), start: field('start'), image };
}
