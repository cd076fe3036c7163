// Reading a journal, and what its damage means. A journal is a marker line
// `{"journal":"vivarium","follows":ID,"imageId":ID,"crc":…}` naming the snapshot it continues
// and the image it belongs to, then one JSON object per line (journal-line.ts: each with its
// checksum), each fdatasynced before its append resolved. The only damage a crash can cause is a
// torn last line: an append that was not yet fdatasynced, whose newline is its last byte. So
// bytes after the last newline (possibly NULs: delayed allocation after a power loss leaves
// zeros) are a torn tail, and so is a newline-terminated last line holding NUL bytes (delayed
// allocation again); that tail is reported as `torn`, for the caller to set aside and report.
// Anything else is a JournalError naming the line, its byte offset and the damage (a complete
// last line that does not parse, a checksum that does not match); nothing is dropped.
import { nodeDisk } from './disk.ts';
import type { Disk } from './disk.ts';
import { errorCode, errorMessage } from './errors.ts';
import { checkLineChecksum, journalMarker } from './journal-line.ts';
import type { JournalLine, JournalMarker } from './journal-line.ts';

export { journalLine, journalMarker } from './journal-line.ts';
export type { JournalLine, JournalMarker } from './journal-line.ts';

/** Says what is wrong with a record (undefined: nothing). Supplied by the store's caller. */
export type RecordValidator = (record: object) => string | undefined;

export interface JournalContents {
  /** Whether the file exists (a missing journal reads as an empty one). */
  exists: boolean;
  /** The file's length in bytes (0 when missing). */
  size: number;
  /** Null for a missing or empty file, and for a legacy journal (records without a marker). */
  marker: JournalMarker | null;
  lines: JournalLine[];
  /** The records, in order (the marker excluded), without their checksum fields. */
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

/**
 * Reads and checks a journal; a missing file is an empty journal (`exists` false). Throws
 * JournalError on damage (see the file's comment) and the file system's error when it cannot be
 * read.
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
    return parseJournal(path, Buffer.alloc(0), options.validate, false);
  }
  return parseJournal(path, bytes, options.validate);
}

/** The contents of a journal's bytes (of a file that exists unless `exists` is false). */
export function parseJournal(
  path: string,
  bytes: Buffer,
  validate?: RecordValidator,
  exists = true,
): JournalContents {
  const contents: JournalContents = {
    exists,
    size: bytes.length,
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
    const raw = bytes.subarray(start, next - 1);
    const text = raw.toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      if (line === 1) throw damage(notAJournal(bytes.subarray(start, next)));
      const last = next === end && end === bytes.length;
      // A complete last line can only be a crash's doing if delayed allocation left NULs in it.
      if (last && raw.includes(0)) {
        contents.torn = { offset: start, bytes: bytes.subarray(start) };
        return contents;
      }
      const why = last
        ? 'it is the last line, but complete (it ends with a newline), so not an append cut short by a crash: the file was changed after it was written'
        : 'lines follow it';
      throw damage(`is not JSON (${errorMessage(error)}${preview(text)}); ${why}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw damage(`is not a JSON object${preview(text)}`);
    }
    const fields = value as Record<string, unknown>;
    const checksum = checkLineChecksum(fields, raw);
    if (fields.journal === 'vivarium' && line === 1) {
      if (checksum !== undefined) throw damage(`is the journal's marker, but ${checksum}`);
      contents.marker = readMarker(fields, (problem) => damage(problem + preview(text)));
    } else if (fields.journal === 'vivarium') {
      throw damage(`is a journal marker, which only the first line may be${preview(text)}`);
    } else {
      // A first line that is a record: a journal written without a marker by an older Vivarium or
      // by hand ("legacy"). It is accepted only because every one of its lines is checked here.
      const problem = validate?.(fields);
      if (problem !== undefined) {
        const also = checksum === undefined ? '' : '; it also does not match its checksum';
        throw damage(`is not a valid record: ${problem}${also}${preview(text)}`);
      }
      if (checksum !== undefined) throw damage(checksum);
      contents.lines.push({
        record: fields,
        entry: typeof fields.entry === 'number' ? fields.entry : undefined,
        bytes: bytes.subarray(start, next),
      });
      contents.records.push(fields);
    }
    start = next;
    contents.intactBytes = next;
  }
  if (end < bytes.length) contents.torn = { offset: end, bytes: bytes.subarray(end) };
  return contents;
}

/** The marker from its parsed fields; `fail` builds the error for a field that is wrong. */
function readMarker(
  fields: Record<string, unknown>,
  fail: (problem: string) => JournalError,
): JournalMarker {
  const { follows, imageId } = fields;
  if (follows !== null && typeof follows !== 'string') {
    throw fail('is a journal marker without a valid "follows"');
  }
  if (imageId !== undefined && (typeof imageId !== 'string' || imageId === '')) {
    throw fail('is a journal marker without a valid "imageId"');
  }
  return journalMarker(follows, imageId);
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
