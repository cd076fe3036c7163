// An image opened with `--read-only`: its snapshot and journal are read (and checked) exactly as
// `ImageStore.open` reads them, but nothing is ever written: no lock file, no directory, no torn
// tail set aside, no journal record, no snapshot. Entries then live in memory only.
import { resolve } from 'node:path';
import { nodeDisk } from './disk.ts';
import { ImageFileError, causeText } from './errors.ts';
import { imageDatabase, readHeader } from './image-adapter.ts';
import { readJournalFile } from './journal-open.ts';
import { continuation } from './journal-continue.ts';
import type { RecordValidator } from './journal-read.ts';
import type { OpenedStore } from './store.ts';

const REFUSED = 'the image is open read-only (--read-only): nothing is written';

export async function openReadOnlyStore(
  path: string,
  options: { validate?: RecordValidator } = {},
): Promise<OpenedStore> {
  const real = resolve(path);
  const db = imageDatabase(real, path, nodeDisk);
  await db.read().catch((error: unknown) => {
    if (error instanceof ImageFileError) throw error;
    throw new ImageFileError(path, `cannot read it: ${causeText(error)}`, { cause: error });
  });
  const header = readHeader(db.data);
  const journalName = `${path}.journal`;
  const contents = await readJournalFile(
    nodeDisk,
    `${real}.journal`,
    journalName,
    options.validate,
  );
  const lines = continuation(contents, header);
  if (typeof lines === 'string') throw new ImageFileError(journalName, lines);
  const notices = contents.torn
    ? [`${journalName} ends in a torn line; it is left as it is (read-only) and not replayed`]
    : [];
  return {
    path: real,
    payload: header && db.data ? db.data.payload : null,
    savedEntry: header?.entry ?? 0,
    ...(header ? { savedAt: header.savedAt } : {}),
    journal: lines.map((line) => line.record),
    notices,
    readOnly: true,
    append: () => Promise.reject(new Error(REFUSED)),
    save: () => Promise.reject(new Error(REFUSED)),
    close: async () => {},
  };
}
