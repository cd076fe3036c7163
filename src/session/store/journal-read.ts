// Reading a journal, and what its damage means. A journal is a marker line
// `{"journal":"vivarium","follows":ID}` naming the snapshot it continues, then one JSON object
// per line, each fdatasynced before its append resolved. The only damage a crash can cause is a
// torn last line: bytes after the last newline (possibly NULs: delayed allocation after a power
// loss leaves zeros), or a last line that does not parse. That tail is reported as `torn`, for
// the caller to set aside and report. Anything else is a JournalError naming the line, its byte
// offset and the damage; nothing is dropped.
import { nodeDisk } from './disk.ts';
import type { Disk } from './disk.ts';
import { errorCode, errorMessage } from './errors.ts';

/** Says what is wrong with a record (undefined: nothing). Supplied by the store's caller. */
export type RecordValidator = (record: object) => string | undefined;

/** The first line of a journal that continues a snapshot: which one (by id; null: none yet). */
export interface JournalMarker {
  journal: 'vivarium';
  follows: string | null;
}

/** One record line: the record, its entry number (if it has one) and its bytes, newline included. */
export interface JournalLine {
  record: object;
  entry: number | undefined;
  bytes: Buffer;
}

export interface JournalContents {
  /** Null for a missing or empty file, and for a legacy journal (records without a marker). */
  marker: JournalMarker | null;
  lines: JournalLine[];
  /** The records, in order (the marker excluded). */
  records: object[];
  /** The torn last line, if any: where it starts and its bytes. */
  torn: { offset: number; bytes: Buffer } | null;
  /** Bytes of the file up to the end of the last good line: its length once the torn tail is cut. */
  intactBytes: number;
}

export class JournalError extends Error {
  readonly file: string;
  readonly line: number;
  readonly offset: number;
  readonly problem: string;

  constructor(file: string, line: number, offset: number, problem: string) {
    super(`${file}: line ${line} (at byte ${offset}) ${problem}`);
    this.name = 'JournalError';
    this.file = file;
    this.line = line;
    this.offset = offset;
    this.problem = problem;
  }
}

const NEWLINE = 0x0a;
const MARKER_START = '{"journal":"vivarium"';

export const journalMarker = (follows: string | null): JournalMarker => ({
  journal: 'vivarium',
  follows,
});

/** A record as its journal line (JSON and a newline); TypeError for a non-object (a caller bug). */
export function journalLine(record: object): JournalLine {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new TypeError(`a journal record must be an object, not ${JSON.stringify(record)}`);
  }
  const entry = (record as { entry?: unknown }).entry;
  return {
    record,
    entry: typeof entry === 'number' ? entry : undefined,
    bytes: Buffer.from(JSON.stringify(record) + '\n', 'utf8'),
  };
}

/**
 * Reads and checks a journal; a missing file is an empty journal. Throws JournalError on damage
 * (see the file's comment) and the file system's error when it cannot be read.
 */
export async function readJournal(
  path: string,
  options: { disk?: Disk; validate?: RecordValidator } = {},
): Promise<JournalContents> {
  let bytes: Buffer;
  try {
    bytes = await (options.disk ?? nodeDisk).readFile(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    bytes = Buffer.alloc(0);
  }
  return parseJournal(path, bytes, options.validate);
}

/** The contents of a journal's bytes; throws JournalError on damage. */
export function parseJournal(
  path: string,
  bytes: Buffer,
  validate?: RecordValidator,
): JournalContents {
  const contents: JournalContents = {
    marker: null,
    lines: [],
    records: [],
    torn: null,
    intactBytes: 0,
  };
  const end = bytes.lastIndexOf(NEWLINE) + 1;
  if (end === 0 && bytes.length > 0) {
    // No complete line. Only a marker cut short (a crash while a journal was being started by an
    // older Vivarium) is a torn line; NULs or other bytes mean the file is not a journal.
    const text = bytes.toString('utf8');
    if (!(MARKER_START.startsWith(text) || text.startsWith(MARKER_START))) {
      throw new JournalError(path, 1, 0, notAJournal(bytes));
    }
    contents.torn = { offset: 0, bytes };
    return contents;
  }
  let line = 0;
  for (let start = 0; start < end;) {
    line++;
    const next = bytes.indexOf(NEWLINE, start) + 1;
    const damage = (problem: string) => new JournalError(path, line, start, problem);
    const text = bytes.toString('utf8', start, next - 1);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (line === 1) throw damage(notAJournal(bytes.subarray(start, next)));
      // The last line, with nothing after it, may be an append that a crash cut short.
      if (next === end && end === bytes.length) {
        contents.torn = { offset: start, bytes: bytes.subarray(start) };
        return contents;
      }
      throw damage(`is not JSON (${errorMessage(error)}${preview(text)}); lines follow it`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw damage(`is not a JSON object${preview(text)}`);
    }
    const isMarker = (value as { journal?: unknown }).journal === 'vivarium';
    if (isMarker && line === 1) {
      const follows = (value as { follows?: unknown }).follows;
      if (follows !== null && typeof follows !== 'string') {
        throw damage(`is a journal marker without a valid "follows"${preview(text)}`);
      }
      contents.marker = journalMarker(follows);
    } else if (isMarker) {
      throw damage(`is a journal marker, which only the first line may be${preview(text)}`);
    } else {
      // A first line that is a record: a journal written without a marker by an older Vivarium or
      // by hand ("legacy"). It is accepted only because every one of its lines is checked here.
      const problem = validate?.(value);
      if (problem !== undefined) throw damage(`is not a valid record: ${problem}${preview(text)}`);
      const entry = (value as { entry?: unknown }).entry;
      contents.lines.push({
        record: value,
        entry: typeof entry === 'number' ? entry : undefined,
        bytes: bytes.subarray(start, next),
      });
      contents.records.push(value);
    }
    start = next;
    contents.intactBytes = next;
  }
  if (end < bytes.length) contents.torn = { offset: end, bytes: bytes.subarray(end) };
  return contents;
}

/** Why a first line means the file is not a journal. */
function notAJournal(bytes: Buffer): string {
  const nuls = bytes.every((byte) => byte === 0);
  const what = nuls
    ? `it is ${bytes.length} NUL bytes`
    : `it starts with ${JSON.stringify(bytes.toString('utf8', 0, 40))}`;
  return `is not the journal's first line {"journal":"vivarium",...} nor a record (${what}): the file is damaged or is not a Vivarium journal`;
}

/** The start of a line, for messages. */
function preview(text: string): string {
  return `: ${JSON.stringify(text.length > 60 ? text.slice(0, 60) + '…' : text)}`;
}

/** What the journal must continue: the snapshot's header (null: no snapshot yet). */
export interface SnapshotRef {
  id: string;
  entry: number;
  /** See ImageHeader.previous: undefined for a version 1 image. */
  previous?: string | null;
}

/**
 * The lines of a journal that follow `snapshot`, or a description of why the journal belongs to
 * another snapshot (a string: the caller reports it as damage).
 *  - Its marker names the snapshot: every record follows it.
 *  - Its marker names the snapshot's `previous` (or, for a version 1 image, any other snapshot):
 *    a crash came between writing the snapshot and resetting the journal. Records numbered up to
 *    the snapshot's entry are in it; the later ones follow it.
 *  - No marker (legacy): every record follows, except those numbered up to the snapshot's entry.
 */
export function continuation(
  contents: JournalContents,
  snapshot: SnapshotRef | null,
): JournalLine[] | string {
  const after = (lines: JournalLine[]) =>
    snapshot
      ? lines.filter((line) => line.entry === undefined || line.entry > snapshot.entry)
      : lines;
  const { marker, lines } = contents;
  if (marker === null) return after(lines);
  if (marker.follows === (snapshot?.id ?? null)) return lines;
  if (snapshot && (snapshot.previous === undefined || marker.follows === snapshot.previous)) {
    return lines.filter((line) => line.entry !== undefined && line.entry > snapshot.entry);
  }
  const follows = marker.follows === null ? 'no snapshot' : `snapshot ${marker.follows}`;
  const is = snapshot ? `snapshot ${snapshot.id}` : 'missing';
  return `continues ${follows}, but the image is ${is}: the journal belongs to another version of the image (its ${lines.length} record${lines.length === 1 ? '' : 's'} would be applied to the wrong state). To open the image without them, move the journal away`;
}
