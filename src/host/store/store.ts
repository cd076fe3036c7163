// The engine's Store, backed by an image file, its journal and its lock (image-file.ts).
import type { JournalRecord, Store } from '../engine.ts';
import { ImageStore } from './image-file.ts';

/** Opens (or, when the file does not exist, starts) the image at `path`; locks it. */
export async function openStore(path: string): Promise<Store> {
  const image = await ImageStore.open(path);
  if (image.lockFailure) {
    // A read-only place: refuse now rather than fail at the first accepted entry.
    await image.close();
    throw image.lockFailure;
  }
  return {
    get path() {
      return image.path;
    },
    payload: image.payload,
    savedEntry: image.header?.entry ?? 0,
    journal: image.journal,
    append: (record: JournalRecord) => image.append(record),
    save: (entry: number, payload: string, to?: string) => image.save(entry, payload, to),
    close: () => image.close(),
  };
}
