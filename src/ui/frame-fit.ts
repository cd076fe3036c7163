// A process's frame fitted to the room its panel has: at most `rows` lines of at most `columns`
// characters. A frame that is larger is clipped with a marker rather than wrapped or scrolled, so
// the panel never grows past the screen (ink would then redraw the whole screen each frame,
// tearing the prompt and pushing stale frames into the scrollback: issue 11, point 8).

/** The lines to draw: cut to `columns` (a `…` ends a cut line), and to `rows` with a last line
 * saying how many were left out. */
export function fitFrame(text: string, columns: number, rows: number): string[] {
  const width = Math.max(1, columns);
  const lines = text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => cut(untab(line), width));
  const room = Math.max(1, rows);
  if (lines.length <= room) return lines;
  const kept = room - 1;
  return [...lines.slice(0, kept), cut(`… ${lines.length - kept} more lines`, width)];
}

/** At most `width` characters (code points), the last one `…` when something was cut. */
function cut(line: string, width: number): string {
  const chars = Array.from(line);
  return chars.length <= width ? line : chars.slice(0, width - 1).join('') + '…';
}

/** A tab would be as wide as the terminal makes it: two spaces keep the count honest. */
function untab(line: string): string {
  return line.replace(/\t/g, '  ');
}
