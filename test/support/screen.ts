// Reading an ink screen in tests (ink-testing-library's lastFrame, or a fake terminal's output).
import { savedEnv } from './env.ts';

export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

/** Resolves with the screen's text once `predicate` holds; throws with the screen after 100 s. */
export async function until(
  frame: () => string | undefined,
  predicate: (text: string) => boolean,
): Promise<string> {
  // (Long: it returns as soon as the screen shows it; the deadline only says what it showed when a
  // test is wrong. 8 s was too short for a migration of 200,000 instances under three npm tests.)
  const deadline = Date.now() + 100_000;
  while (Date.now() < deadline) {
    const text = stripAnsi(frame() ?? '');
    if (predicate(text)) return text;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the screen never showed it; screen:\n' + stripAnsi(frame() ?? '').slice(-2500));
}

/**
 * ink-testing-library's stdout has columns and no rows, so ink asks terminal-size for the rows at
 * every frame, which (with no /dev/tty, as under npm test) runs `tput cols` and `tput lines`: two
 * processes started from the test's at each frame, ~4 ms of CPU. With LINES and COLUMNS set it
 * reads those instead: 24 rows, what tput says without a terminal (ui.test.ts, which has a process
 * of its own, sets them for good). A file that shares its process with others sets them for a test
 * only: from this call until the function it returns puts them back (in a finally).
 */
export function rowsFromEnv(): () => void {
  const restore = savedEnv(['LINES', 'COLUMNS']);
  process.env.LINES ??= '24';
  process.env.COLUMNS ??= '100';
  return restore;
}
