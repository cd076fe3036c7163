// The engine's Store, backed by an image file, its journal and its lock (image-file.ts).
import type { JournalRecord, Store } from '../engine/engine.ts';
import { ImageStore } from './image-file.ts';
import type { OpenOptions } from './image-file.ts';

export { ImageFileError } from './errors.ts';
export { ImageLockedError } from './errors.ts';
export type { RecordValidator } from './journal-read.ts';

/** The engine's Store, plus what opening had to report without failing. */
export interface OpenedStore extends Store {
  /** Messages for the user (a torn journal tail set aside), in order; empty when all was well. */
  readonly notices: readonly string[];
}

/**
 * Opens (or, when the file does not exist, starts) the image at `path` and locks it. Rejects with
 * ImageLockedError or ImageFileError (also when the place is read-only: refused now rather than
 * at the first accepted entry). `options.validate` describes what is wrong with a journal record
 * (undefined: nothing); such a record is reported as damage naming file and line.
 */
export async function openStore(
  path: string,
  options: Pick<OpenOptions, 'validate'> = {},
): Promise<OpenedStore> {
  const image = await ImageStore.open(path, options);
  if (image.lockFailure) {
    await image.close();
    throw image.lockFailure;
  }
  return {
    get path() {
      return image.path;
    },
    payload: image.payload,
    savedEntry: image.header?.entry ?? 0,
    ...(image.header ? { savedAt: image.header.savedAt } : {}),
    journal: image.journal,
    notices: image.notices,
    append: (record: JournalRecord) => image.append(record),
    save: (entry: number, payload: string, to?: string) => image.save(entry, payload, to),
    close: () => image.close(),
  };
}
