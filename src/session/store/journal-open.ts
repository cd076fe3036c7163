// Opening an image's journal: reading it (damage as ImageFileError naming the journal) and
// setting a torn last line aside in a file beside it before cutting it away.
import { dirname } from 'node:path';
import type { Disk } from './disk.ts';
import { causeText, errorCode, ImageFileError } from './errors.ts';
import { createFile, syncDirectory } from './fsync-adapter.ts';
import { truncateFile } from './journal.ts';
import { JournalError, readJournal } from './journal-read.ts';
import type { JournalContents, RecordValidator } from './journal-read.ts';

/** The journal's contents; damage and read failures as ImageFileError naming it. */
export async function readJournalFile(
  disk: Disk,
  path: string,
  name: string,
  validate: RecordValidator | undefined,
): Promise<JournalContents> {
  return readJournal(path, { disk, validate }).catch((error: unknown) => {
    const problem =
      error instanceof JournalError
        ? `line ${error.line} (at byte ${error.offset}) ${error.problem}`
        : `cannot read it: ${causeText(error)}`;
    throw new ImageFileError(name, problem, { cause: error });
  });
}

/**
 * Copies a torn journal tail to `JOURNAL.torn-TIME` (UTC) beside it, then cuts it from the
 * journal (a journal that was all torn tail is removed: the store never leaves an empty one);
 * when `writable` is false (read-only) leaves both as they are. Returns the notice.
 */
export async function setAsideTorn(
  disk: Disk,
  path: string,
  name: string,
  contents: JournalContents,
  writable: boolean,
): Promise<string> {
  const { bytes } = contents.torn!;
  const size = `${bytes.length} byte${bytes.length === 1 ? '' : 's'}`;
  const start = `${name}: its last line (${size}) is incomplete: a write cut short by a crash (whose result was never shown) or damage to the file; it was left out.`;
  if (!writable) return `${start} It is left in place (the image is open read-only).`;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  for (let n = 1; ; n++) {
    const suffix = `.torn-${stamp}${n === 1 ? '' : `-${n}`}`;
    try {
      await createFile(disk, path + suffix, bytes);
    } catch (error) {
      if (errorCode((error as Error).cause) === 'EEXIST' && n < 100) continue;
      throw new ImageFileError(name, `cannot set its torn last line aside: ${causeText(error)}`, {
        cause: error,
      });
    }
    const cut =
      contents.intactBytes === 0
        ? removeJournal(disk, path)
        : truncateFile(disk, path, contents.intactBytes);
    await cut.catch((error: unknown) => {
      const problem = `cannot cut its torn last line (set aside in ${name}${suffix}): ${causeText(error)}`;
      throw new ImageFileError(name, problem, { cause: error });
    });
    return `${start} Set aside in ${name}${suffix}`;
  }
}

/**
 * Removes a journal that holds no line (empty, or cut to nothing), durably: a missing journal is
 * a journal without records, while an empty one beside a saved image is refused as damage (the
 * store creates journals whole, by rename). Rejects with the file system's error.
 */
export async function removeJournal(disk: Disk, path: string): Promise<void> {
  await disk.unlink(path).catch((error: unknown) => {
    if (errorCode(error) !== 'ENOENT') throw error;
  });
  await syncDirectory(disk, dirname(path));
}
