// Writing the journal (reading it: journal-read.ts). Appends are all-or-nothing: every byte is
// written (looping on short writes), then fdatasynced, and only then does the append resolve. On
// any failure the file is cut back to its length before the append (ftruncate + fsync); if that
// fails too the journal is "dirty": every later append first retries the cut, and is refused
// until it succeeds, so no record ever lands after a partial line. A reset (after a save)
// replaces the whole file by rename: a crash leaves the old journal or the new one. A journal is
// only ever created whole, its marker (naming the snapshot it follows and its image) included,
// by a rename: the store never leaves an empty journal. Lines: journal-line.ts.
import { nodeDisk, writeAll, writeAllSync } from './disk.ts';
import type { Disk } from './disk.ts';
import { causeText, ImageFileError } from './errors.ts';
import { dirname } from 'node:path';
import { replaceFile, ReplaceError, syncDirectory } from './fsync-adapter.ts';
import { journalLine, journalMarker } from './journal-line.ts';
import type { JournalLine } from './journal-line.ts';

export { JournalError, journalMarker, readJournal } from './journal-read.ts';
export type { JournalContents, JournalLine, JournalMarker } from './journal-read.ts';

/** What a Journal starts from (see the fields of the same names). */
export interface JournalState {
  follows: string | null | undefined;
  lines: readonly JournalLine[];
  exists: boolean;
  imageId: string;
}

export class Journal {
  readonly #disk: Disk;
  #path: string;
  #fd: number | null = null;
  /** The snapshot its marker names (undefined: a legacy journal without a marker). */
  #follows: string | null | undefined;
  /** The image it belongs to: every marker this journal writes names it. */
  readonly #imageId: string;
  /** The records that follow that snapshot, as on disk. */
  #lines: JournalLine[];
  /** Whether the file exists (a missing journal is created, with its marker, at the first append). */
  #exists: boolean;
  /** The file's length after the last good line: where a failed append is cut back to. */
  #length = 0;
  /** A failed append left bytes past `#length` that could not be cut yet. */
  #dirty: unknown = null;
  /** A rename of the journal whose directory could not be synced: retried before appending. */
  #unsyncedDirectory = false;
  #queue: Promise<unknown> = Promise.resolve();
  #pending = 0;
  #closed = false;

  /** A journal as read (not opened yet: the first write opens it). */
  constructor(path: string, state: JournalState, disk: Disk = nodeDisk) {
    this.#path = path;
    this.#disk = disk;
    this.#imageId = state.imageId;
    this.#follows = state.follows;
    this.#lines = [...state.lines];
    this.#exists = state.exists;
  }

  get path(): string {
    return this.#path;
  }

  /** The snapshot the marker on disk names (undefined: none, a legacy journal). */
  get follows(): string | null | undefined {
    return this.#follows;
  }

  /** The records on disk that follow that snapshot, oldest first. */
  get lines(): readonly JournalLine[] {
    return this.#lines;
  }

  /** Open, clean, and nothing queued: `appendSync` may run. */
  get idle(): boolean {
    return this.#fd !== null && this.#pending === 0 && this.#dirty === null && !this.#closed;
  }

  /**
   * Appends one record now, with blocking write and fdatasync calls (about 120 µs here, against
   * about 240 µs through the thread pool). Only valid when `idle`. Throws ImageFileError (the
   * journal then holds what it held before).
   */
  appendSync(record: object): void {
    const line = journalLine(record);
    const fd = this.#fd;
    if (fd === null || !this.idle) throw new Error(`${this.#path}: the journal is busy or closed`);
    try {
      writeAllSync(this.#disk, fd, line.bytes);
      this.#disk.fdatasyncSync(fd);
    } catch (error) {
      try {
        this.#disk.ftruncateSync(fd, this.#length);
        this.#disk.fsyncSync(fd);
      } catch (cutError) {
        this.#dirty = cutError;
        // The failed append may have written no byte (EPERM on an immutable file): then nothing
        // is dirty, and the message must not say a partial line is left.
        this.#clearIfIntactSync(fd);
      }
      throw this.#appendFailure(error);
    }
    this.#length += line.bytes.length;
    this.#lines.push(line);
  }

  /** Appends one record; resolves once it is on disk. Rejects with ImageFileError (see above). */
  append(record: object): Promise<void> {
    let line: JournalLine;
    try {
      line = journalLine(record);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(async () => {
      const fd = await this.#ready();
      try {
        await writeAll(this.#disk, fd, line.bytes);
        await this.#disk.fdatasync(fd);
      } catch (error) {
        await this.#cutBack(fd).catch((cutError: unknown) => (this.#dirty = cutError));
        await this.#clearIfIntact(fd);
        throw this.#appendFailure(error);
      }
      this.#length += line.bytes.length;
      this.#lines.push(line);
    });
  }

  /**
   * Replaces the journal (at `path`: the same, or a "save as" destination) by a marker naming
   * `follows` and the records numbered after `entry`, in one rename. Rejects with ImageFileError:
   * before the rename nothing changed; after it (syncing the directory failed) the new file is
   * in use and the next append retries the sync.
   */
  reset(follows: string | null, entry: number, path: string = this.#path): Promise<void> {
    return this.#enqueue(async () => {
      const kept = this.#lines.filter((line) => line.entry !== undefined && line.entry > entry);
      const marker = journalLine(journalMarker(follows, this.#imageId)).bytes;
      const content = Buffer.concat([marker, ...kept.map((line) => line.bytes)]);
      const failure = await replaceFile(this.#disk, path, content).then(
        () => null,
        (error: unknown) => {
          if (error instanceof ReplaceError && error.renamed) return error;
          throw error;
        },
      );
      // The new file is in place: the next append opens it (the old descriptor names the old file).
      const old = this.#fd;
      [this.#fd, this.#path, this.#follows, this.#lines] = [null, path, follows, kept];
      [this.#exists, this.#dirty, this.#unsyncedDirectory] = [true, null, failure !== null];
      if (old !== null) await this.#disk.close(old).catch(() => {});
      if (failure) throw failure;
    });
  }

  /**
   * Waits for queued work, retries a pending cut, and closes the file. Rejects with
   * ImageFileError when the cut still fails (the refused record may then be on disk). Closing
   * twice is harmless.
   */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      const fd = this.#fd;
      this.#fd = null;
      if (fd === null) return;
      try {
        if (this.#dirty !== null) await this.#cutBack(fd);
      } catch (error) {
        const problem = `cannot remove the partial line a failed append left: ${causeText(error)}; reopening may find it`;
        throw new ImageFileError(this.#path, problem, { cause: error });
      } finally {
        await this.#disk.close(fd).catch(() => {});
      }
    });
  }

  /** The open descriptor: the file opened (created with its marker if missing), a cut retried. */
  async #ready(): Promise<number> {
    if (this.#closed) throw new ImageFileError(this.#path, 'cannot append to it: it is closed');
    if (this.#fd === null) {
      try {
        if (!this.#exists) {
          const marker = journalLine(journalMarker(this.#follows ?? null, this.#imageId)).bytes;
          await replaceFile(
            this.#disk,
            this.#path,
            Buffer.concat([marker, ...this.#lines.map((line) => line.bytes)]),
          );
          this.#exists = true;
          this.#follows ??= null;
        }
        const fd = await this.#disk.open(this.#path, 'a');
        this.#length = (await this.#disk.fstat(fd)).size;
        this.#fd = fd;
        if (this.#length === 0) {
          // Empty (a torn marker was cut away): it needs its marker before any record.
          this.#exists = false;
          await this.#disk.close(fd);
          this.#fd = null;
          return this.#ready();
        }
      } catch (error) {
        if (error instanceof ImageFileError) throw error;
        throw new ImageFileError(this.#path, `cannot open it: ${causeText(error)}`, {
          cause: error,
        });
      }
    }
    if (this.#unsyncedDirectory) {
      await syncDirectory(this.#disk, dirname(this.#path)).catch((error: unknown) => {
        const problem = `cannot append to it: its directory cannot be synced (${causeText(error)}), so the journal itself may not survive a power loss`;
        throw new ImageFileError(this.#path, problem, { cause: error });
      });
      this.#unsyncedDirectory = false;
    }
    if (this.#dirty !== null) {
      await this.#cutBack(this.#fd).catch((error: unknown) => {
        this.#dirty = error;
        const problem = `cannot append to it: an earlier append failed and its partial line cannot be removed (${causeText(error)}); no entry is written after it until it is`;
        throw new ImageFileError(this.#path, problem, { cause: error });
      });
    }
    return this.#fd;
  }

  /**
   * The cut failed, but the file may hold no partial line at all (the write was refused before a
   * byte landed, as EPERM on an immutable file is): then nothing is dirty.
   */
  async #clearIfIntact(fd: number): Promise<void> {
    if (this.#dirty === null) return;
    try {
      if ((await this.#disk.fstat(fd)).size === this.#length) this.#dirty = null;
    } catch {
      // cannot tell: stays dirty, and the next append retries the cut
    }
  }

  /** `#clearIfIntact`, with a blocking fstat (for the synchronous append path). */
  #clearIfIntactSync(fd: number): void {
    try {
      if (this.#disk.fstatSync(fd).size === this.#length) this.#dirty = null;
    } catch {
      // cannot tell: stays dirty, and the next append retries the cut
    }
  }

  /** Cuts the file back to its last good line, durably; clears `dirty` when done. */
  async #cutBack(fd: number): Promise<void> {
    await this.#disk.ftruncate(fd, this.#length);
    await this.#disk.fsync(fd);
    this.#dirty = null;
  }

  /** The ImageFileError for a failed append. */
  #appendFailure(error: unknown): ImageFileError {
    const left =
      this.#dirty === null
        ? ''
        : `; its partial line could not be removed yet (${causeText(this.#dirty)}): the next append retries`;
    return new ImageFileError(this.#path, `cannot append to it: ${causeText(error)}${left}`, {
      cause: error,
    });
  }

  /** Operations run one at a time, in call order. */
  #enqueue(operation: () => Promise<void>): Promise<void> {
    this.#pending++;
    const settle = () => {
      this.#pending--;
    };
    const run = this.#queue.then(operation, operation);
    run.then(settle, settle);
    this.#queue = run.catch(() => {});
    return run;
  }
}

/** Cuts `path` to `length` bytes durably (used for a torn tail, once it is set aside). */
export async function truncateFile(disk: Disk, path: string, length: number): Promise<void> {
  const fd = await disk.open(path, 'r+');
  try {
    await disk.ftruncate(fd, length);
    await disk.fsync(fd);
  } finally {
    await disk.close(fd);
  }
}
