// One journal line: a JSON object and a newline. Every line the store writes carries a checksum
// as its last field, `"crc":"XXXXXXXX"` (8 lowercase hex digits): the CRC-32 (zlib.crc32) of the
// line's canonical text, which is the record's JSON as JSON.stringify wrote it, i.e. the line
// without its newline and without that field (`{"a":1,"crc":"…"}` → `{"a":1}`, `{"crc":"…"}` →
// `{}`). A line stays a readable JSON object; a reader checks the checksum against the bytes as
// they are, so any change to them (a bit flip that keeps the JSON valid too) is seen. Lines
// without a checksum (written by an older Vivarium, or by hand) are read as they are.

/**
 * zlib's CRC-32, zlib taken at the first line read or written: importing it at start cost ~2 ms
 * of every start of the REPL, whose image often has no journal yet.
 */
const crc32 = (data: string | NodeJS.ArrayBufferView, value?: number): number =>
  process.getBuiltinModule('node:zlib').crc32(data, value);

/** The first line of a journal: the snapshot it continues (by id; null: none yet), its image. */
export interface JournalMarker {
  journal: 'vivarium';
  follows: string | null;
  /** The image's id (undefined: a marker written before images had ids). */
  imageId?: string;
}

/** One record line: the record, its entry number (if it has one) and its bytes, newline included. */
export interface JournalLine {
  record: object;
  entry: number | undefined;
  bytes: Buffer;
}

/** The checksum field, as the last field of a line: `"crc":"` + 8 hex digits + `"}`. */
const CRC_FIELD = /"crc":"([0-9a-f]{8})"\}$/;
const CRC_FIELD_LENGTH = '"crc":"00000000"}'.length;

/** A marker (its `imageId` left out when undefined: a test writing an old-style marker). */
export function journalMarker(follows: string | null, imageId?: string): JournalMarker {
  return imageId === undefined
    ? { journal: 'vivarium', follows }
    : { journal: 'vivarium', follows, imageId };
}

/**
 * A record as its journal line, checksum included. Throws TypeError (a caller bug) for a value
 * that is not a plain JSON object, or one with its own `crc` field (the name is the store's).
 */
export function journalLine(record: object): JournalLine {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new TypeError(`a journal record must be an object, not ${JSON.stringify(record)}`);
  }
  if (Object.hasOwn(record, 'crc')) {
    throw new TypeError('a journal record cannot have a "crc" field: the journal uses it');
  }
  const json = JSON.stringify(record);
  if (json[0] !== '{') throw new TypeError(`a journal record must be a JSON object, not ${json}`);
  const crc = crc32(json).toString(16).padStart(8, '0');
  const text = json === '{}' ? `{"crc":"${crc}"}\n` : `${json.slice(0, -1)},"crc":"${crc}"}\n`;
  const entry = (record as { entry?: unknown }).entry;
  return {
    record,
    entry: typeof entry === 'number' ? entry : undefined,
    bytes: Buffer.from(text, 'utf8'),
  };
}

/**
 * Checks the checksum of a parsed line (`value`, from `bytes`, without its newline) and removes
 * the field from `value`. Returns what is wrong (undefined: nothing, or no checksum at all).
 */
export function checkLineChecksum(
  value: Record<string, unknown>,
  bytes: Buffer,
): string | undefined {
  if (!Object.hasOwn(value, 'crc')) return undefined;
  delete value.crc;
  const tail = bytes.toString('latin1', bytes.length - CRC_FIELD_LENGTH);
  const field = CRC_FIELD.exec(tail);
  // The field is the last one, right after `{` or a `,` (as journalLine writes it).
  const before = bytes[bytes.length - CRC_FIELD_LENGTH - 1];
  const alone = bytes.length === CRC_FIELD_LENGTH + 1;
  if (!field || (before !== 0x2c && !(alone && before === 0x7b))) {
    return 'has a damaged checksum field (it should end the line as "crc":"8 hex digits")';
  }
  const canonical = bytes.subarray(0, bytes.length - CRC_FIELD_LENGTH - (alone ? 0 : 1));
  const computed = crc32('}', crc32(canonical)).toString(16).padStart(8, '0');
  if (computed === field[1]) return undefined;
  return `does not match its checksum (the line says ${field[1]}, its bytes give ${computed}): it was changed after it was written`;
}
