// How many rows of the screen the App's pieces take, so that its frame stays shorter than the
// window (ink redraws in place only then).
import { FRAME_CHROME_ROWS } from './views.ts';

/**
 * The rows the frame panel may take: the screen less what is drawn above and below it, the status
 * line, and one spare row (ink redraws the whole screen, scrollback included, once its output
 * fills the screen). At least its chrome and one line.
 */
export function frameRoom(
  screen: { rows: number },
  parts: { above: number; below: number },
): number {
  const room = screen.rows - 1 - 1 - parts.above - parts.below;
  return Math.max(FRAME_CHROME_ROWS + 1, room);
}

/** How many screen rows `text` takes, wrapped at `columns`, each line after a `prefix` wide one. */
export function textRows(text: string, columns: number, prefix = 0): number {
  const width = Math.max(1, columns);
  return text
    .split('\n')
    .reduce((sum, line) => sum + Math.max(1, Math.ceil((prefix + line.length) / width)), 0);
}
