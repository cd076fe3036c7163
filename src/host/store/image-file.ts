// The image file and its store. An image is `images/x.json`: a header (format, version, a random
// snapshot id, when it was saved, the last entry it holds, the payload's length) followed by the
// guest's payload, inserted verbatim. Next to it live `x.json.journal` (records accepted since the
// snapshot; its first line names the snapshot it continues) and `x.json.lock` (the writer's pid).
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Low } from 'lowdb';
import {
  errorCode,
  errorMessage,
  FsyncTextAdapter,
  removeStaleTempFiles,
} from './fsync-adapter.ts';
import { continuation, Journal, JournalError, journalMarker } from './journal.ts';
import type { Continuation, JournalContents } from './journal.ts';
import { acquireLock, ImageLockedError } from './lock.ts';
import type { Lock } from './lock.ts';

export const FORMAT = 'vivarium-image';
export const FORMAT_VERSION = 1;
/** The header must be complete within this many characters. */
const HEADER_LIMIT = 4096;

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

export interface ImageHeader {
  format: string;
  version: number;
  /** Random id of this snapshot: the journal's first line names the snapshot it continues. */
  id: string;
  savedAt: string;
  entry: number;
  /** The payload's length in UTF-16 code units (its string length): how truncation is seen. */
  length: number;
}

/** The file text: header fields first (readable in the first ~200 bytes), then the payload. */
export function composeImageText(
  header: { savedAt: string; entry: number; id?: string },
  payloadJson: string,
): string {
  if (!Number.isSafeInteger(header.entry) || header.entry < 0) {
    throw new TypeError(`an image's entry must be a whole number ≥ 0, not ${header.entry}`);
  }
  if (payloadJson.trim() === '') throw new TypeError('an image payload cannot be empty');
  const fields = {
    format: FORMAT,
    version: FORMAT_VERSION,
    id: header.id ?? newSnapshotId(),
    savedAt: header.savedAt,
    entry: header.entry,
    length: payloadJson.length,
  } satisfies ImageHeader;
  return `${JSON.stringify(fields).slice(0, -1)},"image":${payloadJson}}`;
}

/**
 * Validates the header without parsing the payload (which may be 50 MB; the caller's guest
 * parses it) and returns the header and the payload text. Throws ImageFileError saying what is
 * wrong: empty, not an image, a foreign format, a newer version, truncated, damaged.
 */
export function splitImageText(
  file: string,
  text: string,
): { header: ImageHeader; payload: string } {
  const fail = (problem: string) => new ImageFileError(file, problem);
  const size = (bytes = Buffer.byteLength(text, 'utf8')) =>
    `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const truncated = (where: string) =>
    fail(`is truncated (${size()}; it ends in the middle of ${where})`);
  if (text.trim() === '') throw fail(`is empty (${size()}), not a Vivarium image`);
  const head = text.slice(0, HEADER_LIMIT);
  const start = head.trimStart();

  const format =
    /^\{\s*"format"\s*:\s*("(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*")/.exec(
      start,
    );
  if (!format) {
    if (`{"format":"${FORMAT}"`.startsWith(start.trimEnd())) throw truncated('the header');
    throw fail(
      `is not a Vivarium image (it does not start with a Vivarium header${describe(text)})`,
    );
  }
  const formatName = JSON.parse(format[1]!) as string;
  if (formatName !== FORMAT) {
    throw fail(
      `is not a Vivarium image (its format is ${JSON.stringify(formatName)}, not "${FORMAT}")`,
    );
  }
  const newer = (version: unknown) =>
    typeof version === 'number' && version > FORMAT_VERSION
      ? fail(
          `was written by a newer Vivarium (format version ${version}; this one reads ${FORMAT_VERSION})`,
        )
      : null;
  // Header values are plain JSON values, whose strings escape '"': the first `"image":` is the key.
  const key = head.indexOf('"image":');
  const version = /"version"\s*:\s*(\d+)/.exec(key === -1 ? head : head.slice(0, key));
  if (version && newer(Number(version[1]))) throw newer(Number(version[1]))!;
  if (key === -1) {
    if (text.length < HEADER_LIMIT) throw truncated('the header');
    throw fail(`has a damaged header (no "image" field in its first ${HEADER_LIMIT} characters)`);
  }
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(`${head.slice(0, key)}"image":null}`) as Record<string, unknown>;
  } catch (error) {
    throw fail(`has a damaged header (${errorMessage(error)})`);
  }
  if (newer(fields.version)) throw newer(fields.version)!;
  const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  const invalid = [
    fields.version === FORMAT_VERSION ? '' : '"version"',
    typeof fields.id === 'string' ? '' : '"id"',
    typeof fields.savedAt === 'string' ? '' : '"savedAt"',
    isCount(fields.entry) ? '' : '"entry"',
    isCount(fields.length) ? '' : '"length"',
  ].filter(Boolean);
  if (invalid.length > 0) throw fail(`has a damaged header (no valid ${invalid.join(', ')})`);

  const header = {
    format: FORMAT,
    version: FORMAT_VERSION,
    id: fields.id as string,
    savedAt: fields.savedAt as string,
    entry: fields.entry as number,
    length: fields.length as number,
  };
  const from = key + '"image":'.length;
  const to = from + header.length;
  if (text.length <= to) throw truncated('the snapshot');
  if (text.length > to + 64 || !/^\}\s*$/.test(text.slice(to))) {
    throw fail(
      `is damaged (its snapshot should be ${header.length} characters long, but it does not end there)`,
    );
  }
  return { header, payload: text.slice(from, to) };
}

/** What a file that is not an image looks like, when that is cheap to tell. */
function describe(text: string): string {
  const first = text.trimStart()[0];
  if (text.length > HEADER_LIMIT) return first === '[' ? ': it starts like a JSON array' : '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return '';
  }
  if (Array.isArray(value)) return ': it is a JSON array';
  if (value === null || typeof value !== 'object')
    return `: it is a JSON ${value === null ? 'null' : typeof value}`;
  const keys = Object.keys(value);
  return keys.length === 0
    ? ': it is an empty JSON object'
    : `: it is a JSON object whose first field is ${JSON.stringify(keys[0])}, not "format"`;
}

function newSnapshotId(): string {
  return randomBytes(8).toString('hex');
}

/** Lock failures that mean "this place is read-only for us": the image can still be read. */
const READ_ONLY = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * One open image. `header`, `payload`, `journal` and `journalTorn` are what `open` found (what to
 * rebuild from); `path` follows "save as".
 */
export class ImageStore {
  readonly header: ImageHeader | null;
  readonly payload: string | null;
  readonly journal: object[];
  readonly journalTorn: boolean;
  #path: string;
  #lock: Lock | null;
  #lockFailure: ImageFileError | null;
  #snapshotId: string | null;
  #journalFile: Journal | null = null;
  #repair: Continuation['repair'];
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  #pendingOperations = 0;

  private constructor(
    path: string,
    lock: Lock | { failure: ImageFileError },
    split: { header: ImageHeader; payload: string } | null,
    journal: Continuation,
  ) {
    this.#path = path;
    [this.#lock, this.#lockFailure] = 'failure' in lock ? [null, lock.failure] : [lock, null];
    this.header = split?.header ?? null;
    this.payload = split?.payload ?? null;
    this.#snapshotId = this.header?.id ?? null;
    [this.journal, this.journalTorn, this.#repair] = [
      journal.records,
      journal.torn,
      journal.repair,
    ];
  }

  get path(): string {
    return this.#path;
  }

  /** Null while this store holds the image's lock; otherwise why not (it can then only read). */
  get lockFailure(): ImageFileError | null {
    return this.#lockFailure;
  }

  /**
   * Opens an image (a missing file is a new, empty image; its directory is created). Throws
   * ImageLockedError when another process has it, ImageFileError when it cannot be read or is
   * not a valid image, and then leaves nothing behind. Where the lock cannot be created because
   * the directory is read-only, the image opens read-only (see `lockFailure`).
   */
  static async open(path: string): Promise<ImageStore> {
    await makeDirectory(path);
    const lock = await lockImage(path).catch((error: unknown) => {
      if (!(error instanceof ImageFileError) || !READ_ONLY.has(errorCode(error.cause) ?? '')) {
        throw error;
      }
      const problem = `${error.problem}; it is open read-only`;
      return { failure: new ImageFileError(path, problem, { cause: error.cause }) };
    });
    const held = 'failure' in lock ? null : lock;
    try {
      let text: string | null;
      try {
        text = await new FsyncTextAdapter(path).read();
      } catch (error) {
        throw new ImageFileError(path, `cannot read it: ${errorMessage(error)}`, { cause: error });
      }
      const split = text === null ? null : splitImageText(path, text);
      const journal = continuation(await readJournal(`${path}.journal`), split?.header.id ?? null);
      if (held) await removeStaleTempFiles(path);
      return new ImageStore(path, lock, split, journal);
    } catch (error) {
      await held?.release().catch(() => {});
      throw error;
    }
  }

  /** Appends one record to the journal; resolves once it is on disk. */
  append(record: object): Promise<void> {
    // The common case (nothing else queued, journal ready) appends at once, synchronously.
    const journal = this.#journalFile;
    if (this.#idle && journal?.idle && !this.#repair && !this.#lockFailure && !this.#closed) {
      try {
        journal.appendSync(record);
        return Promise.resolve();
      } catch (error) {
        const problem = `cannot append to it: ${errorMessage(error)}`;
        return Promise.reject(new ImageFileError(journal.path, problem, { cause: error }));
      }
    }
    return this.#enqueue(async () => {
      this.#assertOpen();
      if (this.#lockFailure) throw this.#lockFailure;
      const journal = await this.#readyJournal();
      await journal.append(record).catch((error: unknown) => {
        const problem = `cannot append to it: ${errorMessage(error)}`;
        throw new ImageFileError(journal.path, problem, { cause: error });
      });
    });
  }

  /**
   * Writes a snapshot durably (through lowdb and the fsync adapter), then empties the journal.
   * Given another path ("save as"), locks that path, writes there, and from then on this store
   * is that image (the old one keeps its snapshot and journal, and its lock is released).
   */
  save(entry: number, payloadJson: string, path: string = this.#path): Promise<void> {
    return this.#enqueue(async () => {
      this.#assertOpen();
      const moving = resolve(path) !== resolve(this.#path);
      if (!moving && this.#lockFailure) throw this.#lockFailure;
      if (moving) await makeDirectory(path);
      const lock = moving ? await lockImage(path) : this.#lock;
      const id = newSnapshotId();
      try {
        const text = composeImageText(
          { savedAt: new Date().toISOString(), entry, id },
          payloadJson,
        );
        const db = new Low<string>(new FsyncTextAdapter(path), '');
        db.data = text;
        await db.write();
      } catch (error) {
        if (moving) await lock?.release().catch(() => {});
        if (error instanceof TypeError) throw error;
        const cause = (error as Error).cause ?? error;
        throw new ImageFileError(path, `cannot write it: ${errorMessage(cause)}`, { cause });
      }
      if (moving) {
        // The new image is written: leaving the old one cannot fail the save any more.
        await this.#journalFile?.close().catch(() => {});
        await this.#lock?.release().catch(() => {});
        [this.#path, this.#lock, this.#lockFailure, this.#journalFile] = [path, lock, null, null];
      }
      // Until the journal is reset, its marker names the previous snapshot: reopening ignores it.
      this.#snapshotId = id;
      this.#repair = { keep: 0, marker: true };
      await this.#readyJournal();
    });
  }

  /** Finishes pending work, closes the journal and releases the lock. Closing twice is harmless. */
  close(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#closed) return;
      this.#closed = true;
      await this.#journalFile?.close();
      await this.#lock?.release();
      [this.#journalFile, this.#lock] = [null, null];
    });
  }

  /** The open journal file, repaired first if needed (a torn tail cut, a marker written). */
  async #readyJournal(): Promise<Journal> {
    const path = `${this.#path}.journal`;
    try {
      this.#journalFile ??= await Journal.open(path);
      if (this.#repair) {
        await this.#journalFile.truncate(this.#repair.keep);
        if (this.#repair.marker) await this.#journalFile.append(journalMarker(this.#snapshotId));
        this.#repair = null;
      }
      return this.#journalFile;
    } catch (error) {
      throw new ImageFileError(path, `cannot write it: ${errorMessage(error)}`, { cause: error });
    }
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
    if (this.#closed) throw new Error(`${this.#path}: this image store is closed`);
  }
}

async function makeDirectory(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    const problem = `cannot create its directory ${dirname(path)}: ${errorMessage(error)}`;
    throw new ImageFileError(path, problem, { cause: error });
  });
}

/** The image's lock; ImageLockedError as it is, any other failure as ImageFileError. */
async function lockImage(path: string): Promise<Lock> {
  return acquireLock(path).catch((error: unknown) => {
    if (error instanceof ImageLockedError) throw error;
    throw new ImageFileError(path, `cannot lock it: ${errorMessage(error)}`, { cause: error });
  });
}

async function readJournal(path: string): Promise<JournalContents> {
  return Journal.read(path).catch((error: unknown) => {
    const problem =
      error instanceof JournalError
        ? `line ${error.line} ${error.problem}`
        : `cannot read it: ${errorMessage(error)}`;
    throw new ImageFileError(path, problem, { cause: error });
  });
}
