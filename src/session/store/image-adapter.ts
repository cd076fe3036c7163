// The image file as a lowdb document: `Low<ImageDocument>` reads and writes it through this
// adapter. The document is the header and the snapshot's payload as text: the session checks the
// payload's length and checksum but never parses it (it may be 50 MB; the guest parses it), so the
// adapter splits and composes the file around it, and writes durably (fsync-adapter.ts).
import type { Adapter } from 'lowdb';
import { Low } from 'lowdb';
import type { Disk } from './disk.ts';
import { FsyncTextAdapter } from './fsync-adapter.ts';
import { composeImageText, splitImageText } from './image-header.ts';
import type { ImageHeader } from './image-header.ts';

/** The document: its header as read (or, to write, the fields a save chooses) and its payload. */
export interface ImageDocument {
  header: ImageHeader | Parameters<typeof composeImageText>[0];
  /** The guest's snapshot, as JSON text. */
  payload: string;
}

class ImageAdapter implements Adapter<ImageDocument | null> {
  readonly #file: FsyncTextAdapter;
  readonly #name: string;

  constructor(path: string, name: string, disk: Disk) {
    this.#file = new FsyncTextAdapter(path, disk);
    this.#name = name;
  }

  /** The document, or null for a new image; ImageFileError when the file is not a valid image. */
  async read(): Promise<ImageDocument | null> {
    const text = await this.#file.read();
    return text === null ? null : splitImageText(this.#name, text);
  }

  /** Writes the document durably (the header's format, length and checksum are computed). */
  write(document: ImageDocument | null): Promise<void> {
    if (!document) return Promise.reject(new TypeError('an image document cannot be null'));
    return this.#file.write(composeImageText(document.header, document.payload));
  }
}

/** The header as read from a file (not the fields of one being written). */
export function readHeader(document: ImageDocument | null): ImageHeader | null {
  return document && 'length' in document.header ? document.header : null;
}

/** The image at `path` (`name`: how the person named it, for messages) as a lowdb database. */
export function imageDatabase(path: string, name: string, disk: Disk): Low<ImageDocument | null> {
  return new Low<ImageDocument | null>(new ImageAdapter(path, name, disk), null);
}
