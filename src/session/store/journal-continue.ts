// Whether a journal continues the snapshot beside it, and which of its records do. A journal
// names, in its marker, the snapshot it follows and the image it belongs to (its `imageId`, the
// same in every snapshot header of that image); a journal of another image, or of another
// version of this one, is refused rather than applied to the wrong state.
import type { JournalContents } from './journal-read.ts';
import type { JournalLine, JournalMarker } from './journal-line.ts';

/** What the journal must continue: the snapshot's header (null: no snapshot yet). */
export interface SnapshotRef {
  version: number;
  id: string;
  entry: number;
  /** See ImageHeader.previous: undefined for a version 1 image. */
  previous?: string | null;
  /** See ImageHeader.imageId: undefined for a snapshot saved before images had ids. */
  imageId?: string;
}

/**
 * The lines of a journal that follow `snapshot`, or a description of why the journal cannot be
 * applied to it (a string: the caller reports it as damage of the journal).
 *  - An empty file beside a version 2 snapshot is damage: the store never writes one.
 *  - A marker naming another image (by `imageId`) is refused. A marker with an id beside a
 *    snapshot saved before ids must name that very snapshot (this store writes an id in every
 *    snapshot it saves, so the cases below cannot arise for it).
 *  - Its marker names the snapshot: every record follows it.
 *  - Its marker names the snapshot's `previous` (or, for a version 1 image, any other snapshot):
 *    a crash came between writing the snapshot and resetting the journal. Records numbered up to
 *    the snapshot's entry are in it; the later ones follow it.
 *  - No marker (legacy): every record follows, except those numbered up to the snapshot's entry.
 * Markers and headers without an id (written before ids) are matched by snapshot only, as before.
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
  if (contents.exists && contents.size === 0 && snapshot && snapshot.version >= 2) {
    return 'is empty (0 bytes), but Vivarium never writes an empty journal (it creates one whole, its first line included, by a rename): something else emptied it, and the entries accepted since the image was last saved are lost from it. To open the image as last saved, remove the empty journal';
  }
  if (marker === null) return after(lines);
  const foreign = foreignImage(marker, snapshot, lines.length);
  if (foreign !== undefined) return foreign;
  if (marker.follows === (snapshot?.id ?? null)) return lines;
  if (snapshot && (snapshot.previous === undefined || marker.follows === snapshot.previous)) {
    return lines.filter((line) => line.entry !== undefined && line.entry > snapshot.entry);
  }
  const follows = marker.follows === null ? 'no snapshot' : `snapshot ${marker.follows}`;
  const is = snapshot ? `snapshot ${snapshot.id}` : 'missing';
  return `continues ${follows}, but the image is ${is}: the journal belongs to another version of the image (its ${records(lines.length)} would be applied to the wrong state). To open the image without them, move the journal away`;
}

/** Why a marker's image id rules the journal out for `snapshot` (undefined: it does not). */
function foreignImage(
  marker: JournalMarker,
  snapshot: SnapshotRef | null,
  count: number,
): string | undefined {
  const journalImage = marker.imageId;
  if (journalImage === undefined || snapshot === null) return undefined;
  const harm = `its ${records(count)} were accepted there and would be applied to the wrong state`;
  const remedy =
    'Put it back beside the image it came from; to open this image without them, move the journal away';
  if (snapshot.imageId !== undefined) {
    if (journalImage === snapshot.imageId) return undefined;
    return `belongs to another image (image ${journalImage}; this one is image ${snapshot.imageId}): ${harm}. ${remedy}`;
  }
  if (marker.follows === snapshot.id) return undefined;
  const follows = marker.follows === null ? 'no snapshot' : `snapshot ${marker.follows}`;
  return `belongs to another image, or another version of this one (it is image ${journalImage}'s and continues ${follows}; this image is snapshot ${snapshot.id}, saved before images had ids): ${harm}. ${remedy}`;
}

function records(count: number): string {
  return `${count} record${count === 1 ? '' : 's'}`;
}
