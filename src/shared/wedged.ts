// How a runner whose main thread is wedged still reports its death (runner/watchdog.ts): one line
// on its stderr, which the session reads when the process is gone.

/**
 * A runner whose main thread is wedged cannot send `died`: its watchdog thread writes this line on
 * stderr instead, and the session reads it (runner/watchdog.ts says when that happens).
 */
export const WEDGED = 'viv-runner-wedged ';
export const STUCK_MESSAGE =
  'the isolate did not stop when told to (out of memory near its limit, most likely)';

/** The death a wedged runner wrote on its stderr, if it did. */
export function wedgedReport(stderr: string): { reason: string; tick?: string } | undefined {
  const at = stderr.lastIndexOf(WEDGED);
  if (at < 0) return undefined;
  const line = stderr.slice(at + WEDGED.length).split('\n')[0]!;
  try {
    return JSON.parse(line) as { reason: string; tick?: string };
  } catch {
    return { reason: STUCK_MESSAGE };
  }
}
