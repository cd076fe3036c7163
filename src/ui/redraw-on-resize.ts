// A resized terminal reflows what it shows, ink's frame included: narrowing it leaves pieces of
// old panels, widening it joins wrapped rows of old frames into stale half-frames, on the screen
// and in the scrollback (ink's known issue; ink 8 only erases the frame it drew last). After a
// resize the screen and the scrollback are cleared, the transcript is written again at the new
// width, and ink draws its one frame below it.
import { useEffect, useRef } from 'react';

/** Erase the screen (2J) and the scrollback (3J), cursor home. */
export const CLEAR_ALL = '\u001b[2J\u001b[3J\u001b[H';

/** At most this many rows of the transcript are written again (terminals keep a bounded scrollback). */
const KEPT_ROWS = 2000;

/** Resizes arrive in bursts while a window is dragged: redraw once they pause this long. */
const SETTLE_MS = 40;

export function useRedrawOnResize(
  stdout: NodeJS.WritableStream,
  write: (data: string) => void,
  transcript: () => string[],
): void {
  const latest = useRef(transcript);
  latest.current = transcript;
  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    const redraw = () => {
      timer = undefined;
      const lines = latest.current().flatMap((text) => text.split('\n'));
      const kept = lines.slice(-KEPT_ROWS);
      write(CLEAR_ALL + kept.map((line) => line + '\n').join(''));
    };
    const resized = () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(redraw, SETTLE_MS);
    };
    stdout.on('resize', resized);
    return () => {
      if (timer) clearTimeout(timer);
      stdout.off('resize', resized);
    };
  }, [stdout, write]);
}
