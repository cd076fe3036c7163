// The image and its store. An image is `images/x.json` (format: image-header.ts). Beside its real
// file (symlinks resolved: real-path.ts) live `x.json.journal` (records accepted since the
// snapshot; its first line names the snapshot it continues and the image it belongs to:
// journal.ts, journal-read.ts, journal-continue.ts),
// `x.json.lock` (the writer: lock.ts), and any `x.json.journal.torn-TIME` (torn journal tails set
// aside: never deleted by Vivarium).
import { nodeDisk } from './disk.ts';
import type { Disk } from './disk.ts';
import { causeText, errorCode, ImageFileError, ImageLockedError } from './errors.ts';
import { removeStaleTempFiles } from './fsync-adapter.ts';
import { imageDatabase, readHeader } from './image-adapter.ts';
import { newImageId, newSnapshotId } from './image-header.ts';
import type { ImageHeader } from './image-header.ts';
import { Journal } from './journal.ts';
import { readJournalFile, removeJournal, setAsideTorn } from './journal-open.ts';
import { continuation } from './journal-continue.ts';
import type { RecordValidator } from './journal-read.ts';
import { acquireLock } from './lock.ts';
import type { Lock } from './lock.ts';
import { locate } from './real-path.ts';
import type { Files } from './real-path.ts';

export { ImageFileError } from './errors.ts';
export { composeImageText, FORMAT, FORMAT_VERSION, splitImageText } from './image-header.ts';
export type { ImageHeader } from './image-header.ts';
export type { RecordValidator } from './journal-read.ts';

export interface OpenOptions {
  /** The file system (default: the real one); tests inject faults through it. */
  disk?: Disk;
  /** Says what is wrong with a journal record (undefined: nothing): such a record is damage. */
  validate?: RecordValidator;
}

/** Lock failures that mean "this place is read-only for us": the image can still be read. */
const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * One open image. `header`, `payload` and `journal` are what `open` found (what to rebuild from);
 * `notices` what it had to report without failing (a torn journal tail set aside); `path`
 * follows "save as".
 */
export class ImageStore {
  readonly header: ImageHeader | null;
  readonly payload: string | null;
  readonly journal: object[];
  readonly journalTorn: boolean;
  readonly notices: string[];
  readonly #disk: Disk;
  #files: Files;
  #lock: Lock | null;
  #lockFailure: ImageFileError | null;
  #journalFile: Journal;
  #imageId: string;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #pendingOperations = 0;

  private constructor(
    files: Files,
    disk: Disk,
    lock: Lock | { failure: ImageFileError },
    split: { header: ImageHeader; payload: string } | null,
    journal: Journal,
    imageId: string,
    notices: string[],
    torn: boolean,
  ) {
    [this.#files, this.#disk] = [files, disk];
    [this.#lock, this.#lockFailure] = 'failure' in lock ? [null, lock.failure] : [lock, null];
    this.header = split?.header ?? null;
    this.payload = split?.payload ?? null;
    [this.#journalFile, this.#imageId] = [journal, imageId];
    this.journal = journal.lines.map((line) => line.record);
    [this.notices, this.journalTorn] = [notices, torn];
  }

  /** The path as given (or as given to the last "save as"). */
  get path(): string {
    return this.#files.given;
  }

  /** The real file that path reaches (symlinks resolved). */
  get realPath(): string {
    return this.#files.real;
  }

  /**
   * The image's id: its snapshot's, else its journal's (an image never saved), else a new one.
   * Every snapshot and journal marker this store writes names it; "save as" gives the copy a new
   * one.
   */
  get imageId(): string {
    return this.#imageId;
  }

  /** Null while this store holds the image's lock; otherwise why not (it can then only read). */
  get lockFailure(): ImageFileError | null {
    return this.#lockFailure;
  }

  /**
   * Opens an image (a missing file is a new, empty image; its directory is created). Throws
   * ImageLockedError when another process has it, ImageFileError when it cannot be read, when it
   * or its journal is damaged, or when the journal belongs to another image (or another version
   * of this one), and then leaves every file as it was and no lock behind. Where the lock cannot
   * be created because the place is read-only, the image opens read-only (see `lockFailure`). A
   * torn last journal line is set aside in a file beside the journal, cut away, and reported in
   * `notices`.
   */
  static async open(path: string, options: OpenOptions = {}): Promise<ImageStore> {
    const disk = options.disk ?? nodeDisk;
    const files = await locate(disk, path);
    const lock = await lockImage(disk, files).catch((error: unknown) => {
      if (!(error instanceof ImageFileError) || !READ_ONLY.has(errorCode(error.cause) ?? '')) {
        throw error;
      }
      const problem = `${error.problem}; it is open read-only`;
      return { failure: new ImageFileError(path, problem, { cause: error.cause }) };
    });
    const held = 'failure' in lock ? null : lock;
    try {
      const db = imageDatabase(files.real, files.name, disk);
      await db.read().catch((error: unknown) => {
        if (error instanceof ImageFileError && error.file === files.name) throw error;
        const problem = `cannot read it: ${causeText(error)}`;
        throw new ImageFileError(files.name, problem, { cause: error });
      });
      const header = readHeader(db.data);
      const split = header && db.data ? { header, payload: db.data.payload } : null;
      const journalPath = `${files.real}.journal`;
      const journalName = `${files.name}.journal`;
      const contents = await readJournalFile(disk, journalPath, journalName, options.validate);
      const lines = continuation(contents, split?.header ?? null);
      if (typeof lines === 'string') throw new ImageFileError(journalName, lines);
      const notices: string[] = [];
      if (contents.torn) {
        notices.push(await setAsideTorn(disk, journalPath, journalName, contents, held !== null));
      }
      if (held) await removeStaleTempFiles(files.real, disk);
      // An empty journal accepted here (no snapshot, or a version 1 one) is removed while no
      // snapshot is written yet: a crash in the first save must not leave it beside a version 2
      // snapshot, which refuses it. Tidying: a failure is ignored.
      if (held && contents.exists && contents.size === 0) {
        await removeJournal(disk, journalPath).catch(() => {});
      }
      // What the marker on disk names (undefined: a legacy journal); a missing (or emptied)
      // journal is created with a marker naming this snapshot.
      const exists = contents.marker !== null || contents.lines.length > 0;
      const follows = contents.marker
        ? contents.marker.follows
        : exists
          ? undefined
          : (split?.header.id ?? null);
      const imageId = split?.header.imageId ?? contents.marker?.imageId ?? newImageId();
      const journal = new Journal(journalPath, { follows, lines, exists, imageId }, disk);
      const torn = contents.torn !== null;
      return new ImageStore(files, disk, lock, split, journal, imageId, notices, torn);
    } catch (error) {
      await held?.release().catch(() => {});
      throw error;
    }
  }

  /**
   * Appends one record to the journal; resolves once it is on disk (every byte, fdatasynced).
   * Rejects with ImageFileError, and then the journal holds what it held before.
   */
  append(record: object): Promise<void> {
    // The common case (nothing else queued, journal open and clean) appends at once, synchronously.
    const journal = this.#journalFile;
    if (this.#idle && journal.idle && !this.#lockFailure && !this.#closed) {
      try {
        journal.appendSync(record);
        return Promise.resolve();
      } catch (error) {
        return Promise.reject(error);
      }
    }
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (this.#lockFailure) throw this.#lockFailure;
      await this.#journalFile.append(record);
    });
  }

  /**
   * Writes a snapshot holding the entries up to `entry` durably (temp file, fsync, rename,
   * directory fsync), then resets the journal to a marker naming it followed by every record
   * numbered after `entry` (appended while the snapshot was taken), again by rename. A crash at
   * any point leaves the old or the new journal, and reopening gives snapshot + exactly the
   * records not in it. Rejects with ImageFileError; when only the journal reset failed the
   * snapshot is saved and the journal goes on as it was (reopening applies it correctly).
   * Given another path ("save as"), locks that path, writes there, and from then on this store
   * is that image (the old one keeps its snapshot and journal, and its lock is released): a copy,
   * with a new image id, whose journal holds the records numbered after `entry`.
   */
  save(entry: number, payloadJson: string, path: string = this.#files.given): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      const target = path === this.#files.given ? this.#files : await locate(this.#disk, path);
      const moving = target.real !== this.#files.real;
      if (!moving && this.#lockFailure) throw this.#lockFailure;
      const lock = moving ? await lockImage(this.#disk, target) : this.#lock;
      const id = newSnapshotId();
      const imageId = moving ? newImageId() : this.#imageId;
      const journal = this.#journalFile;
      // The snapshot names the one the journal on disk follows: if a crash comes before the
      // journal is reset, reopening knows its records after `entry` follow this snapshot.
      const previous = moving ? null : (journal.follows ?? null);
      try {
        const db = imageDatabase(target.real, target.given, this.#disk);
        db.data = {
          header: { savedAt: new Date().toISOString(), entry, id, previous, imageId },
          payload: payloadJson,
        };
        await db.write();
        if (moving) {
          // Its journal: the same records, at the destination (until then the old image is ours).
          const state = { follows: id, lines: journal.lines, exists: false, imageId };
          const next = new Journal(`${target.real}.journal`, state, this.#disk);
          await next.reset(id, entry);
          await journal.close().catch(() => {});
          await this.#lock?.release().catch(() => {});
          [this.#files, this.#lock, this.#lockFailure] = [target, lock, null];
          [this.#journalFile, this.#imageId] = [next, imageId];
          return;
        }
      } catch (error) {
        if (moving) await lock?.release().catch(() => {});
        if (error instanceof TypeError) throw error;
        const problem = (error as ImageFileError).problem ?? causeText(error);
        throw new ImageFileError(target.name, problem, { cause: error });
      }
      await journal.reset(id, entry).catch((error: unknown) => {
        const problem = `the snapshot is saved, but the journal could not be reset: ${causeText(error)}; it goes on as it was (nothing is lost)`;
        throw new ImageFileError(`${this.#files.name}.journal`, problem, { cause: error });
      });
    });
  }

  /**
   * Finishes pending work, closes the journal and releases the lock. Closing twice is harmless.
   * Rejects with ImageFileError when the journal cannot be closed cleanly (the lock is released).
   */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      try {
        await this.#journalFile.close();
      } finally {
        await this.#lock?.release();
        this.#lock = null;
      }
    });
  }

  /** Operations run one at a time, in call order (an append made before a save is in it). */
  #enqueue(operation: () => Promise<void>): Promise<void> {
    this.#pendingOperations++;
    const settle = () => {
      this.#pendingOperations--;
    };
    const run = this.#queue.then(operation);
    run.then(settle, settle);
    this.#queue = run.catch(() => {});
    return run;
  }

  get #idle(): boolean {
    return this.#pendingOperations === 0;
  }

  #assertOpen(): void {
    if (this.#closed) throw new ImageFileError(this.#files.given, 'this image store is closed');
  }
}

/** The image's lock: ImageLockedError as it is, any other failure as ImageFileError. */
async function lockImage(disk: Disk, files: Files): Promise<Lock> {
  return acquireLock(files.given, { disk, realPath: files.real }).catch((error: unknown) => {
    if (error instanceof ImageLockedError || error instanceof ImageFileError) throw error;
    throw new ImageFileError(files.given, `cannot lock it: ${causeText(error)}`, { cause: error });
  });
}
