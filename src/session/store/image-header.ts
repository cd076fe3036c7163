// The image file's text: a header (format, version, a random snapshot id, the id of the snapshot
// the journal followed when this one was written, when it was saved, the last entry it holds, the
// payload's length and SHA-256, the image's id) followed by the guest's payload, inserted
// verbatim as the value of the `"image"` key (which is why the image's id is `"imageId"`).
// Version 1 files (no `previous`, no `sha256`) and headers without an `imageId` still open.
import { randomHex, sha256 } from '../../shared/hash.ts';
import { ImageFileError, errorMessage } from './errors.ts';

export const FORMAT = 'vivarium-image';
export const FORMAT_VERSION = 2;
/** The header must be complete within this many characters. */
const HEADER_LIMIT = 4096;

export interface ImageHeader {
  format: string;
  version: number;
  /** Random id of this snapshot: the journal's first line names the snapshot it continues. */
  id: string;
  /**
   * The snapshot the journal on disk followed when this one was written (null: none yet;
   * undefined: a version 1 file). A journal still naming it means a crash came between writing
   * this snapshot and resetting the journal: its records up to `entry` are in the snapshot.
   */
  previous?: string | null;
  savedAt: string;
  entry: number;
  /** The payload's length in UTF-16 code units (its string length): how truncation is seen. */
  length: number;
  /** SHA-256 (hex) of the payload's UTF-8 bytes: how damage of the same length is seen. */
  sha256?: string;
  /**
   * The image's random id, made with the image and kept by every save of it ("save as" makes a
   * copy: a new id). Its journal's marker names it too, so another image's journal is refused.
   * Undefined: saved before images had ids.
   */
  imageId?: string;
}

/** A new random snapshot id. */
export function newSnapshotId(): string {
  return randomHex(8);
}

/** A new random image id (for a new image, or a copy made by "save as"). */
export function newImageId(): string {
  return randomHex(8);
}

/** The SHA-256 (hex) of a payload's UTF-8 bytes. */
export function payloadChecksum(payload: string): string {
  return sha256(payload);
}

/**
 * The file text: header fields first (readable in the first ~300 bytes), then the payload; a
 * missing `id` or `imageId` is a new random one. Throws TypeError for an entry that is not a
 * whole number ≥ 0 or an empty payload (caller bugs).
 */
export function composeImageText(
  header: {
    savedAt: string;
    entry: number;
    id?: string;
    previous?: string | null;
    imageId?: string;
  },
  payloadJson: string,
): string {
  if (!Number.isSafeInteger(header.entry) || header.entry < 0) {
    throw new TypeError(`an image's entry must be a whole number ≥ 0, not ${header.entry}`);
  }
  if (payloadJson.trim() === '') throw new TypeError('an image payload cannot be empty');
  const fields = {
    format: FORMAT,
    version: FORMAT_VERSION,
    imageId: header.imageId ?? newImageId(),
    id: header.id ?? newSnapshotId(),
    previous: header.previous ?? null,
    savedAt: header.savedAt,
    entry: header.entry,
    length: payloadJson.length,
    sha256: payloadChecksum(payloadJson),
  } satisfies ImageHeader;
  return `${JSON.stringify(fields).slice(0, -1)},"image":${payloadJson}}`;
}

/**
 * Validates the header and the payload's checksum without parsing the payload (which may be 50
 * MB; the caller's guest parses it) and returns the header and the payload text. Throws
 * ImageFileError saying what is wrong: empty, not an image, a foreign format, a newer version,
 * truncated, damaged.
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
  const header = checkFields(fields, fail);
  const from = key + '"image":'.length;
  const to = from + header.length;
  if (text.length <= to) throw truncated('the snapshot');
  if (text.length > to + 64 || !/^\}\s*$/.test(text.slice(to))) {
    throw fail(
      `is damaged (its snapshot should be ${header.length} characters long, but it does not end there)`,
    );
  }
  const payload = text.slice(from, to);
  if (header.sha256 !== undefined && payloadChecksum(payload) !== header.sha256) {
    throw fail('is damaged (its snapshot does not match the checksum in its header)');
  }
  return { header, payload };
}

/** The header from its parsed fields, or the ImageFileError naming the fields that are wrong. */
function checkFields(
  fields: Record<string, unknown>,
  fail: (problem: string) => ImageFileError,
): ImageHeader {
  const isCount = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;
  const v2 = fields.version === 2;
  const invalid = [
    fields.version === 1 || v2 ? '' : '"version"',
    typeof fields.id === 'string' ? '' : '"id"',
    !v2 || fields.previous === null || typeof fields.previous === 'string' ? '' : '"previous"',
    typeof fields.savedAt === 'string' ? '' : '"savedAt"',
    isCount(fields.entry) ? '' : '"entry"',
    isCount(fields.length) ? '' : '"length"',
    !v2 || /^[0-9a-f]{64}$/.test(String(fields.sha256)) ? '' : '"sha256"',
    fields.imageId === undefined || (typeof fields.imageId === 'string' && fields.imageId !== '')
      ? ''
      : '"imageId"',
  ].filter(Boolean);
  if (invalid.length > 0) throw fail(`has a damaged header (no valid ${invalid.join(', ')})`);
  const header: ImageHeader = {
    format: FORMAT,
    version: fields.version as number,
    id: fields.id as string,
    savedAt: fields.savedAt as string,
    entry: fields.entry as number,
    length: fields.length as number,
  };
  if (v2) {
    header.previous = fields.previous as string | null;
    header.sha256 = fields.sha256 as string;
  }
  if (fields.imageId !== undefined) header.imageId = fields.imageId as string;
  return header;
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
